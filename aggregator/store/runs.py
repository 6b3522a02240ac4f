"""Closing runs whose process died: a `running` run without a live lock is `abandoned`.

A sync holds its account's lock from before its run starts until after it is recorded,
so a run still `running` whose lock is gone, expired or held by a dead process on this
host was left by a process that was killed (SIGKILL, crash, a forced shutdown exit).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.connector import RunStatus
from aggregator.store.locks import Holder, is_live
from aggregator.store.tables import LOCK, RUN

ABANDONED_ERROR = (
    "the process syncing it stopped before the run finished (killed, crashed or forced to "
    "exit); what it stored stays, the next run resumes"
)


def close_abandoned(conn: Connection, now: datetime, account_ids: Collection[int]) -> int:
    """Mark the `running` runs of these accounts `abandoned` at `now`; return how many."""
    if not account_ids:
        return 0
    updated = conn.execute(
        sa.update(RUN)
        .where(RUN.c.account_id.in_(account_ids), RUN.c.status == RunStatus.RUNNING)
        .values(status=RunStatus.ABANDONED, finished_at=now, error=ABANDONED_ERROR)
    )
    return int(updated.rowcount)


def accounts_with_dead_runs(conn: Connection, now: datetime) -> set[int]:
    """Accounts with a `running` run whose lock is missing, expired or held by a dead process."""
    running = (
        sa.select(RUN.c.account_id).where(RUN.c.status == RunStatus.RUNNING).distinct().subquery()
    )
    query = sa.select(running.c.account_id, LOCK.c.holder, LOCK.c.expires_at).outerjoin(
        LOCK, LOCK.c.account_id == running.c.account_id
    )
    return {
        row.account_id
        for row in conn.execute(query)
        if row.holder is None or not is_live(Holder.decode(row.holder), row.expires_at, now)
    }
