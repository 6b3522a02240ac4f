"""Report files made in the background for the web: the job and who asked for it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import utc_column


class ReportJob(SQLModel, table=True):
    """One report file being made, made, failed or removed after its retention.

    `active_key` (`2026-11:pdf:1`) is set while the job is queued or running and
    cleared when it ends: unique, so only one job per month, format and
    pseudonymisation runs at once (a second request joins it).
    """

    __tablename__ = "report_job"
    __table_args__ = (sa.Index("ix_report_job_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7)
    format: str = Field(max_length=4)
    pseudonymized: bool
    status: str = Field(max_length=10)
    """queued, running, done, failed or expired (the file removed after the retention)."""
    active_key: str | None = Field(default=None, max_length=20, unique=True)
    rows_done: int = 0
    rows_total: int | None = None
    file_name: str | None = Field(default=None, max_length=100)
    """The file's name in `reports.output_dir` (never a path from outside)."""
    size_bytes: int | None = None
    error: str | None = Field(default=None, max_length=500)
    """Why it failed, in Korean, for the staff who asked."""
    worker: str | None = Field(default=None, max_length=200)
    """The process running it (host:pid:token), while it runs."""
    created_at: datetime = utc_column()
    started_at: datetime | None = utc_column(nullable=True)
    heartbeat_at: datetime | None = utc_column(nullable=True)
    finished_at: datetime | None = utc_column(nullable=True)
    expires_at: datetime | None = utc_column(nullable=True)
    """When the file is removed (`reports.keep_hours` after it was made)."""


class ReportJobRequest(SQLModel, table=True):
    """One staff member's request for a job's file, with the reason they gave."""

    __tablename__ = "report_job_request"
    __table_args__ = (sa.Index("ix_report_job_request_staff", "staff", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="report_job.id", index=True)
    staff: str = Field(max_length=64)
    role: str | None = Field(default=None, max_length=20)
    reason: str = Field(max_length=300)
    requested_at: datetime = utc_column()
