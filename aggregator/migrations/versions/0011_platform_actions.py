"""platform actions (hide/unhide upstream) and the charges of platform writes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import aggregator.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, aggregator.models.UTCDateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "platform_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        _text("action", 10, nullable=False),
        _text("reason", 50),
        _text("requested_by", 64, nullable=False),
        _utc("requested_at", nullable=False),
        _text("state", 20, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at"),
        _text("error_kind", 20),
        _text("error_message"),
        _text("error_staff_message"),
        _utc("done_at"),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("platform_action", schema=None) as batch_op:
        batch_op.create_index("ix_platform_action_comment", ["comment_id", "id"], unique=False)
        batch_op.create_index(
            "ix_platform_action_due", ["state", "next_attempt_at", "id"], unique=False
        )
    op.create_table(
        "write_charge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        _utc("at", nullable=False),
        _text("what", 20, nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("write_charge", schema=None) as batch_op:
        batch_op.create_index("ix_write_charge_account_at", ["account_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("write_charge", schema=None) as batch_op:
        batch_op.drop_index("ix_write_charge_account_at")
    op.drop_table("write_charge")
    with op.batch_alter_table("platform_action", schema=None) as batch_op:
        batch_op.drop_index("ix_platform_action_due")
        batch_op.drop_index("ix_platform_action_comment")
    op.drop_table("platform_action")
