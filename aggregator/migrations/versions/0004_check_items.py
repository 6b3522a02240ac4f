"""check items

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:45:31.434824
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import aggregator.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("comments_before", sa.Integer(), nullable=False),
        sa.Column("comments_now", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("opened_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", aggregator.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["post.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("check_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_item_post_id"), ["post_id"], unique=False)
        batch_op.create_index("ix_check_item_status", ["status", "opened_at"], unique=False)

    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("comments_readable", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("comments_readable")

    with op.batch_alter_table("check_item", schema=None) as batch_op:
        batch_op.drop_index("ix_check_item_status")
        batch_op.drop_index(batch_op.f("ix_check_item_post_id"))

    op.drop_table("check_item")
