"""The sync side of the store (owner: sync, the scheduler and the CLI): accounts,
record batches with their cursors, runs, health, locks and service leases, and the
status lines of `aggregator status`.

Every write runs in a short write transaction (`BEGIN IMMEDIATE` on SQLite). A
batch of records and the cursor updates that cover it are written in the same
transaction, so a crash after any page loses nothing and duplicates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from aggregator.connector import RunStatus, Usage
from aggregator.db import read_connection, write_transaction
from aggregator.records import Batch, JSONValue
from aggregator.store import locks, platform_actions, runs
from aggregator.store.base import Repository
from aggregator.store.daily_units import AccountUnits
from aggregator.store.locks import Holder
from aggregator.store.presence import apply_presence
from aggregator.store.privacy import filter_tombstoned
from aggregator.store.tables import ACCOUNT, COMMENT, CURSOR, HEALTH, LOCK, POST, RUN, SERVICE
from aggregator.store.upsert import upsert_comments, upsert_posts
from aggregator.store.upsert_changes import Counts
from aggregator.timeutil import month_start

__all__ = ["AccountStatus", "BatchResult", "Counts", "Holder", "SyncRepository"]


@dataclass
class BatchResult:
    """What storing one batch did."""

    posts: Counts = field(default_factory=Counts)
    comments: Counts = field(default_factory=Counts)
    marked_deleted: int = 0


@dataclass(frozen=True)
class AccountStatus:
    """One line of `aggregator status`."""

    name: str
    platform: str
    posts: int
    comments: int
    last_run_status: str | None
    last_run_started_at: datetime | None
    last_run_finished_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    cursors: dict[str, JSONValue]
    month_usage: Usage = field(default_factory=Usage)
    consecutive_failures: int = 0


class SyncRepository(Repository):
    """Reads and writes accounts, records, cursors, runs, health, locks and leases."""

    # accounts -------------------------------------------------------------
    def ensure_account(self, name: str, platform: str, display_name: str | None = None) -> int:
        """Return the id of the account called `name`, creating it if needed."""
        with write_transaction(self.engine) as conn:
            found = conn.execute(
                sa.select(ACCOUNT.c.id, ACCOUNT.c.platform).where(ACCOUNT.c.name == name)
            ).first()
            if found is not None:
                if found.platform != platform:
                    raise ValueError(
                        f"account {name!r} is stored as {found.platform}, config says {platform}"
                    )
                return int(found.id)
            new_id = conn.execute(
                sa.insert(ACCOUNT)
                .returning(ACCOUNT.c.id)
                .values(
                    name=name, platform=platform, display_name=display_name, created_at=self.clock()
                )
            )
            return int(new_id.scalar_one())

    # cursors and batches ------------------------------------------------------
    def cursors(self, account_id: int) -> dict[str, JSONValue]:
        """The stored cursor of every stream of an account."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(
                sa.select(CURSOR.c.stream, CURSOR.c.value).where(CURSOR.c.account_id == account_id)
            )
            return {row.stream: row.value for row in rows}

    def apply_batch(self, account_id: int, batch: Batch) -> BatchResult:
        """Store a batch's records and its cursor updates in one transaction."""
        now = self.clock()
        result = BatchResult()
        with write_transaction(self.engine) as conn:
            if batch.posts:
                result.posts = upsert_posts(conn, account_id, batch.posts, now)
            comments = filter_tombstoned(conn, batch.comments, self.privacy_key)
            if comments:
                result.comments = upsert_comments(conn, account_id, comments, now, self.router)
            platform = _account_platform(conn, account_id) if batch.presence else ""
            for presence in batch.presence:
                result.marked_deleted += apply_presence(conn, account_id, platform, presence, now)
            self._write_cursors(conn, account_id, batch.cursor_updates, now)
        return result

    def _write_cursors(
        self, conn: Connection, account_id: int, updates: Mapping[str, JSONValue], now: datetime
    ) -> None:
        for stream, value in updates.items():
            where = (CURSOR.c.account_id == account_id) & (CURSOR.c.stream == stream)
            updated = conn.execute(
                sa.update(CURSOR).where(where).values(value=value, updated_at=now)
            )
            if updated.rowcount == 0:
                conn.execute(
                    sa.insert(CURSOR).values(
                        account_id=account_id, stream=stream, value=value, updated_at=now
                    )
                )

    def daily_units(self, account_id: int) -> AccountUnits:
        """The account's daily unit counts, reserved atomically (`daily_units`)."""
        return AccountUnits(self.engine, account_id, self.clock)

    def reset_cursors(self, account_id: int, streams: Iterable[str] | None = None) -> int:
        """Forget an account's cursors (all, or the named streams); return how many."""
        where = CURSOR.c.account_id == account_id
        if streams is not None:
            where &= CURSOR.c.stream.in_(list(streams))
        with write_transaction(self.engine) as conn:
            return int(conn.execute(sa.delete(CURSOR).where(where)).rowcount)

    # runs ---------------------------------------------------------------------
    def start_run(self, account_id: int, trigger: str) -> int:
        """Record that a run started; return its id."""
        with write_transaction(self.engine) as conn:
            new_id = conn.execute(
                sa.insert(RUN)
                .returning(RUN.c.id)
                .values(
                    account_id=account_id,
                    trigger=trigger,
                    started_at=self.clock(),
                    status=RunStatus.RUNNING,
                    warnings=[],
                )
            )
            return int(new_id.scalar_one())

    def finish_run(self, run_id: int, values: Mapping[str, Any]) -> None:
        """Record how a run ended (status, counts, calls, warnings, error)."""
        with write_transaction(self.engine) as conn:
            conn.execute(
                sa.update(RUN).where(RUN.c.id == run_id).values(finished_at=self.clock(), **values)
            )

    def run(self, run_id: int) -> dict[str, Any]:
        """One run record as a mapping."""
        with read_connection(self.engine) as conn:
            return dict(conn.execute(sa.select(RUN).where(RUN.c.id == run_id)).one()._mapping)

    def month_usage(self, account_id: int, timezone: str) -> Usage:
        """Units read and cost of an account's runs, plus what its platform writes cost (X
        replies and hiding), since the month began (in `timezone`)."""
        with read_connection(self.engine) as conn:
            return _usage_since(conn, account_id, month_start(self.clock(), timezone))

    # health -------------------------------------------------------------------
    def health_states(self) -> dict[str, str]:
        """The last recorded health state per account name."""
        query = sa.select(ACCOUNT.c.name, HEALTH.c.state).join(
            HEALTH, HEALTH.c.account_id == ACCOUNT.c.id
        )
        with read_connection(self.engine) as conn:
            states: dict[str, str] = dict(conn.execute(query).all())
            return states

    def record_health(self, account_name: str, state: str, alerted: bool) -> None:
        """Remember an account's new health state (and whether an alert went out)."""
        now = self.clock()
        with write_transaction(self.engine) as conn:
            account_id = conn.execute(
                sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name == account_name)
            ).scalar_one()
            values = {"state": state, "since": now, "alerted_at": now if alerted else None}
            updated = conn.execute(
                sa.update(HEALTH).where(HEALTH.c.account_id == account_id).values(**values)
            )
            if updated.rowcount == 0:
                conn.execute(sa.insert(HEALTH).values(account_id=account_id, **values))

    # locks --------------------------------------------------------------------
    def acquire_lock(
        self, account_id: int, holder: locks.Holder, ttl: timedelta
    ) -> locks.Holder | None:
        """Take the account's sync lease; None on success, else who holds it.

        Taking it closes the account's runs left `running` by a dead holder as `abandoned`.
        """
        now, key = self.clock(), {"account_id": account_id}
        try:
            with write_transaction(self.engine) as conn:
                current = locks.try_acquire(conn, LOCK, key, holder, now, ttl)
                if current is None:
                    runs.close_abandoned(conn, now, [account_id])
                return current
        except IntegrityError:  # another process inserted the lease row first
            return locks.Holder("unknown", -1, "")

    def close_abandoned_runs(self) -> int:
        """Close as `abandoned` every run left `running` by a dead process; return how many."""
        now = self.clock()
        with write_transaction(self.engine) as conn:
            return runs.close_abandoned(conn, now, runs.accounts_with_dead_runs(conn, now))

    def release_lock(self, account_id: int, holder: locks.Holder) -> None:
        """Give the account's sync lease back."""
        with write_transaction(self.engine) as conn:
            locks.release(conn, LOCK, {"account_id": account_id}, holder)

    def acquire_service_lease(
        self, name: str, holder: locks.Holder, ttl: timedelta
    ) -> locks.Holder | None:
        """Take the lease of a service (the scheduler); None on success, else its holder."""
        return self._acquire(SERVICE, {"name": name}, holder, ttl)

    def renew_service_lease(self, name: str, holder: locks.Holder, ttl: timedelta) -> bool:
        """Extend our service lease; False when another process has taken it over."""
        with write_transaction(self.engine) as conn:
            return locks.renew(conn, SERVICE, {"name": name}, holder, self.clock(), ttl)

    def release_service_lease(self, name: str, holder: locks.Holder) -> None:
        """Give a service lease back."""
        with write_transaction(self.engine) as conn:
            locks.release(conn, SERVICE, {"name": name}, holder)

    def _acquire(
        self, table: sa.Table, key: Mapping[str, Any], holder: locks.Holder, ttl: timedelta
    ) -> locks.Holder | None:
        try:
            with write_transaction(self.engine) as conn:
                return locks.try_acquire(conn, table, key, holder, self.clock(), ttl)
        except IntegrityError:  # another process inserted the lease row first
            return locks.Holder("unknown", -1, "")

    # reading ------------------------------------------------------------------
    def account_statuses(
        self, timezone: str = "Asia/Seoul", counts: bool = True
    ) -> list[AccountStatus]:
        """Per account: item counts (0 without `counts`: they scan an account's rows), last
        run, last success, cursors, month-to-date usage."""
        with read_connection(self.engine) as conn:
            accounts = conn.execute(sa.select(ACCOUNT).order_by(ACCOUNT.c.name)).all()
            since = month_start(self.clock(), timezone)
            return [self._status(conn, account, since, counts) for account in accounts]

    def _status(
        self, conn: Connection, account: Any, month_began: datetime, counts: bool = True
    ) -> AccountStatus:
        def count(table: sa.Table) -> int:
            if not counts:
                return 0
            query = sa.select(sa.func.count()).where(table.c.account_id == account.id)
            return int(conn.execute(query).scalar_one())

        runs = sa.select(RUN).where(RUN.c.account_id == account.id)
        last = conn.execute(runs.order_by(RUN.c.started_at.desc(), RUN.c.id.desc())).first()
        success = conn.execute(
            sa.select(sa.func.max(RUN.c.finished_at)).where(
                RUN.c.account_id == account.id, RUN.c.status.in_(RunStatus.SUCCESSFUL)
            )
        ).scalar_one()
        cursors = conn.execute(
            sa.select(CURSOR.c.stream, CURSOR.c.value).where(CURSOR.c.account_id == account.id)
        )
        return AccountStatus(
            name=account.name,
            platform=account.platform,
            posts=count(POST),
            comments=count(COMMENT),
            last_run_status=last.status if last else None,
            last_run_started_at=last.started_at if last else None,
            last_run_finished_at=last.finished_at if last else None,
            last_success_at=_as_utc(success),
            last_error=last.error if last else None,
            cursors={row.stream: row.value for row in cursors},
            month_usage=_usage_since(conn, account.id, month_began),
            consecutive_failures=_failures_since_success(conn, account.id),
        )

    def count_rows(self, table: str) -> int:
        """Number of rows in a table (posts, comments, ... : for tests and summaries)."""
        tables = {"post": POST, "comment": COMMENT, "sync_run": RUN, "sync_cursor": CURSOR}
        with read_connection(self.engine) as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(tables[table])).scalar_one()
            )


def _failures_since_success(conn: Connection, account_id: int) -> int:
    """Finished runs that did not succeed since the last one that did."""
    runs = RUN.c.account_id == account_id
    last_ok = sa.select(sa.func.max(RUN.c.started_at)).where(
        runs, RUN.c.status.in_(RunStatus.SUCCESSFUL)
    )
    query = sa.select(sa.func.count()).where(
        runs,
        RUN.c.status.not_in([*RunStatus.SUCCESSFUL, RunStatus.RUNNING]),
        sa.or_(last_ok.scalar_subquery().is_(None), RUN.c.started_at > last_ok.scalar_subquery()),
    )
    return int(conn.execute(query).scalar_one())


def _usage_since(conn: Connection, account_id: int, since: datetime) -> Usage:
    query = sa.select(
        sa.func.coalesce(sa.func.sum(RUN.c.units_read), 0),
        sa.func.coalesce(sa.func.sum(RUN.c.estimated_cost), 0.0),
    ).where(RUN.c.account_id == account_id, RUN.c.started_at >= since)
    units, cost = conn.execute(query).one()
    written = platform_actions.charged_since(conn, account_id, since)
    return Usage(units_read=int(units), cost=float(cost) + written)


def _account_platform(conn: Connection, account_id: int) -> str:
    query = sa.select(ACCOUNT.c.platform).where(ACCOUNT.c.id == account_id)
    return str(conn.execute(query).scalar_one())


def _as_utc(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type on SQLite: make their datetimes aware UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
