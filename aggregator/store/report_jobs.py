"""SQL of the web's report jobs: requests (joining a running job of the same report),
claiming the next queued job, progress, the end of a job, crash recovery and expiry,
and how many rows a month's report has (for progress).

Every function takes a connection; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.report_query import snapshot
from aggregator.store.tables import COMMENT, REPORT_JOB, REPORT_JOB_REQUEST, SNAPSHOT_ROW
from aggregator.store.topic_query import residents_created

QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
ACTIVE = (QUEUED, RUNNING)


@dataclass(frozen=True)
class JobKey:
    """What makes two requests the same report: month, format, pseudonymised or not."""

    month: str
    fmt: str
    pseudonymized: bool

    @property
    def active_key(self) -> str:
        """The unique marker of a queued or running job of this report."""
        return f"{self.month}:{self.fmt}:{int(self.pseudonymized)}"


def active_job(conn: Connection, key: JobKey) -> int | None:
    """The queued or running job of this report, if there is one."""
    query = sa.select(REPORT_JOB.c.id).where(REPORT_JOB.c.active_key == key.active_key)
    found = conn.execute(query).scalar()
    return int(found) if found is not None else None


def new_job(conn: Connection, key: JobKey, now: datetime) -> int:
    """Queue a job (the caller checked that none of this report is active)."""
    values = {"month": key.month, "format": key.fmt, "pseudonymized": key.pseudonymized,
              "status": QUEUED, "active_key": key.active_key, "rows_done": 0,
              "created_at": now}  # fmt: skip
    insert = sa.insert(REPORT_JOB).values(**values).returning(REPORT_JOB.c.id)
    return int(conn.execute(insert).scalar_one())


def add_request(
    conn: Connection, job_id: int, staff: str, role: str | None, reason: str, now: datetime
) -> int:
    """Record that `staff` asked for job `job_id`'s file, and why."""
    values = {"job_id": job_id, "staff": staff[:64], "role": role, "reason": reason,
              "requested_at": now}  # fmt: skip
    insert = sa.insert(REPORT_JOB_REQUEST).values(**values).returning(REPORT_JOB_REQUEST.c.id)
    return int(conn.execute(insert).scalar_one())


def claim_next(conn: Connection, worker: str, now: datetime) -> dict[str, Any] | None:
    """Mark the oldest queued job running for `worker` and return it (None: none queued).

    The update only succeeds while the job is still queued, so two workers never both
    run one job."""
    query = sa.select(REPORT_JOB.c.id).where(REPORT_JOB.c.status == QUEUED)
    for job_id in conn.execute(query.order_by(REPORT_JOB.c.id).limit(5)).scalars():
        claimed = conn.execute(
            sa.update(REPORT_JOB)
            .where(REPORT_JOB.c.id == job_id, REPORT_JOB.c.status == QUEUED)
            .values(status=RUNNING, worker=worker[:200], started_at=now, heartbeat_at=now)
        )
        if claimed.rowcount:
            return job(conn, int(job_id))
    return None


def set_progress(conn: Connection, job_id: int, done: int, total: int, now: datetime) -> None:
    """Rows of a running job read so far, of how many."""
    conn.execute(
        sa.update(REPORT_JOB)
        .where(REPORT_JOB.c.id == job_id, REPORT_JOB.c.status == RUNNING)
        .values(rows_done=done, rows_total=total, heartbeat_at=now)
    )


def finish(
    conn: Connection, job_id: int, file_name: str, size: int, now: datetime, expires: datetime
) -> None:
    """A job's file is written: done, kept until `expires`."""
    conn.execute(
        sa.update(REPORT_JOB)
        .where(REPORT_JOB.c.id == job_id)
        .values(status=DONE, active_key=None, file_name=file_name, size_bytes=size,
                finished_at=now, expires_at=expires, worker=None, heartbeat_at=now)
    )  # fmt: skip


def fail(conn: Connection, job_ids: Sequence[int], error: str, now: datetime) -> None:
    """Jobs that could not be made, with why (Korean, for the staff who asked)."""
    if job_ids:
        conn.execute(
            sa.update(REPORT_JOB)
            .where(REPORT_JOB.c.id.in_(job_ids))
            .values(status=FAILED, active_key=None, error=error[:500], finished_at=now,
                    worker=None)
        )  # fmt: skip


def requeue(conn: Connection, job_id: int) -> None:
    """Put a job interrupted by a shutdown back in the queue, from the start."""
    conn.execute(
        sa.update(REPORT_JOB)
        .where(REPORT_JOB.c.id == job_id, REPORT_JOB.c.status == RUNNING)
        .values(status=QUEUED, worker=None, rows_done=0, started_at=None, heartbeat_at=None)
    )


def running(conn: Connection) -> list[dict[str, Any]]:
    """Every running job (id, worker, heartbeat), for crash recovery."""
    query = sa.select(REPORT_JOB.c.id, REPORT_JOB.c.worker, REPORT_JOB.c.heartbeat_at)
    return [dict(r._mapping) for r in conn.execute(query.where(REPORT_JOB.c.status == RUNNING))]


def expired(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Done jobs whose retention is over (id, file name)."""
    query = sa.select(REPORT_JOB.c.id, REPORT_JOB.c.file_name).where(
        REPORT_JOB.c.status == DONE, REPORT_JOB.c.expires_at <= now
    )
    return [dict(r._mapping) for r in conn.execute(query.order_by(REPORT_JOB.c.id))]


def mark_expired(conn: Connection, job_id: int) -> None:
    """A done job whose file was removed."""
    conn.execute(
        sa.update(REPORT_JOB)
        .where(REPORT_JOB.c.id == job_id, REPORT_JOB.c.status == DONE)
        .values(status=EXPIRED, file_name=None)
    )


def kept_files(conn: Connection) -> tuple[set[str], set[int]]:
    """The file names of done jobs, and the ids of running jobs (whose files are being
    written): every other file in the output directory is a leftover."""
    query = sa.select(REPORT_JOB.c.id, REPORT_JOB.c.status, REPORT_JOB.c.file_name).where(
        REPORT_JOB.c.status.in_([DONE, RUNNING])
    )
    names: set[str] = set()
    ids: set[int] = set()
    for row in conn.execute(query):
        if row.status == DONE and row.file_name:
            names.add(row.file_name)
        elif row.status == RUNNING:
            ids.add(int(row.id))
    return names, ids


def job(conn: Connection, job_id: int) -> dict[str, Any] | None:
    """One job's row."""
    row = conn.execute(sa.select(REPORT_JOB).where(REPORT_JOB.c.id == job_id)).first()
    return dict(row._mapping) if row is not None else None


def requested_by(conn: Connection, job_id: int, staff: str) -> bool:
    """Whether `staff` asked for this job's file."""
    query = sa.select(REPORT_JOB_REQUEST.c.id).where(
        REPORT_JOB_REQUEST.c.job_id == job_id, REPORT_JOB_REQUEST.c.staff == staff
    )
    return conn.execute(query.limit(1)).first() is not None


def recent_for(conn: Connection, staff: str, limit: int) -> list[dict[str, Any]]:
    """The jobs `staff` asked for, newest request first (each job once)."""
    latest = (
        sa.select(
            REPORT_JOB_REQUEST.c.job_id,
            sa.func.max(REPORT_JOB_REQUEST.c.requested_at).label("requested_at"),
        )
        .where(REPORT_JOB_REQUEST.c.staff == staff)
        .group_by(REPORT_JOB_REQUEST.c.job_id)
        .subquery()
    )
    query = (
        sa.select(REPORT_JOB, latest.c.requested_at)
        .join(latest, latest.c.job_id == REPORT_JOB.c.id)
        .order_by(latest.c.requested_at.desc(), REPORT_JOB.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def row_total(conn: Connection, month: str, start: datetime, end: datetime) -> int:
    """How many rows the month's report has: a closed month's frozen rows, else the
    resident comments created in [start, end)."""
    if snapshot(conn, month) is not None:
        query = sa.select(sa.func.count()).where(SNAPSHOT_ROW.c.month == month)
    else:
        query = (
            sa.select(sa.func.count()).select_from(COMMENT).where(*residents_created(start, end))
        )
    return int(conn.execute(query).scalar_one())
