"""Per-account sync leases, so cron and the scheduler never sync one account at once.

A lease is a row in `sync_lock` naming its holder (host, process id, token) and an
expiry. A lease is taken over when it has expired, or when its holder was a
process on this host that no longer exists (a crashed or killed sync).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.models import SyncLock

LOCK = SyncLock.__table__  # type: ignore[attr-defined]


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


def try_acquire(
    conn: Connection, account_id: int, holder: Holder, now: datetime, ttl: timedelta
) -> Holder | None:
    """Take the lease; return None on success, else the current holder."""
    values = {"holder": holder.encode(), "acquired_at": now, "expires_at": now + ttl}
    query = sa.select(LOCK.c.holder, LOCK.c.expires_at).where(LOCK.c.account_id == account_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    current = conn.execute(query).first()
    if current is None:
        conn.execute(sa.insert(LOCK).values(account_id=account_id, **values))
        return None
    current_holder = Holder.decode(current.holder)
    if current.expires_at > now and not current_holder.is_dead_here():
        return current_holder
    conn.execute(sa.update(LOCK).where(LOCK.c.account_id == account_id).values(**values))
    return None


def release(conn: Connection, account_id: int, holder: Holder) -> None:
    """Give the lease back (only if we still hold it)."""
    conn.execute(
        sa.delete(LOCK).where(LOCK.c.account_id == account_id, LOCK.c.holder == holder.encode())
    )
