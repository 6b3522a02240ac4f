"""answers outbox: staff's answers to residents and the office's answer templates

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import aggregator.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, aggregator.models.UTCDateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        _text("kind", 10, nullable=False),
        _text("text", nullable=False),
        _text("state", 20, nullable=False),
        _text("idempotency_key", 64, nullable=False),
        _text("written_by", 64, nullable=False),
        _text("approved_by", 64),
        _text("send_back_note"),
        _utc("created_at", nullable=False),
        _utc("approved_at"),
        _utc("send_started_at"),
        _utc("posted_at"),
        _text("platform_reply_id", 255),
        _text("reply_external_id", 255),
        sa.Column("reply_comment_id", sa.Integer(), nullable=True),
        _text("reply_url"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at"),
        _text("error_kind", 20),
        _text("error_message"),
        _text("error_staff_message"),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"]),
        sa.ForeignKeyConstraint(["reply_comment_id"], ["comment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index("ix_answer_comment", ["comment_id", "id"], unique=False)
        batch_op.create_index(
            "ix_answer_state_due", ["state", "next_attempt_at", "id"], unique=False
        )
        batch_op.create_index("ix_answer_reply_external", ["reply_external_id"], unique=False)
    op.create_table(
        "answer_template",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("title", 100, nullable=False),
        _text("body", nullable=False),
        _text("department"),
        sa.Column("active", sa.Boolean(), nullable=False),
        _text("created_by", 64, nullable=False),
        _utc("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("answer_template")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_reply_external")
        batch_op.drop_index("ix_answer_state_due")
        batch_op.drop_index("ix_answer_comment")
    op.drop_table("answer")
