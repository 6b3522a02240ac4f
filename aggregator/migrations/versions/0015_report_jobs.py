"""report jobs: report files made in the background for the web, and who asked

Revision ID: 0015_report_jobs
Revises: 0014
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import aggregator.models

revision: str = "0015_report_jobs"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, aggregator.models.UTCDateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "report_job",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("month", 7, nullable=False),
        _text("format", 4, nullable=False),
        sa.Column("pseudonymized", sa.Boolean(), nullable=False),
        _text("status", 10, nullable=False),
        _text("active_key", 20),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        _text("file_name", 100),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        _text("error", 500),
        _text("worker", 200),
        _utc("created_at", nullable=False),
        _utc("started_at"),
        _utc("heartbeat_at"),
        _utc("finished_at"),
        _utc("expires_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active_key"),
    )
    with op.batch_alter_table("report_job", schema=None) as batch_op:
        batch_op.create_index("ix_report_job_status", ["status", "id"], unique=False)
    op.create_table(
        "report_job_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        _text("staff", 64, nullable=False),
        _text("role", 20),
        _text("reason", 300, nullable=False),
        _utc("requested_at", nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["report_job.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_job_request", schema=None) as batch_op:
        batch_op.create_index("ix_report_job_request_job_id", ["job_id"], unique=False)
        batch_op.create_index("ix_report_job_request_staff", ["staff", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_job_request", schema=None) as batch_op:
        batch_op.drop_index("ix_report_job_request_staff")
        batch_op.drop_index("ix_report_job_request_job_id")
    op.drop_table("report_job_request")
    with op.batch_alter_table("report_job", schema=None) as batch_op:
        batch_op.drop_index("ix_report_job_status")
    op.drop_table("report_job")
