"""SQL of staff notifications: the outbox, its cursor over the review history, department
addresses, staff preferences, and the figures of the daily digest.

Every function takes a connection; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.inbox_query import DueWindow
from aggregator.store.tables import (
    ACCOUNT,
    ANSWER,
    COMMENT,
    CONTACT,
    EVENT,
    NOTIFICATION,
    NOTIFY_CURSOR,
    OPEN_ITEM,
    PREFERENCE,
    REVIEW,
    USER,
    conflict_insert,
)

PENDING, SENT, FAILED = "pending", "sent", "failed"


# cursor over the review history -------------------------------------------------------
def cursor(conn: Connection, name: str) -> int:
    """The last id read of source `name` (0 when never read)."""
    query = sa.select(NOTIFY_CURSOR.c.last_id).where(NOTIFY_CURSOR.c.name == name)
    return int(conn.execute(query).scalar() or 0)


def set_cursor(conn: Connection, name: str, last_id: int, now: datetime) -> None:
    """Remember that source `name` was read up to `last_id`."""
    values = {"last_id": last_id, "updated_at": now}
    insert = conflict_insert(conn, NOTIFY_CURSOR).values(name=name, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=["name"], set_=values))


def events_after(conn: Connection, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Review events with an id above `after_id`, oldest first."""
    query = sa.select(EVENT).where(EVENT.c.id > after_id).order_by(EVENT.c.id).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def comment_facts(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """What a message may say about a comment: platform, account, time, text, review (and
    the author's name and handle, only so that they can be masked in the excerpt)."""
    query = (
        sa.select(
            COMMENT.c.id,
            COMMENT.c.platform,
            COMMENT.c.created_at,
            COMMENT.c.text,
            COMMENT.c.author_name,
            COMMENT.c.author_handle,
            ACCOUNT.c.name.label("account"),
            ACCOUNT.c.display_name,
            REVIEW.c.department,
            REVIEW.c.deadline,
        )
        .select_from(
            COMMENT.join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id).outerjoin(
                REVIEW, REVIEW.c.comment_id == COMMENT.c.id
            )
        )
        .where(COMMENT.c.id == comment_id)
    )
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def failed_answers(conn: Connection) -> list[dict[str, Any]]:
    """Answers the worker gave up on (failed, or needing a person's check)."""
    query = sa.select(
        ANSWER.c.id,
        ANSWER.c.comment_id,
        ANSWER.c.state,
        ANSWER.c.written_by,
        ANSWER.c.attempts,
        ANSWER.c.send_started_at,
        ANSWER.c.error_staff_message,
    ).where(ANSWER.c.state.in_(["failed", "needs_check"]))
    return [dict(row._mapping) for row in conn.execute(query.order_by(ANSWER.c.id))]


# the outbox ---------------------------------------------------------------------------
def enqueue(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Queue messages; a key already queued is skipped. Return how many were new."""
    added = 0
    for row in rows:
        insert = conflict_insert(conn, NOTIFICATION).values(
            state=PENDING, attempts=0, next_attempt_at=None, **row
        )
        skip_known = insert.on_conflict_do_nothing(index_elements=["key"])
        added += len(conn.execute(skip_known.returning(NOTIFICATION.c.id)).all())
    return added


def due(conn: Connection, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Pending messages whose next attempt is due, oldest first."""
    query = (
        sa.select(NOTIFICATION)
        .where(
            NOTIFICATION.c.state == PENDING,
            sa.or_(NOTIFICATION.c.next_attempt_at.is_(None), NOTIFICATION.c.next_attempt_at <= now),
        )
        .order_by(NOTIFICATION.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def mark_sent(conn: Connection, notification_id: int, attempts: int, now: datetime) -> None:
    """The message went out: keep the record, drop the body."""
    conn.execute(
        sa.update(NOTIFICATION)
        .where(NOTIFICATION.c.id == notification_id)
        .values(state=SENT, attempts=attempts, sent_at=now, body="", last_error=None)
    )


def mark_failed_attempt(
    conn: Connection, notification_id: int, attempts: int, error: str, retry_at: datetime | None
) -> None:
    """An attempt failed: retry at `retry_at`, or give up (failed) when it is None."""
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:1000]}
    values.update(state=PENDING if retry_at else FAILED, next_attempt_at=retry_at)
    conn.execute(
        sa.update(NOTIFICATION).where(NOTIFICATION.c.id == notification_id).values(**values)
    )


def retry(conn: Connection, notification_id: int, now: datetime) -> bool:
    """Send a failed message again (a fresh set of attempts); False when not failed."""
    result = conn.execute(
        sa.update(NOTIFICATION)
        .where(NOTIFICATION.c.id == notification_id, NOTIFICATION.c.state == FAILED)
        .values(state=PENDING, attempts=0, next_attempt_at=now)
    )
    return bool(result.rowcount)


def failures(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """Failed messages, newest first (without their body)."""
    columns = [c for c in NOTIFICATION.c if c.name != "body"]
    query = (
        sa.select(*columns)
        .where(NOTIFICATION.c.state == FAILED)
        .order_by(NOTIFICATION.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def state_counts(conn: Connection) -> dict[str, int]:
    """Messages per state (pending, sent, failed)."""
    query = sa.select(NOTIFICATION.c.state, sa.func.count()).group_by(NOTIFICATION.c.state)
    return {str(state): int(count) for state, count in conn.execute(query)}


def keys_like(conn: Connection, prefix: str) -> list[str]:
    """Queued keys starting with `prefix` (a day's digests, for reporting)."""
    query = sa.select(NOTIFICATION.c.key).where(NOTIFICATION.c.key.startswith(prefix))
    return [str(key) for key in conn.execute(query).scalars()]


# department addresses and staff preferences -------------------------------------------
def contacts(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every department's (and the office's) addresses, by department."""
    rows = conn.execute(sa.select(CONTACT))
    return {row.department: dict(row._mapping) for row in rows}


def save_contact(
    conn: Connection,
    department: str,
    emails: list[str],
    webhook_url: str | None,
    by: str,
    now: datetime,
) -> None:
    """Set a department's addresses; none at all removes its row."""
    if not emails and not webhook_url:
        conn.execute(sa.delete(CONTACT).where(CONTACT.c.department == department))
        return
    values = {"emails": emails, "webhook_url": webhook_url, "updated_at": now, "updated_by": by}
    insert = conflict_insert(conn, CONTACT).values(department=department, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=["department"], set_=values))


def preference(conn: Connection, user_id: int) -> dict[str, Any] | None:
    """One staff member's choices, or None when never saved."""
    row = conn.execute(sa.select(PREFERENCE).where(PREFERENCE.c.user_id == user_id)).first()
    return dict(row._mapping) if row else None


def save_preference(
    conn: Connection,
    user_id: int,
    email: str | None,
    kinds: Iterable[str],
    digest: bool,
    now: datetime,
) -> None:
    """Store one staff member's choices."""
    values = {"email": email, "kinds": sorted(kinds), "digest": digest, "updated_at": now}
    insert = conflict_insert(conn, PREFERENCE).values(user_id=user_id, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=["user_id"], set_=values))


def subscribers(conn: Connection) -> list[dict[str, Any]]:
    """Active staff with an address: name, role, department, email, kinds, digest."""
    query = (
        sa.select(
            USER.c.name,
            USER.c.role,
            USER.c.department,
            PREFERENCE.c.email,
            PREFERENCE.c.kinds,
            PREFERENCE.c.digest,
        )
        .select_from(USER.join(PREFERENCE, PREFERENCE.c.user_id == USER.c.id))
        .where(USER.c.disabled.is_(False), PREFERENCE.c.email.is_not(None))
        .order_by(USER.c.name)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


# the daily digest -----------------------------------------------------------------------
def open_ids(
    conn: Connection, department: str | None, due: DueWindow, limit: int, oldest_first: bool
) -> list[int]:
    """The ids of `limit` open items (of `department`, or all) due in `due`, oldest or
    newest first by creation time, from the maintained open items: the derived deadlines
    by a range of the creation-time index, the (rare) explicit ones apart, merged."""
    derived: list[sa.ColumnElement[bool]] = [OPEN_ITEM.c.deadline.is_(None)]
    derived += _between(OPEN_ITEM.c.created_at, due.created_from, due.created_to)
    explicit: list[sa.ColumnElement[bool]] = [OPEN_ITEM.c.deadline.is_not(None)]
    explicit += _between(OPEN_ITEM.c.deadline, due.due_from, due.due_to)
    order: list[sa.ColumnElement[Any]] = [OPEN_ITEM.c.created_at, OPEN_ITEM.c.comment_id]
    if not oldest_first:
        order = [column.desc() for column in order]
    found: list[tuple[datetime, int]] = []
    for where in (derived, explicit):
        if department is not None:
            where.append(OPEN_ITEM.c.department == department)
        query = sa.select(OPEN_ITEM.c.created_at, OPEN_ITEM.c.comment_id).where(*where)
        found += [(at, int(cid)) for at, cid in conn.execute(query.order_by(*order).limit(limit))]
    found.sort(key=lambda key: (_utc(key[0]), key[1]), reverse=not oldest_first)
    return [cid for _at, cid in found[:limit]]


def _between(column: sa.ColumnElement[Any], lo: Any, hi: Any) -> list[sa.ColumnElement[bool]]:
    bounds: list[sa.ColumnElement[bool]] = []
    if lo is not None:
        bounds.append(column >= lo)
    if hi is not None:
        bounds.append(column < hi)
    return bounds


def _utc(moment: datetime) -> datetime:
    """SQLite gives naive UTC times back: comparable with PostgreSQL's aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def new_comments(
    conn: Connection, since: datetime, until: datetime, limit: int
) -> tuple[int, list[int]]:
    """Residents' comments that arrived in [since, until): how many, and the first ids."""
    where = [
        COMMENT.c.by_account_owner.is_(False),
        COMMENT.c.created_at >= since,
        COMMENT.c.created_at < until,
    ]
    count = sa.select(sa.func.count()).select_from(COMMENT).where(*where)
    ids = sa.select(COMMENT.c.id).where(*where).order_by(COMMENT.c.created_at).limit(limit)
    return int(conn.execute(count).scalar_one()), [int(i) for i in conn.execute(ids).scalars()]


def routed_since(conn: Connection, since: datetime, until: datetime) -> list[tuple[int, str]]:
    """(comment id, its current department) of items assigned or transferred in
    [since, until) and still with that department's review."""
    query = (
        sa.select(EVENT.c.comment_id, REVIEW.c.department)
        .select_from(EVENT.join(REVIEW, REVIEW.c.comment_id == EVENT.c.comment_id))
        .where(
            EVENT.c.at >= since,
            EVENT.c.at < until,
            EVENT.c.action.in_(["assign_department", "transfer", "accept_suggestion"]),
            REVIEW.c.department.is_not(None),
        )
        .distinct()
    )
    return [(int(cid), str(dept)) for cid, dept in conn.execute(query)]
