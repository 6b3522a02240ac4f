"""Staff notifications: the outbox of messages, its cursor over the review history,
department addresses and each staff member's choices."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import json_column, utc_column


class Notification(SQLModel, table=True):
    """One message to one address (e-mail) or one webhook, from queued to sent or failed.

    `key` makes queueing idempotent: the same event, failure or digest never queues the
    same message to the same recipient twice. The body is cleared once sent (it may hold
    the masked first words of a comment, which need not be kept).
    """

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_state_due", "state", "next_attempt_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=30)
    channel: str = Field(max_length=10)
    """email or webhook."""
    recipient: str = Field(max_length=500)
    """An e-mail address or a webhook URL."""
    department: str | None = Field(default=None, max_length=100)
    """The department (or the office) the message is about, where one is."""
    comment_id: int | None = None
    subject: str = Field(max_length=300)
    body: str
    state: str = Field(max_length=10)
    """pending, sent or failed."""
    attempts: int = 0
    next_attempt_at: datetime | None = utc_column(nullable=True)
    last_error: str | None = None
    created_at: datetime = utc_column()
    sent_at: datetime | None = utc_column(nullable=True)


class NotificationCursor(SQLModel, table=True):
    """How far the notifier has read a source (the review history: its last event id)."""

    __tablename__ = "notification_cursor"

    name: str = Field(primary_key=True, max_length=30)
    last_id: int = 0
    updated_at: datetime = utc_column()


class DepartmentContact(SQLModel, table=True):
    """Where a department's (or the office's) notifications go, set by the admin."""

    __tablename__ = "department_contact"

    department: str = Field(primary_key=True, max_length=100)
    emails: list[str] = json_column()
    webhook_url: str | None = Field(default=None, max_length=500)
    updated_at: datetime = utc_column()
    updated_by: str = Field(max_length=64)


class NotificationPreference(SQLModel, table=True):
    """What one staff member wants to hear about, and at which address."""

    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="staff_user.id", primary_key=True)
    email: str | None = Field(default=None, max_length=254)
    kinds: list[str] = json_column()
    """The event kinds switched on (see `aggregator.notify.kinds`)."""
    digest: bool = False
    updated_at: datetime = utc_column()
