"""The answers outbox: staff's answers to residents' comments, and the office's templates.

An `answer` row is written before any call to a platform; its `state` says where it
stands (see `aggregator.answers.states` for the state machine). Staff-owned: a sync
only links the district's reply it reads back to the row (`reply_external_id`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import utc_column


class Answer(SQLModel, table=True):
    """One answer (1차 답변 or 최종 답변) to one comment, from draft to posted."""

    __tablename__ = "answer"
    __table_args__ = (
        sa.Index("ix_answer_comment", "comment_id", "id"),
        sa.Index("ix_answer_state_due", "state", "next_attempt_at", "id"),
        sa.Index("ix_answer_reply_external", "reply_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id")
    kind: str = Field(max_length=10)
    """first (1차 답변) or final (최종 답변)."""
    text: str
    """The exact text sent to the platform (templates already expanded)."""
    state: str = Field(max_length=20)
    idempotency_key: str = Field(max_length=64, unique=True)
    written_by: str = Field(max_length=64)
    approved_by: str | None = Field(default=None, max_length=64)
    send_back_note: str | None = None
    created_at: datetime = utc_column()
    approved_at: datetime | None = utc_column(nullable=True)
    send_started_at: datetime | None = utc_column(nullable=True)
    """When the last attempt began (stored and committed before calling the platform)."""
    posted_at: datetime | None = utc_column(nullable=True)
    """When the resident could see the answer: the deadline is met at this moment."""
    platform_reply_id: str | None = Field(default=None, max_length=255)
    reply_external_id: str | None = Field(default=None, max_length=255)
    """Our `comment.external_id` of the reply, as a sync stores it when it reads it back."""
    reply_comment_id: int | None = Field(default=None, foreign_key="comment.id")
    """The district's reply as the sync stored it, once read back (linked, not a second
    answer)."""
    reply_url: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = utc_column(nullable=True)
    error_kind: str | None = Field(default=None, max_length=20)
    error_message: str | None = None
    error_staff_message: str | None = None


class AnswerTemplate(SQLModel, table=True):
    """A saved answer (상용구) with placeholders such as {부서명} {전화번호} {담당자}."""

    __tablename__ = "answer_template"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    body: str
    department: str | None = None
    """The department whose officers use it; None: office-wide."""
    active: bool = True
    created_by: str = Field(max_length=64)
    created_at: datetime = utc_column()


class PlatformAction(SQLModel, table=True):
    """One upstream moderation step staff asked for: hide (or unhide) a resident's comment
    on its platform. Written in the same transaction as the review change that asks for it;
    the answers worker carries it out (the web request never calls a platform)."""

    __tablename__ = "platform_action"
    __table_args__ = (
        sa.Index("ix_platform_action_comment", "comment_id", "id"),
        sa.Index("ix_platform_action_due", "state", "next_attempt_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id")
    action: str = Field(max_length=10)
    """hide or unhide."""
    reason: str | None = Field(default=None, max_length=50)
    """The MOIS reason of the 숨김 it belongs to."""
    requested_by: str = Field(max_length=64)
    requested_at: datetime = utc_column()
    state: str = Field(max_length=20)
    """queued, done, failed, or superseded (a later request for the comment replaced it)."""
    attempts: int = 0
    next_attempt_at: datetime | None = utc_column(nullable=True)
    error_kind: str | None = Field(default=None, max_length=20)
    error_message: str | None = None
    error_staff_message: str | None = None
    done_at: datetime | None = utc_column(nullable=True)


class WriteCharge(SQLModel, table=True):
    """What a platform write cost (X: replies, hiding, reading back), charged to the
    account's month next to its sync runs' `estimated_cost`."""

    __tablename__ = "write_charge"
    __table_args__ = (sa.Index("ix_write_charge_account_at", "account_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    at: datetime = utc_column()
    what: str = Field(max_length=20)
    """answers (replies and read-backs) or platform_actions (hiding)."""
    cost: float = 0.0
