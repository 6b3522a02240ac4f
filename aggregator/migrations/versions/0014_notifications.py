"""notifications: the outbox of staff notifications, its cursor, department addresses,
staff preferences

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import aggregator.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, aggregator.models.UTCDateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("key", 300, nullable=False),
        _text("kind", 30, nullable=False),
        _text("channel", 10, nullable=False),
        _text("recipient", 500, nullable=False),
        _text("department", 100),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        _text("subject", 300, nullable=False),
        _text("body", nullable=False),
        _text("state", 10, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at"),
        _text("last_error"),
        _utc("created_at", nullable=False),
        _utc("sent_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_state_due", ["state", "next_attempt_at", "id"], unique=False
        )
    cursor = op.create_table(
        "notification_cursor",
        _text("name", 30, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        _utc("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "department_contact",
        _text("department", 100, nullable=False),
        sa.Column("emails", _json(), nullable=False),
        _text("webhook_url", 500),
        _utc("updated_at", nullable=False),
        _text("updated_by", 64, nullable=False),
        sa.PrimaryKeyConstraint("department"),
    )
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        _text("email", 254),
        sa.Column("kinds", _json(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        _utc("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    _start_after_existing_history(cursor)


def _start_after_existing_history(cursor: sa.Table) -> None:
    """An upgraded database notifies only about review events made after the upgrade."""
    last = op.get_bind().execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM review_event"))
    row = {
        "name": "review_event",
        "last_id": int(last.scalar_one()),
        "updated_at": datetime.now(UTC),
    }
    op.bulk_insert(cursor, [row])


def downgrade() -> None:
    op.drop_table("notification_preference")
    op.drop_table("department_contact")
    op.drop_table("notification_cursor")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_state_due")
    op.drop_table("notification")
