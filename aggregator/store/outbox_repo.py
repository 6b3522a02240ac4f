"""The outboxes (owner: `aggregator.notify`, the answers worker and their pages): staff
notifications waiting, sent or failed, department addresses and staff preferences, and
what staff asked the platforms to do with a comment (hide, unhide).

A single step is one method here. The notifier's atomic units (reading the review
history past its cursor, queuing its messages and moving the cursor; queuing a day's
digests with the day's record) run as `notification_step(step)`, one write transaction
in which `step` gets a `NotifyUnit` (the typed operations on that transaction); the
digest's figures are read in one read transaction, `notification_read(step)`. The
answers outbox is `store.answers` (`answers_repo`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from aggregator.store import dashboard, notifications, platform_actions
from aggregator.store.base import Repository
from aggregator.store.inbox_query import DueWindow, Scope

__all__ = ["DueWindow", "NotifyUnit", "OutboxRepository", "Scope"]

T = TypeVar("T")


class NotifyUnit:
    """The operations of one `notification_step` (or `notification_read`), all inside
    its transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # cursors and the review history --------------------------------------------------
    def cursor(self, name: str) -> int:
        """The last id (or day) a notifier cursor has covered; 0 before its first run."""
        return notifications.cursor(self._conn, name)

    def set_cursor(self, name: str, last_id: int, now: datetime) -> None:
        """Move a notifier cursor."""
        notifications.set_cursor(self._conn, name, last_id, now)

    def events_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Review events after `after_id`, by id."""
        return notifications.events_after(self._conn, after_id, limit)

    def comment_facts(self, comment_id: int) -> dict[str, Any] | None:
        """What a message says about a comment, or None."""
        return notifications.comment_facts(self._conn, comment_id)

    def failed_answers(self) -> list[dict[str, Any]]:
        """Approved answers that failed or need a check."""
        return notifications.failed_answers(self._conn)

    # who hears and what is queued -----------------------------------------------------
    def contacts(self) -> dict[str, dict[str, Any]]:
        """Every department's (and the office's) addresses, by department."""
        return notifications.contacts(self._conn)

    def subscribers(self) -> list[dict[str, Any]]:
        """The staff's saved notification choices."""
        return notifications.subscribers(self._conn)

    def enqueue(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Queue outbox rows (a key already queued is skipped); return how many were new."""
        return notifications.enqueue(self._conn, rows)

    # the daily digest's figures -------------------------------------------------------
    def open_counts(
        self, windows: Mapping[str, DueWindow], scope: Scope
    ) -> dict[str, Counter[str]]:
        """Per window name: open items due in it, per department (within the scope)."""
        return dashboard.open_counts(self._conn, windows, scope)

    def open_ids(
        self, department: str | None, due: DueWindow, limit: int, oldest_first: bool
    ) -> list[int]:
        """The ids of `limit` open items (of `department`, or all) due in `due`."""
        return notifications.open_ids(self._conn, department, due, limit, oldest_first)

    def new_comments(self, since: datetime, until: datetime, limit: int) -> tuple[int, list[int]]:
        """Residents' comments that arrived in [since, until): how many, the first ids."""
        return notifications.new_comments(self._conn, since, until, limit)

    def routed_since(self, since: datetime, until: datetime) -> list[tuple[int, str]]:
        """(comment id, department) of items routed in [since, until), still there."""
        return notifications.routed_since(self._conn, since, until)


class OutboxRepository(Repository):
    """Notification outbox steps, addresses, preferences and platform actions."""

    # the notifier's units ---------------------------------------------------------------
    def notification_step(self, step: Callable[[NotifyUnit], T]) -> T:
        """Run `step` in one write transaction (committed when it returns, rolled back
        when it raises); return what it returned."""
        with self.db.write() as conn:
            return step(NotifyUnit(conn))

    def notification_read(self, step: Callable[[NotifyUnit], T]) -> T:
        """Run `step` in one read transaction (a consistent view); return what it returned."""
        with self.db.read() as conn:
            return step(NotifyUnit(conn))

    def notification_cursor(self, name: str) -> int:
        """The last id (or day) a notifier cursor has covered; 0 before its first run."""
        with self.db.read() as conn:
            return notifications.cursor(conn, name)

    # notifications -------------------------------------------------------------------
    def notification_counts(self) -> dict[str, int]:
        """Notifications per state (pending, sent, failed)."""
        with self.db.read() as conn:
            return notifications.state_counts(conn)

    def notification_failures(self, limit: int) -> list[dict[str, Any]]:
        """Failed notifications, newest first (without their body)."""
        with self.db.read() as conn:
            return notifications.failures(conn, limit)

    def retry_notification(self, notification_id: int) -> bool:
        """Send a failed notification again (fresh attempts); False when it is not failed."""
        with self.db.write() as conn:
            return notifications.retry(conn, notification_id, self.clock())

    def due_notifications(self, limit: int) -> list[dict[str, Any]]:
        """Pending notifications whose next attempt is due, oldest first."""
        with self.db.write() as conn:
            return notifications.due(conn, self.clock(), limit)

    def notification_sent(self, notification_id: int, attempts: int) -> None:
        """A notification went out: keep the record, drop the body."""
        with self.db.write() as conn:
            notifications.mark_sent(conn, notification_id, attempts, self.clock())

    def notification_failed(
        self, notification_id: int, attempts: int, error: str, retry_at: datetime | None
    ) -> None:
        """An attempt failed: retry at `retry_at`, or give up (failed) when it is None."""
        with self.db.write() as conn:
            notifications.mark_failed_attempt(conn, notification_id, attempts, error, retry_at)

    # addresses and preferences --------------------------------------------------------
    def contacts(self) -> dict[str, dict[str, Any]]:
        """Every department's (and the office's) addresses, by department."""
        with self.db.read() as conn:
            return notifications.contacts(conn)

    def save_contact(
        self, department: str, emails: list[str], webhook_url: str | None, by: str
    ) -> None:
        """Set a department's addresses; none at all removes its row."""
        with self.db.write() as conn:
            notifications.save_contact(conn, department, emails, webhook_url, by, self.clock())

    def preference(self, user_id: int) -> dict[str, Any] | None:
        """One staff member's notification choices, or None when never saved."""
        with self.db.read() as conn:
            return notifications.preference(conn, user_id)

    def save_preference(
        self, user_id: int, email: str | None, kinds: Iterable[str], digest: bool
    ) -> None:
        """Store one staff member's notification choices."""
        with self.db.write() as conn:
            notifications.save_preference(conn, user_id, email, kinds, digest, self.clock())

    # platform actions -----------------------------------------------------------------
    def latest_platform_action(self, comment_id: int) -> dict[str, Any] | None:
        """The newest hide/unhide request of a comment, or None."""
        with self.db.read() as conn:
            return platform_actions.latest(conn, comment_id)
