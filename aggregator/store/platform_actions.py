"""Upstream moderation in SQL: the `platform_action` outbox (hide or unhide a resident's
comment on its platform) and the charges of platform writes.

Rules (who may ask, when a request is refused, what staff see) live in
`aggregator.answers.hiding`; these functions only read and write rows inside the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.tables import ACCOUNT, COMMENT, PLATFORM_ACTION, WRITE_CHARGE

QUEUED, DONE, FAILED, SUPERSEDED = "queued", "done", "failed", "superseded"


def queue(
    conn: Connection, comment_id: int, action: str, reason: str | None, by: str, now: datetime
) -> int:
    """Queue `action` for the comment; an older request still queued is superseded (the
    latest wish wins). Return the new row's id."""
    conn.execute(
        sa.update(PLATFORM_ACTION)
        .where(PLATFORM_ACTION.c.comment_id == comment_id, PLATFORM_ACTION.c.state == QUEUED)
        .values(state=SUPERSEDED, next_attempt_at=None)
    )
    inserted = conn.execute(
        sa.insert(PLATFORM_ACTION)
        .returning(PLATFORM_ACTION.c.id)
        .values(
            comment_id=comment_id,
            action=action,
            reason=reason,
            requested_by=by,
            requested_at=now,
            state=QUEUED,
            attempts=0,
        )
    )
    return int(inserted.scalar_one())


def latest(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """The comment's latest request that was not superseded: its upstream state."""
    query = (
        sa.select(PLATFORM_ACTION)
        .where(PLATFORM_ACTION.c.comment_id == comment_id, PLATFORM_ACTION.c.state != SUPERSEDED)
        .order_by(PLATFORM_ACTION.c.id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


def get(conn: Connection, action_id: int) -> dict[str, Any] | None:
    """One request as a mapping."""
    row = conn.execute(sa.select(PLATFORM_ACTION).where(PLATFORM_ACTION.c.id == action_id)).first()
    return dict(row._mapping) if row is not None else None


def update(conn: Connection, action_id: int, expected_state: str, **values: Any) -> bool:
    """Change a request if it is still in `expected_state`; False when it moved meanwhile."""
    where = (PLATFORM_ACTION.c.id == action_id) & (PLATFORM_ACTION.c.state == expected_state)
    return bool(conn.execute(sa.update(PLATFORM_ACTION).where(where).values(**values)).rowcount)


def due(conn: Connection, now: datetime, accounts: Collection[str], limit: int) -> list[int]:
    """Queued requests of comments of `accounts` (those with a writer) whose next attempt is
    due, oldest first."""
    waiting = PLATFORM_ACTION.c.next_attempt_at
    is_due = waiting.is_(None) | (waiting <= now)
    return _queued(conn, is_due & ACCOUNT.c.name.in_(list(accounts)), limit)


def stranded(conn: Connection, accounts: Collection[str], limit: int) -> list[int]:
    """Queued requests of comments whose account has no writer that can hide (any more)."""
    return _queued(conn, ACCOUNT.c.name.not_in(list(accounts)), limit)


def _queued(conn: Connection, where: sa.ColumnElement[bool], limit: int) -> list[int]:
    query = (
        sa.select(PLATFORM_ACTION.c.id)
        .select_from(
            PLATFORM_ACTION.join(COMMENT, COMMENT.c.id == PLATFORM_ACTION.c.comment_id).join(
                ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id
            )
        )
        .where(PLATFORM_ACTION.c.state == QUEUED, where)
        .order_by(PLATFORM_ACTION.c.id)
        .limit(limit)
    )
    return [int(i) for i in conn.execute(query).scalars()]


def comment_account(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """The comment's account name, platform and whether it was entered by hand."""
    query = (
        sa.select(ACCOUNT.c.name.label("account"), COMMENT.c.platform, COMMENT.c.manual_entry)
        .select_from(COMMENT.join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id))
        .where(COMMENT.c.id == comment_id)
    )
    row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


def charge(conn: Connection, account: str, what: str, cost: float, now: datetime) -> None:
    """Charge a platform write's cost to the account's month (nothing when it is free)."""
    if cost <= 0:
        return
    account_id = sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name == account).scalar_subquery()
    conn.execute(
        sa.insert(WRITE_CHARGE).values(account_id=account_id, at=now, what=what, cost=cost)
    )


def account_id(conn: Connection, name: str) -> int | None:
    """The stored account's id, or None before its first sync."""
    found = conn.execute(sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name == name)).scalar()
    return int(found) if found is not None else None


def charged_since(conn: Connection, account_id: int, since: datetime) -> float:
    """What the account's platform writes cost since `since`."""
    query = sa.select(sa.func.coalesce(sa.func.sum(WRITE_CHARGE.c.cost), 0.0)).where(
        WRITE_CHARGE.c.account_id == account_id, WRITE_CHARGE.c.at >= since
    )
    return float(conn.execute(query).scalar_one())
