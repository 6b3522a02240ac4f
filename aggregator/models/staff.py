"""Staff accounts, web sessions and the PIPA access log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import utc_column


class StaffUser(SQLModel, table=True):
    """A staff account of the web inbox (password as an argon2 hash)."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=20)
    department: str | None = None
    password_hash: str
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = utc_column(nullable=True)
    created_at: datetime = utc_column()
    password_changed_at: datetime = utc_column()
    last_login_at: datetime | None = utc_column(nullable=True)


class WebSession(SQLModel, table=True):
    """A logged-in browser: the cookie holds a random token, this row its SHA-256."""

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()
    expires_at: datetime = utc_column()
    client_ip: str | None = Field(default=None, max_length=64)


class AccessLog(SQLModel, table=True):
    """PIPA access record (접속기록): who, when, from where, what, which action.

    Append-only: the database refuses UPDATE, and DELETE of records younger than two
    years (triggers made by the migration); each row also carries a hash chained to
    the previous row, so a gap or an edit outside the app shows.
    """

    __tablename__ = "access_log"
    __table_args__ = (
        sa.Index("ix_access_log_at", "at", "id"),
        sa.Index("ix_access_log_staff", "staff", "at"),
        sa.Index("ix_access_log_action", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column()
    staff: str = Field(max_length=64)
    role: str | None = Field(default=None, max_length=20)
    client_ip: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=40)
    target: str | None = Field(default=None, max_length=100)
    """What was touched, e.g. `comment:123`, `search`, `user:kim`."""
    subject: str | None = None
    """The data subject (the resident's name or handle) where one was touched."""
    detail: str | None = None
    prev_hash: str = Field(max_length=64)
    row_hash: str = Field(max_length=64)
