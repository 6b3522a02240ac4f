"""dashboard: the open items and their daily tallies, kept with every write

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-04 18:40:00

`open_item` lists every resident comment still waiting for an answer and
`open_tally` counts them per department and UTC day of creation, so the dashboard's
counts stay exact and fast at a million comments (`aggregator.store.open_items`).
Both are filled from the stored comments, reviews and answers here. A partial index
on residents' comments by creation time counts today's new comments from the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import aggregator.models
from aggregator.store import open_items

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = aggregator.models.UTCDateTime(timezone=True)
    op.create_table(
        "open_item",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("deadline", utc, nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"]),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    no_deadline = sa.text("deadline IS NULL")
    with_deadline = sa.text("deadline IS NOT NULL")
    for name, columns, where in (
        ("ix_open_item_created", ["created_at", "department"], no_deadline),
        ("ix_open_item_department_created", ["department", "created_at"], no_deadline),
        ("ix_open_item_deadline", ["deadline", "department"], with_deadline),
    ):
        op.create_index(name, "open_item", columns, sqlite_where=where, postgresql_where=where)
    op.create_table(
        "open_tally",
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("department", "day"),
    )
    op.create_index(
        "ix_comment_resident_created",
        "comment",
        ["created_at"],
        sqlite_where=sa.text("by_account_owner = 0"),
        postgresql_where=sa.text("NOT by_account_owner"),
    )
    open_items.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("open_tally")
    indexes = ("ix_open_item_deadline", "ix_open_item_department_created", "ix_open_item_created")
    for name in indexes:
        op.drop_index(name, table_name="open_item")
    op.drop_table("open_item")
    op.drop_index("ix_comment_resident_created", table_name="comment")
