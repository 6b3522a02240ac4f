"""The monthly reports (owner: `aggregator.reports`, its CLI and web pages): rows of a
month (streamed), closing and reopening months (each logged in the access log in the
same transaction), the analysed topic nouns of comments, and the report-file jobs the
web's background worker makes (requests, claiming, progress, outcome, retention)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from aggregator.db import read_connection, write_transaction
from aggregator.store import access_log, report_jobs, report_query, topic_query
from aggregator.store.access_log import AccessEntry
from aggregator.store.base import Repository
from aggregator.store.report_jobs import DONE, EXPIRED, FAILED, QUEUED, RUNNING, JobKey
from aggregator.store.report_query import CommentRow
from aggregator.store.topic_query import TopicItem

__all__ = [
    "DONE",
    "EXPIRED",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "SNAPSHOT_CHUNK",
    "CommentRow",
    "JobKey",
    "ReportsRepository",
    "TopicItem",
]

SNAPSHOT_CHUNK = 1000


class ReportsRepository(Repository):
    """Monthly report reads and writes, and topic nouns."""

    def report_rows(self, start: datetime, end: datetime) -> Iterator[CommentRow]:
        """Every resident comment created in [start, end) with its review history,
        streamed from one read transaction (a consistent view of the month)."""
        with read_connection(self.engine) as conn, conn.begin():
            yield from report_query.comment_rows(conn, start, end)

    def report_snapshot(self, month: str) -> dict[str, Any] | None:
        """A closed month's frozen report (month, closed_at, closed_by, payload), or None."""
        with read_connection(self.engine) as conn:
            return report_query.snapshot(conn, month)

    def report_snapshot_rows(self, month: str) -> Iterator[str]:
        """A closed month's frozen rows (JSON text each), in report order, streamed."""
        with read_connection(self.engine) as conn, conn.begin():
            yield from report_query.snapshot_rows(conn, month)

    def closed_months(self) -> list[dict[str, Any]]:
        """Closed months, newest first."""
        with read_connection(self.engine) as conn:
            return report_query.closed_months(conn)

    def close_month(
        self,
        month: str,
        closed_by: str,
        rows: Iterable[tuple[int, str]],
        finish: Callable[[int], tuple[str, AccessEntry]],
    ) -> bool:
        """Freeze a month: its rows ((comment id, JSON text) each, in report order), then
        its figures and the access-log entry (`finish(row count)`, called once the rows
        are consumed), in one transaction; False (`rows` untouched) when already closed."""
        with write_transaction(self.engine) as conn:
            now = self.clock()
            if not report_query.insert_snapshot(conn, month, "{}", closed_by, now):
                return False
            chunk: list[tuple[int, int, str]] = []
            count = 0
            for count, (comment_id, text) in enumerate(rows, start=1):
                chunk.append((count - 1, comment_id, text))
                if len(chunk) >= SNAPSHOT_CHUNK:
                    report_query.insert_snapshot_rows(conn, month, chunk)
                    chunk = []
            report_query.insert_snapshot_rows(conn, month, chunk)
            payload, entry = finish(count)
            report_query.set_snapshot_payload(conn, month, payload)
            access_log.append(conn, entry, now)
            return True

    def reopen_month(self, month: str, entry: AccessEntry) -> bool:
        """Drop a month's frozen report and log it; False when it was not closed."""
        with write_transaction(self.engine) as conn:
            reopened = report_query.delete_snapshot(conn, month)
            if reopened:
                access_log.append(conn, entry, self.clock())
            return reopened

    def topics_to_analyse(self, limit: int) -> list[TopicItem]:
        """Up to `limit` comments whose text has no analysed nouns: new ones first."""
        with read_connection(self.engine) as conn:
            items = topic_query.new_comments(conn, limit)
            if len(items) < limit:
                items += topic_query.edited_comments(conn, limit - len(items))
            return items

    def topics_pending(self, start: datetime, end: datetime) -> int:
        """Resident comments of [start, end) whose current text is not analysed yet."""
        with read_connection(self.engine) as conn:
            return topic_query.pending_in(conn, start, end)

    def save_topics(self, results: Sequence[tuple[TopicItem, str]]) -> None:
        """Store the nouns found (space-separated) for each analysed comment."""
        with write_transaction(self.engine) as conn:
            topic_query.save(conn, results, self.clock())

    # report-file jobs -----------------------------------------------------------------
    def take_report_job(
        self,
        key: JobKey,
        staff: str,
        role: str | None,
        reason: str,
        entry_for: Callable[[int], AccessEntry],
    ) -> tuple[int, bool]:
        """Join the queued or running job of this report, or queue one, record who asked
        and why, and log `entry_for(job id)`, in one transaction: (job id, joined).
        `IntegrityError` when another request queued the same report at this moment."""
        with write_transaction(self.engine) as conn:
            now = self.clock()
            job_id = report_jobs.active_job(conn, key)
            joined = job_id is not None
            if job_id is None:
                job_id = report_jobs.new_job(conn, key, now)
            report_jobs.add_request(conn, job_id, staff, role, reason, now)
            access_log.append(conn, entry_for(job_id), now)
        return job_id, joined

    def report_job(self, job_id: int, staff: str) -> tuple[dict[str, Any] | None, bool]:
        """A job's row (None when there is none) and whether `staff` asked for it."""
        with read_connection(self.engine) as conn:
            job = report_jobs.job(conn, job_id)
            mine = job is not None and report_jobs.requested_by(conn, job_id, staff)
        return job, mine

    def recent_report_jobs(self, staff: str, limit: int) -> list[dict[str, Any]]:
        """The jobs `staff` asked for, newest request first (each job once)."""
        with read_connection(self.engine) as conn:
            return report_jobs.recent_for(conn, staff, limit)

    def fail_abandoned_report_jobs(
        self, abandoned: Callable[[dict[str, Any], datetime], bool], error: str
    ) -> list[int]:
        """Mark failed (with `error`) the running jobs `abandoned(job, now)` picks, in one
        transaction; return their ids."""
        with write_transaction(self.engine) as conn:
            now = self.clock()
            dead = [job["id"] for job in report_jobs.running(conn) if abandoned(job, now)]
            report_jobs.fail(conn, dead, error, now)
        return dead

    def claim_report_job(self, worker: str) -> dict[str, Any] | None:
        """Mark the oldest queued job running for `worker` and return it (None: none)."""
        with write_transaction(self.engine) as conn:
            return report_jobs.claim_next(conn, worker, self.clock())

    def report_job_progress(self, job_id: int, done: int, total: int) -> None:
        """A running job's progress (rows done of total), which is also its heartbeat."""
        with write_transaction(self.engine) as conn:
            report_jobs.set_progress(conn, job_id, done, total, self.clock())

    def requeue_report_job(self, job_id: int) -> None:
        """Put a running job back in the queue (its worker is stopping)."""
        with write_transaction(self.engine) as conn:
            report_jobs.requeue(conn, job_id)

    def finish_report_job(self, job_id: int, file_name: str, size: int, keep: timedelta) -> None:
        """A job's file is written: done, kept for `keep` from now."""
        with write_transaction(self.engine) as conn:
            now = self.clock()
            report_jobs.finish(conn, job_id, file_name, size, now, now + keep)

    def fail_report_job(self, job_id: int, error: str) -> None:
        """A job failed; `error` is what staff are shown."""
        with write_transaction(self.engine) as conn:
            report_jobs.fail(conn, [job_id], error, self.clock())

    def expired_report_jobs(self) -> list[dict[str, Any]]:
        """Done jobs whose retention is over (id, file name)."""
        with read_connection(self.engine) as conn:
            return report_jobs.expired(conn, self.clock())

    def report_job_expired(self, job_id: int) -> None:
        """A done job whose file was removed."""
        with write_transaction(self.engine) as conn:
            report_jobs.mark_expired(conn, job_id)

    def kept_report_files(self) -> tuple[set[str], set[int]]:
        """The file names of done jobs and the ids of running jobs."""
        with read_connection(self.engine) as conn:
            return report_jobs.kept_files(conn)

    def report_row_total(self, month: str, start: datetime, end: datetime) -> int:
        """How many rows the month's report has: a closed month's frozen rows, else the
        resident comments created in [start, end)."""
        with read_connection(self.engine) as conn:
            return report_jobs.row_total(conn, month, start, end)
