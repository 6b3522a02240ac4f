"""The `Store` methods of the monthly reports: rows of a month, closing and reopening
months (each logged in the access log in the same transaction)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from aggregator.db import read_connection, write_transaction
from aggregator.store import access_log, report_query
from aggregator.store.access_log import AccessEntry


class ReportStoreMixin:
    """Monthly report reads and writes; needs `engine` and `clock` from `Store`."""

    engine: Engine
    clock: Callable[[], datetime]

    def report_rows(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Every resident comment created in [start, end) with its review history."""
        with read_connection(self.engine) as conn:
            return report_query.comment_rows(conn, start, end)

    def report_snapshot(self, month: str) -> dict[str, Any] | None:
        """A closed month's frozen report (month, closed_at, closed_by, payload), or None."""
        with read_connection(self.engine) as conn:
            return report_query.snapshot(conn, month)

    def closed_months(self) -> list[dict[str, Any]]:
        """Closed months, newest first."""
        with read_connection(self.engine) as conn:
            return report_query.closed_months(conn)

    def close_month(self, month: str, payload: str, entry: AccessEntry) -> bool:
        """Freeze a month's report and log it; False when it was already closed."""
        with write_transaction(self.engine) as conn:
            closed = report_query.insert_snapshot(conn, month, payload, entry.staff, self.clock())
            if closed:
                access_log.append(conn, entry, self.clock())
            return closed

    def reopen_month(self, month: str, entry: AccessEntry) -> bool:
        """Drop a month's frozen report and log it; False when it was not closed."""
        with write_transaction(self.engine) as conn:
            reopened = report_query.delete_snapshot(conn, month)
            if reopened:
                access_log.append(conn, entry, self.clock())
            return reopened
