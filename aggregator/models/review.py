"""Staff-owned review data, which a sync never writes: review state, tags, notes, the
append-only review history and routing suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import json_column, utc_column


class Review(SQLModel, table=True):
    """Staff-owned review state of one comment; a sync never writes this table.

    A comment without a row here is 신규 (new). `comment_created_at` repeats the
    comment's (immutable) creation time so the inbox can page newest-first through
    one status, department or assignee on one index.
    """

    __tablename__ = "review"
    __table_args__ = (
        sa.Index("ix_review_status_created", "status", "comment_created_at", "comment_id"),
        sa.Index("ix_review_department_created", "department", "comment_created_at", "comment_id"),
        sa.Index("ix_review_assignee_created", "assignee", "comment_created_at", "comment_id"),
    )

    comment_id: int = Field(foreign_key="comment.id", primary_key=True)
    status: str = Field(default="신규", max_length=20)
    department: str | None = None
    assignee: str | None = None
    deadline: datetime | None = utc_column(nullable=True)
    """An explicit deadline; when empty it is derived from the comment's time."""
    updated_at: datetime = utc_column()
    updated_by: str | None = None
    comment_created_at: datetime = utc_column()
    priority: str | None = Field(default=None, max_length=10)
    reason: str | None = None
    """Why it was hidden or marked spam (MOIS categories), or needs no answer (답변 불요)."""
    complaint_ref: str | None = None
    """The formal complaint's reference number (정식민원 전환)."""
    claimed_by: str | None = None
    claimed_until: datetime | None = utc_column(nullable=True)


class ReviewTag(SQLModel, table=True):
    """A tag staff put on a comment."""

    __tablename__ = "review_tag"
    __table_args__ = (sa.Index("ix_review_tag_tag", "tag", "comment_id"),)

    comment_id: int = Field(foreign_key="comment.id", primary_key=True)
    tag: str = Field(primary_key=True, max_length=50)


class ReviewNote(SQLModel, table=True):
    """A note (메모) staff wrote on a comment."""

    __tablename__ = "review_note"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    author: str
    body: str
    created_at: datetime = utc_column()


class ReviewEvent(SQLModel, table=True):
    """One change of a comment's review (status, assignment, tag, note, claim): append-only."""

    __tablename__ = "review_event"
    __table_args__ = (sa.Index("ix_review_event_comment", "comment_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id")
    at: datetime = utc_column()
    actor: str
    action: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    detail: dict[str, Any] = json_column()


class RoutingSuggestion(SQLModel, table=True):
    """What the routing rules suggested for a comment when it was stored (not staff state)."""

    __tablename__ = "routing_suggestion"

    comment_id: int = Field(foreign_key="comment.id", primary_key=True)
    department: str | None = None
    tags: list[str] = json_column()
    priority: str | None = Field(default=None, max_length=10)
    spam: bool = False
    rules: list[str] = json_column()
    created_at: datetime = utc_column()
    decision: str | None = Field(default=None, max_length=20)
    """accepted or dismissed, once staff decided."""
    decided_at: datetime | None = utc_column(nullable=True)
    decided_by: str | None = None
