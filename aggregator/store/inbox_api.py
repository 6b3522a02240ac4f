"""The `Store` methods of the review inbox: pages, threads, review actions, staff
accounts, sessions and the access log (mixed into `Store`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from aggregator.db import read_connection, write_transaction
from aggregator.store import access_log, inbox, inbox_query, reviews, search, staff
from aggregator.store.access_log import AccessEntry, LogFilter
from aggregator.store.inbox_query import Cursor, Deadlines, InboxFilter, Scope
from aggregator.store.reviews import BulkResult, ReviewAction, ReviewContext
from aggregator.users import StaffUser
from aggregator.workflow import Actor, Role


class InboxStoreMixin:
    """Review inbox reads and writes; needs `engine` and `clock` from `Store`."""

    engine: Engine
    clock: Callable[[], datetime]

    # inbox -------------------------------------------------------------------
    def inbox_page(
        self,
        f: InboxFilter,
        scope: Scope,
        deadlines: Deadlines,
        cursor: Cursor | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], Cursor | None]:
        """One page of the inbox, newest first, and the cursor of the next page (or None)."""
        with read_connection(self.engine) as conn:
            keys = inbox_query.page_ids(conn, f, scope, deadlines, cursor, limit)
            rows = inbox.rows_for(conn, [key for key, _at in keys[:limit]])
        following = keys[limit - 1] if len(keys) > limit else None
        return rows, (following[1], following[0]) if following else None

    def inbox_totals(
        self, f: InboxFilter, scope: Scope, deadlines: Deadlines, cap: int
    ) -> tuple[tuple[int, bool], tuple[int, bool]]:
        """(count, exact) of all and of overdue comments of the filter, each counted up
        to `cap + 1` (see `inbox_query.count_up_to`)."""
        with read_connection(self.engine) as conn:
            total = inbox_query.count_up_to(conn, f, scope, deadlines, cap)
            late = replace(f, overdue=True)
            overdue = inbox_query.count_up_to(conn, late, scope, deadlines, cap)
        return total, overdue

    def next_in_list(
        self, f: InboxFilter, scope: Scope, deadlines: Deadlines, after: Cursor
    ) -> int | None:
        """The id of the item that follows `after` in the filtered list, or None."""
        with read_connection(self.engine) as conn:
            keys = inbox_query.page_ids(conn, f, scope, deadlines, after, 1)
        return keys[0][0] if keys else None

    def status_counts(self, scope: Scope) -> dict[str, int]:
        """Comments per status in the viewer's scope."""
        with read_connection(self.engine) as conn:
            return inbox.status_counts(conn, scope)

    def thread(self, comment_id: int) -> dict[str, Any] | None:
        """A comment with its post, parents, siblings, replies, revisions and review."""
        with read_connection(self.engine) as conn:
            return inbox.thread(conn, comment_id)

    def review(
        self, actor: Actor, ids: list[int], action: ReviewAction, ctx: ReviewContext
    ) -> BulkResult:
        """Apply a review action to one or many comments in one transaction."""
        with write_transaction(self.engine) as conn:
            return reviews.apply_many(conn, actor, ids, action, ctx)

    def rebuild_search_index(self) -> int:
        """Re-index every comment's text (after an upgrade of the bigram rules)."""
        with write_transaction(self.engine) as conn:
            return search.rebuild(conn)

    # staff accounts and sessions ------------------------------------------------
    def create_user(self, name: str, role: Role, department: str | None, pw_hash: str) -> int:
        """Create a staff account; `UserError` when the name is taken."""
        with write_transaction(self.engine) as conn:
            return staff.create_user(conn, name, role, department, pw_hash, self.clock())

    def users(self) -> list[StaffUser]:
        """Every staff account."""
        with read_connection(self.engine) as conn:
            return staff.list_users(conn)

    def user_with_hash(self, name: str) -> tuple[StaffUser, str] | None:
        """An account and its password hash."""
        with read_connection(self.engine) as conn:
            return staff.user_with_hash(conn, name)

    def set_user_disabled(self, name: str, disabled: bool) -> bool:
        """Disable or enable an account (disabling ends its sessions)."""
        with write_transaction(self.engine) as conn:
            return staff.set_disabled(conn, name, disabled)

    def set_user_password(self, name: str, pw_hash: str) -> bool:
        """Replace an account's password hash (ends its sessions, lifts a lockout)."""
        with write_transaction(self.engine) as conn:
            return staff.set_password(conn, name, pw_hash, self.clock())

    def login_failed(self, user_id: int, max_failed: int, lockout: timedelta) -> bool:
        """Count a failed login; True when the account got locked."""
        with write_transaction(self.engine) as conn:
            return staff.login_failed(conn, user_id, self.clock(), max_failed, lockout)

    def login_succeeded(self, user_id: int, new_hash: str | None = None) -> None:
        """Reset failures; store a re-hashed password if given."""
        with write_transaction(self.engine) as conn:
            staff.login_succeeded(conn, user_id, new_hash, self.clock())

    def create_session(
        self, user_id: int, token_hash: str, csrf: str, lifetime: timedelta, client_ip: str | None
    ) -> None:
        """Start a browser session."""
        with write_transaction(self.engine) as conn:
            staff.create_session(conn, user_id, token_hash, csrf, self.clock(), lifetime, client_ip)

    def session_user(self, token_hash: str, idle: timedelta) -> tuple[StaffUser, str] | None:
        """The account and CSRF token of a live session (reads; writes only to refresh
        the last-seen time once a minute)."""
        now = self.clock()
        with read_connection(self.engine) as conn:
            found = staff.session_user(conn, token_hash, now, idle)
        if found is None:
            return None
        user, csrf, stale = found
        if stale:
            with write_transaction(self.engine) as conn:
                staff.touch_session(conn, token_hash, now)
        return user, csrf

    def end_session(self, token_hash: str) -> None:
        """Log a session out."""
        with write_transaction(self.engine) as conn:
            staff.end_session(conn, token_hash)

    # access log -------------------------------------------------------------------
    def log_access(self, entry: AccessEntry) -> None:
        """Append one record to the PIPA access log."""
        with write_transaction(self.engine) as conn:
            access_log.append(conn, entry, self.clock())

    def log_refusal(self, entry: AccessEntry) -> bool:
        """Record a refused attempt, unless the same one was recorded within a minute."""
        with write_transaction(self.engine) as conn:
            return access_log.append_unless_repeated(conn, entry, self.clock())

    def access_log(self, f: LogFilter, limit: int = 100) -> list[dict[str, Any]]:
        """Access records, newest first."""
        with read_connection(self.engine) as conn:
            return access_log.search(conn, f, limit)

    def verify_access_log(self) -> int | None:
        """The id of the first record that breaks the hash chain, or None."""
        with read_connection(self.engine) as conn:
            return access_log.verify(conn)
