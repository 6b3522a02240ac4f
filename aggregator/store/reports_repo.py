"""The monthly reports (owner: `aggregator.reports`, its CLI and web pages): rows of a
month (streamed), closing and reopening months (each logged in the access log in the
same transaction), and the analysed topic nouns of comments."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from aggregator.db import read_connection, write_transaction
from aggregator.store import access_log, report_query, topic_query
from aggregator.store.access_log import AccessEntry
from aggregator.store.base import Repository
from aggregator.store.report_jobs import DONE, EXPIRED, FAILED, QUEUED, RUNNING
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
