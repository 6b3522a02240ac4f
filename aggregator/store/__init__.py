"""The store: the one package that reads and writes the database.

`Store` is a small facade over one `Database` and its repositories, each owned by one
part of the application and exporting its own types:

- `store.sync` (`sync_repo`): accounts, record batches and cursors, runs, health, locks.
- `store.inbox` (`inbox_repo`): the review inbox, threads, review actions, hand entry.
- `store.staff` (`staff_repo`): staff accounts, sessions, the access log.
- `store.reports` (`reports_repo`): monthly report rows, closed months, topic nouns.
- `store.privacy` (`privacy_repo`): retention purge, forgetting one person.
- `store.outbox` (`outbox_repo`): notifications, addresses, platform actions.
- `store.answers` (`answers_repo`): answers and their outbox states, templates, hide
  and unhide requests, what the writers' calls cost.

Processes open it with `aggregator.store.opening.open_store(settings)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy.engine import Engine

from aggregator.routing import Router
from aggregator.store.answers_repo import AnswersRepository
from aggregator.store.base import Database, Repository, utc_now
from aggregator.store.inbox_repo import InboxRepository
from aggregator.store.outbox_repo import OutboxRepository
from aggregator.store.privacy_repo import PrivacyRepository
from aggregator.store.reports_repo import ReportsRepository
from aggregator.store.staff_repo import StaffRepository
from aggregator.store.sync_repo import AccountStatus, BatchResult, Counts, SyncRepository

__all__ = [
    "REPOSITORIES",
    "AccountStatus",
    "BatchResult",
    "Counts",
    "Database",
    "Store",
    "moved_methods",
    "utc_now",
]

REPOSITORIES: dict[str, type[Repository]] = {
    "sync": SyncRepository,
    "inbox": InboxRepository,
    "staff": StaffRepository,
    "reports": ReportsRepository,
    "privacy": PrivacyRepository,
    "outbox": OutboxRepository,
    "answers": AnswersRepository,
}
"""`Store` attribute -> repository class."""


def moved_methods() -> dict[str, str]:
    """Public repository method -> the `Store` attribute of its repository."""
    return {
        name: attribute
        for attribute, repository in REPOSITORIES.items()
        for name, member in vars(repository).items()
        if callable(member) and not name.startswith("_")
    }


_MOVED = moved_methods()


class Store:
    """One database and its repositories (`store.sync`, `store.inbox`, ...)."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        router: Router | None = None,
        privacy_key: str | None = None,
    ) -> None:
        self.db = Database(engine, clock, router, privacy_key)
        self.sync = SyncRepository(self.db)
        self.inbox = InboxRepository(self.db)
        self.staff = StaffRepository(self.db)
        self.reports = ReportsRepository(self.db)
        self.privacy = PrivacyRepository(self.db)
        self.outbox = OutboxRepository(self.db)
        self.answers = AnswersRepository(self.db)

    @property
    def engine(self) -> Engine:
        """The database's engine (for SQL modules called in one's own transaction)."""
        return self.db.engine

    @property
    def clock(self) -> Callable[[], datetime]:
        """Where "now" comes from."""
        return self.db.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self.db.clock = clock

    @property
    def router(self) -> Router | None:
        """Routing rules applied to new comments (suggestions); None: no rules."""
        return self.db.router

    @router.setter
    def router(self, router: Router | None) -> None:
        self.db.router = router

    @property
    def privacy_key(self) -> str | None:
        """The pseudonym key: tombstones are HMACs under it (SHA-256 when None)."""
        return self.db.privacy_key

    @privacy_key.setter
    def privacy_key(self, key: str | None) -> None:
        self.db.privacy_key = key

    def close(self) -> None:
        """Close every pooled connection."""
        self.db.close()

    if not TYPE_CHECKING:  # mypy reports old names; at run time they say where to go

        def __getattr__(self, name: str) -> NoReturn:
            repository = _MOVED.get(name)
            if repository is None:
                raise AttributeError(f"'Store' object has no attribute {name!r}")
            raise AttributeError(
                f"Store.{name} moved to a repository: call store.{repository}.{name}"
            )
