"""What every repository shares: the `Database` (engine, transactions, dialect, clock,
and what new comments pass through) and the `Repository` base that holds it.

Each repository (`sync_repo`, `inbox_repo`, `staff_repo`, `reports_repo`,
`privacy_repo`, `outbox_repo`, `answers_repo`) is a thin class over this one database:
its methods open a short transaction and call the SQL modules beside it. `Store` holds
one of each.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from sqlalchemy.engine import Connection, Engine

from aggregator.db import read_connection, write_transaction
from aggregator.routing import Router

__all__ = ["Database", "Repository", "utc_now"]


def utc_now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


class Database:
    """One database: its engine, where "now" comes from, the routing rules applied to new
    comments and the pseudonym key tombstones are HMACs under (shared, and settable, by
    every repository of a `Store`)."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        router: Router | None = None,
        privacy_key: str | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.router = router
        """Routing rules applied to new comments (suggestions); None: no rules."""
        self.privacy_key = privacy_key
        """The pseudonym key: tombstones are HMACs under it (SHA-256 when None)."""

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return str(self.engine.dialect.name)

    def read(self) -> AbstractContextManager[Connection]:
        """A read connection (a deferred transaction; never waits for the writer)."""
        return read_connection(self.engine)

    def write(self) -> AbstractContextManager[Connection]:
        """A short write transaction (`BEGIN IMMEDIATE` on SQLite)."""
        return write_transaction(self.engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


class Repository:
    """Base of the repositories: holds the `Database` and reads its settings live (a test
    or the web app may set `store.router` or `store.privacy_key` after opening)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def engine(self) -> Engine:
        """The database's engine."""
        return self.db.engine

    @property
    def clock(self) -> Callable[[], datetime]:
        """Where "now" comes from."""
        return self.db.clock

    @property
    def router(self) -> Router | None:
        """Routing rules applied to new comments; None: no rules."""
        return self.db.router

    @property
    def privacy_key(self) -> str | None:
        """The pseudonym key tombstones are HMACs under."""
        return self.db.privacy_key
