"""Running the syncs: cursors, run records, leases, account health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import json_column, utc_column


class SyncCursor(SQLModel, table=True):
    """Where an account's stream stopped; committed with the records it covers."""

    __tablename__ = "sync_cursor"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    stream: str = Field(primary_key=True, max_length=100)
    value: Any = json_column()
    updated_at: datetime = utc_column()


class SyncRun(SQLModel, table=True):
    """One sync of one account: when, why, how it ended and what it did."""

    __tablename__ = "sync_run"
    __table_args__ = (sa.Index("ix_sync_run_account_started", "account_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    trigger: str = Field(max_length=20)
    started_at: datetime = utc_column()
    finished_at: datetime | None = utc_column(nullable=True)
    status: str = Field(max_length=30)
    posts_new: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    comments_new: int = 0
    comments_updated: int = 0
    comments_unchanged: int = 0
    api_calls: int = 0
    units_read: int = 0
    """Billable items read (X: posts read)."""
    estimated_cost: float = 0.0
    warnings: list[str] = json_column()
    error: str | None = None


class SyncLock(SQLModel, table=True):
    """A lease that keeps two processes from syncing the same account at once."""

    __tablename__ = "sync_lock"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    holder: str = Field(max_length=200)
    acquired_at: datetime = utc_column()
    expires_at: datetime = utc_column()


class ServiceLease(SQLModel, table=True):
    """A named lease held by one process (the scheduler): one holder per database."""

    __tablename__ = "service_lease"

    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(max_length=200)
    acquired_at: datetime = utc_column()
    expires_at: datetime = utc_column()


class AccountHealth(SQLModel, table=True):
    """The last health state seen for an account, so each change alerts exactly once."""

    __tablename__ = "account_health"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    state: str = Field(max_length=30)
    since: datetime = utc_column()
    alerted_at: datetime | None = utc_column(nullable=True)
