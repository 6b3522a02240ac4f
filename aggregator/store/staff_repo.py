"""Staff and access (owner: the web's login and admin pages, the `user` CLI): staff
accounts, logins, sessions and the PIPA access log. A change to an account and its
access-log record are written in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from aggregator.db import read_connection, write_transaction
from aggregator.store import access_log, staff
from aggregator.store.access_log import FAILED_ACTIONS, REPEAT_WINDOW, AccessEntry, LogFilter
from aggregator.store.base import Repository
from aggregator.users import StaffUser
from aggregator.workflow import Role

__all__ = [
    "FAILED_ACTIONS",
    "REPEAT_WINDOW",
    "AccessEntry",
    "LogFilter",
    "StaffRepository",
    "StaffUser",
]

T = TypeVar("T")


class StaffRepository(Repository):
    """Staff accounts, sessions and the access log."""

    # staff accounts and sessions ------------------------------------------------
    def create_user(
        self,
        name: str,
        role: Role,
        department: str | None,
        pw_hash: str,
        entry: AccessEntry | None = None,
    ) -> int:
        """Create a staff account (and log `entry` with it); `UserError` when the name
        is taken."""
        now = self.clock()
        return self._account_change(
            lambda conn: staff.create_user(conn, name, role, department, pw_hash, now), entry
        )

    def set_user_role(
        self, name: str, role: Role, department: str | None, entry: AccessEntry | None = None
    ) -> StaffUser | None:
        """Change an account's role and department; the account as it was, or None when
        there is none. `UserError` when no active admin would be left."""
        return self._account_change(
            lambda conn: staff.set_role(conn, name, role, department), entry
        )

    def unlock_user(self, name: str, entry: AccessEntry | None = None) -> bool:
        """Lift a lockout after failed logins; False when there is no such account."""
        return self._account_change(lambda conn: staff.unlock(conn, name), entry)

    def _account_change(self, change: Callable[[Connection], T], entry: AccessEntry | None) -> T:
        """Run `change` and, when it changed something, log `entry` in the same
        transaction: a refused change leaves no record, a logged one always happened."""
        with write_transaction(self.engine) as conn:
            result = change(conn)
            if entry is not None and result:
                access_log.append(conn, entry, self.clock())
            return result

    def users(self) -> list[StaffUser]:
        """Every staff account."""
        with read_connection(self.engine) as conn:
            return staff.list_users(conn)

    def user_with_hash(self, name: str) -> tuple[StaffUser, str] | None:
        """An account and its password hash."""
        with read_connection(self.engine) as conn:
            return staff.user_with_hash(conn, name)

    def set_user_disabled(
        self, name: str, disabled: bool, entry: AccessEntry | None = None
    ) -> bool:
        """Disable or enable an account (disabling ends its sessions); `UserError` when
        it would disable the last active admin."""
        return self._account_change(lambda conn: staff.set_disabled(conn, name, disabled), entry)

    def set_user_password(self, name: str, pw_hash: str, entry: AccessEntry | None = None) -> bool:
        """Replace an account's password hash (ends its sessions, lifts a lockout)."""
        now = self.clock()
        return self._account_change(
            lambda conn: staff.set_password(conn, name, pw_hash, now), entry
        )

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

    def count_access_log(self, f: LogFilter) -> int:
        """How many access records the filter matches."""
        with read_connection(self.engine) as conn:
            return access_log.count(conn, f)

    def verify_access_log(self) -> int | None:
        """The id of the first record that breaks the hash chain, or None."""
        with read_connection(self.engine) as conn:
            return access_log.verify(conn)
