"""The outboxes (owner: `aggregator.notify`, the answers worker and their pages): staff
notifications waiting, sent or failed, department addresses and staff preferences, and
what staff asked the platforms to do with a comment (hide, unhide).

The answers outbox and the notification queue's multi-step transactions (reading the
review history and queuing its messages at once) call `aggregator.store.answers` and
`aggregator.store.notifications` inside their own transaction; the single steps are here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aggregator.store import notifications, platform_actions
from aggregator.store.base import Repository

__all__ = ["OutboxRepository"]


class OutboxRepository(Repository):
    """Notification outbox steps, addresses, preferences and platform actions."""

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
