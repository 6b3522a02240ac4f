"""Leases: per account (`sync_lock`), so cron and the scheduler never sync one account
at once, and per service (`service_lease`), so only one scheduler runs per database.

A lease is a row naming its holder (host, process id, token) and an expiry. It is
taken over when it has expired, or when its holder was a process on this host that
no longer exists (a crashed or killed sync).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Holder:
    """Who holds (or wants) a lease."""

    host: str
    pid: int
    token: str

    @classmethod
    def this_process(cls) -> Holder:
        """A new holder identity for the current process."""
        return cls(socket.gethostname(), os.getpid(), uuid.uuid4().hex[:12])

    def encode(self) -> str:
        """The text stored in the lease row."""
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def decode(cls, text: str) -> Holder:
        """Parse a stored holder; unknown formats decode to a holder on no host."""
        host, _, rest = text.rpartition(":")
        host, _, pid = host.rpartition(":")
        return cls(host, int(pid) if pid.isdigit() else -1, rest)

    def is_dead_here(self) -> bool:
        """True when the holder ran on this host and its process is gone."""
        if self.host != socket.gethostname() or self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


def is_live(holder: Holder, expires_at: datetime, now: datetime) -> bool:
    """Whether a lease still binds: not expired and not held by a dead process on this host."""
    return expires_at > now and not holder.is_dead_here()


def try_acquire(
    conn: Connection,
    table: sa.Table,
    key: Mapping[str, Any],
    holder: Holder,
    now: datetime,
    ttl: timedelta,
) -> Holder | None:
    """Take the lease row `key` of `table`; return None on success, else its current holder."""
    values = {"holder": holder.encode(), "acquired_at": now, "expires_at": now + ttl}
    where = _where(table, key)
    query = sa.select(table.c.holder, table.c.expires_at).where(where)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    current = conn.execute(query).first()
    if current is None:
        conn.execute(sa.insert(table).values(**key, **values))
        return None
    current_holder = Holder.decode(current.holder)
    if current_holder != holder and is_live(current_holder, current.expires_at, now):
        return current_holder
    conn.execute(sa.update(table).where(where).values(**values))
    return None


def renew(
    conn: Connection,
    table: sa.Table,
    key: Mapping[str, Any],
    holder: Holder,
    now: datetime,
    ttl: timedelta,
) -> bool:
    """Extend a lease we hold; False when it was lost (expired and taken by another)."""
    where = _where(table, key) & (table.c.holder == holder.encode())
    updated = conn.execute(sa.update(table).where(where).values(expires_at=now + ttl))
    return bool(updated.rowcount)


def release(conn: Connection, table: sa.Table, key: Mapping[str, Any], holder: Holder) -> None:
    """Give the lease back (only if we still hold it)."""
    conn.execute(sa.delete(table).where(_where(table, key), table.c.holder == holder.encode()))


def _where(table: sa.Table, key: Mapping[str, Any]) -> sa.ColumnElement[bool]:
    return sa.and_(*(table.c[name] == value for name, value in key.items()))
