"""The PIPA access log (접속기록): append-only, hash-chained.

Every record carries the SHA-256 of its own fields and the previous record's hash,
so an edit or deletion made outside the app breaks the chain (`verify`). Writers
are serialised for the chain: SQLite by `BEGIN IMMEDIATE`, PostgreSQL by a
transaction-level advisory lock. The database itself refuses UPDATE and early
DELETE (triggers from migration 0005).

Refused attempts (a role refused, an item outside the user's department, a request
without a session) are recorded too, but each only once per `REPEAT_WINDOW` for the
same user (or address), route and outcome (`append_unless_repeated`), so a script
cannot flood the log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.tables import LOG

GENESIS = "0" * 64
ADVISORY_LOCK = 72_420_001
MAX_FIELD = 500
REPEAT_WINDOW = timedelta(minutes=1)
"""A refused attempt repeated within this time is not recorded again."""
FAILED_ACTIONS = (
    "refused",
    "not_found",
    "unauthenticated",
    "login_failed",
    "login_locked",
    "login_throttled",
)
"""The outcomes of failed access attempts (the admin's "거부·실패만" filter)."""


@dataclass(frozen=True)
class AccessEntry:
    """One access: who, from where, what was done to what (and whose data)."""

    staff: str
    action: str
    role: str | None = None
    client_ip: str | None = None
    target: str | None = None
    subject: str | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class LogFilter:
    """What an admin filters the access log by."""

    staff: str | None = None
    action: str | None = None
    target: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    before_id: int | None = None
    failed_only: bool = False
    subject: str | None = None
    """Part of the data subject's name or handle (case-insensitive)."""


def _digest(prev: str, values: dict[str, Any]) -> str:
    fields = [
        prev,
        values["at"].isoformat(),
        *(
            str(values[k] or "")
            for k in ("staff", "role", "client_ip", "action", "target", "subject", "detail")
        ),
    ]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def append(conn: Connection, entry: AccessEntry, now: datetime) -> None:
    """Write one record, chained to the previous one."""
    _lock_chain(conn)
    _write(conn, _values(entry, now))


def append_unless_repeated(conn: Connection, entry: AccessEntry, now: datetime) -> bool:
    """Write the record unless one with the same staff, address, action and detail was
    written within `REPEAT_WINDOW`; return whether it was written."""
    _lock_chain(conn)
    values = _values(entry, now)
    repeated = sa.select(LOG.c.id).where(
        LOG.c.staff == values["staff"],
        LOG.c.at > values["at"] - REPEAT_WINDOW,
        LOG.c.action == values["action"],
        LOG.c.client_ip.is_not_distinct_from(values["client_ip"]),
        LOG.c.detail.is_not_distinct_from(values["detail"]),
    )
    if conn.execute(repeated.limit(1)).first() is not None:
        return False
    _write(conn, values)
    return True


def _lock_chain(conn: Connection) -> None:
    """Serialise writers of the chain (SQLite's `BEGIN IMMEDIATE` already does)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})


def _values(entry: AccessEntry, now: datetime) -> dict[str, Any]:
    detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else None
    return {
        "at": now.astimezone(UTC),
        "staff": entry.staff[:64],
        "role": entry.role,
        "client_ip": (entry.client_ip or "")[:64] or None,
        "action": entry.action[:40],
        "target": (entry.target or "")[:100] or None,
        "subject": (entry.subject or "")[:MAX_FIELD] or None,
        "detail": detail[:2000] if detail else None,
    }


def _write(conn: Connection, values: dict[str, Any]) -> None:
    prev = conn.execute(sa.select(LOG.c.row_hash).order_by(LOG.c.id.desc()).limit(1)).scalar()
    prev_hash = prev or GENESIS
    conn.execute(
        sa.insert(LOG).values(**values, prev_hash=prev_hash, row_hash=_digest(prev_hash, values))
    )


def search(conn: Connection, f: LogFilter, limit: int) -> list[dict[str, Any]]:
    """Records newest first, filtered, up to `limit` (page on with `before_id`)."""
    query = _filtered(sa.select(LOG).order_by(LOG.c.id.desc()).limit(limit), f)
    return [dict(row._mapping) for row in conn.execute(query)]


def count(conn: Connection, f: LogFilter) -> int:
    """How many records the filter matches."""
    return int(conn.execute(_filtered(sa.select(sa.func.count()).select_from(LOG), f)).scalar_one())


def _filtered(query: sa.Select[Any], f: LogFilter) -> sa.Select[Any]:
    if f.subject:
        query = query.where(LOG.c.subject.icontains(f.subject, autoescape=True))
    if f.staff:
        query = query.where(LOG.c.staff == f.staff)
    if f.action:
        query = query.where(LOG.c.action == f.action)
    if f.target:
        query = query.where(LOG.c.target == f.target)
    if f.failed_only:
        query = query.where(LOG.c.action.in_(FAILED_ACTIONS))
    if f.date_from:
        query = query.where(LOG.c.at >= f.date_from)
    if f.date_to:
        query = query.where(LOG.c.at < f.date_to)
    if f.before_id:
        query = query.where(LOG.c.id < f.before_id)
    return query


def verify(conn: Connection, chunk: int = 5000) -> int | None:
    """The id of the first record whose hash does not chain, or None when all do."""
    prev, last_id = GENESIS, 0
    while True:
        rows = conn.execute(
            sa.select(LOG).where(LOG.c.id > last_id).order_by(LOG.c.id).limit(chunk)
        ).all()
        if not rows:
            return None
        for row in rows:
            values = dict(row._mapping)
            if row.prev_hash != prev or row.row_hash != _digest(prev, values):
                return int(row.id)
            prev, last_id = row.row_hash, int(row.id)
