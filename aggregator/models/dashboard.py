"""The dashboard's maintained view of open items (see `aggregator.store.open_items`).

Both tables are derived: they can be rebuilt at any time from comments, reviews and
answers, and every write that changes an item's openness refreshes them in its own
transaction.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import utc_column

_NO_DEADLINE = sa.text("deadline IS NULL")


class OpenItem(SQLModel, table=True):
    """A resident comment still waiting for an answer: open status, no district reply."""

    __tablename__ = "open_item"
    __table_args__ = (
        sa.Index(
            "ix_open_item_created",
            "created_at",
            "department",
            sqlite_where=_NO_DEADLINE,
            postgresql_where=_NO_DEADLINE,
        ),
        sa.Index(
            "ix_open_item_department_created",
            "department",
            "created_at",
            sqlite_where=_NO_DEADLINE,
            postgresql_where=_NO_DEADLINE,
        ),
        sa.Index(
            "ix_open_item_deadline",
            "deadline",
            "department",
            sqlite_where=sa.text("deadline IS NOT NULL"),
            postgresql_where=sa.text("deadline IS NOT NULL"),
        ),
    )

    comment_id: int = Field(foreign_key="comment.id", primary_key=True)
    department: str | None = None
    created_at: datetime = utc_column()
    deadline: datetime | None = utc_column(nullable=True)
    """The review's explicit deadline; None: derived from `created_at`."""


class OpenTally(SQLModel, table=True):
    """How many open items without an explicit deadline were created on one UTC day,
    per department ('' for none): the whole days of a count come from here."""

    __tablename__ = "open_tally"

    department: str = Field(primary_key=True, max_length=255)
    day: date = Field(primary_key=True)
    count: int = 0
