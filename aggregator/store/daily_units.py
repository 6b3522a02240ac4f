"""Daily units shared by an account's sync and its answers worker (YouTube's quota),
counted in cursor rows `{"day": "YYYY-MM-DD", "units": n, ...}`, one stream per side.

`reserve` is one short write transaction: it locks the account (`SELECT ... FOR NO KEY
UPDATE` of its `account` row on PostgreSQL, a row that always exists, so two first
reservations cannot both miss each other's not-yet-inserted cursor; SQLite's `BEGIN
IMMEDIATE` serialises writers), reads every shared stream's count for the day, refuses
when they plus the units asked for pass the limit, and otherwise adds the units to its
own stream before committing. So a sync and the worker racing for the last units can
never both be granted: the units are counted before the call, not after. `release`
gives back units reserved but not spent (a worst case that did not happen, a call never
sent). Counts of another day are replaced; other keys of a cursor are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from aggregator.connector import Reservation
from aggregator.db import write_transaction
from aggregator.records import JSONValue
from aggregator.store.tables import ACCOUNT, CURSOR

__all__ = ["AccountUnits", "release_units", "reserve_units"]


def reserve_units(
    conn: Connection,
    account_id: int,
    stream: str,
    day: str,
    units: int,
    limit: int,
    shared: Sequence[str],
    now: datetime,
) -> Reservation:
    """Add `units` to `stream`'s count of `day` if every `shared` stream's count of `day`
    plus `units` stays within `limit` (call inside a write transaction)."""
    lock = sa.select(ACCOUNT.c.id).where(ACCOUNT.c.id == account_id)
    if conn.dialect.name == "postgresql":
        lock = lock.with_for_update(key_share=True)  # FOR NO KEY UPDATE: FKs still insert
    conn.execute(lock).first()
    streams = sorted({stream, *shared})
    rows = conn.execute(
        sa.select(CURSOR.c.stream, CURSOR.c.value).where(
            CURSOR.c.account_id == account_id, CURSOR.c.stream.in_(streams)
        )
    )
    values = {row.stream: row.value for row in rows}
    used = sum(_units(values.get(name), day) for name in streams)
    if used + units > limit:
        return Reservation(False, used)
    own = values.get(stream)
    _store(conn, account_id, stream, own, day, _units(own, day) + units, now)
    return Reservation(True, used + units)


def release_units(
    conn: Connection, account_id: int, stream: str, day: str, units: int, now: datetime
) -> None:
    """Take `units` back off `stream`'s count of `day` (never below 0; another day: no-op)."""
    where = (CURSOR.c.account_id == account_id) & (CURSOR.c.stream == stream)
    query = sa.select(CURSOR.c.value).where(where)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    own = conn.execute(query).scalar_one_or_none()
    if units <= 0 or not isinstance(own, Mapping) or own.get("day") != day:
        return
    _store(conn, account_id, stream, own, day, max(0, _units(own, day) - units), now)


class AccountUnits:
    """One account's daily units in a database (`aggregator.connector.DailyUnits`)."""

    def __init__(self, engine: Engine, account_id: int, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.account_id = account_id
        self.clock = clock

    def reserve(
        self, stream: str, day: str, units: int, limit: int, shared: Sequence[str]
    ) -> Reservation:
        """See `reserve_units`."""
        with write_transaction(self.engine) as conn:
            now = self.clock()
            return reserve_units(conn, self.account_id, stream, day, units, limit, shared, now)

    def release(self, stream: str, day: str, units: int) -> None:
        """See `release_units`."""
        if units <= 0:
            return
        with write_transaction(self.engine) as conn:
            release_units(conn, self.account_id, stream, day, units, self.clock())


def _units(value: JSONValue, day: str) -> int:
    if not isinstance(value, Mapping) or value.get("day") != day:
        return 0
    units = value.get("units")
    return units if isinstance(units, int) and not isinstance(units, bool) and units > 0 else 0


def _store(
    conn: Connection,
    account_id: int,
    stream: str,
    old: JSONValue,
    day: str,
    units: int,
    now: datetime,
) -> None:
    kept = dict(old) if isinstance(old, Mapping) else {}
    value: dict[str, JSONValue] = {**kept, "day": day, "units": units}
    where = (CURSOR.c.account_id == account_id) & (CURSOR.c.stream == stream)
    if old is None:
        conn.execute(
            sa.insert(CURSOR).values(
                account_id=account_id, stream=stream, value=value, updated_at=now
            )
        )
    else:
        conn.execute(sa.update(CURSOR).where(where).values(value=value, updated_at=now))
