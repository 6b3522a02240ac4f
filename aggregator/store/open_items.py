"""The open items the dashboard counts, kept exact in the same transaction as each write.

Why maintained, not counted live: a comment without a review row is 신규, so "open and
overdue" is an anti-join of every comment against reviews and the district's replies;
at 1,000,000 comments that scan costs far more than the dashboard's 50 ms (a backfill
of history leaves hundreds of thousands of them open). Instead:

- `open_item` holds one row per open item (a resident comment in an open status of
  `OPEN_STATUSES` without a district reply or a visible answer: exactly the inbox's
  `answered()` and status rules), with its department, creation time and explicit
  deadline;
- `open_tally` counts those rows per department and UTC day of creation, so a count
  over a long span (everything overdue) sums a few hundred tally rows and reads
  `open_item` only for the partial days at its two ends.

`refresh(conn, ids)` recomputes the given comments from the source tables and moves
their rows and tallies by the difference: idempotent, so a write may pass more ids than
changed. Every write that can change openness calls it inside its transaction: a sync
batch (new comments, and the parents of the district's replies), hand entry, every
review action, answer state changes, and privacy deletion. `rebuild` recomputes
everything (migration 0013; tests compare it with a brute-force count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.bulk_insert import convert_row, insert_rows, plain_columns
from aggregator.store.inbox_query import answered, status_expr
from aggregator.store.tables import COMMENT, OPEN_ITEM, OPEN_TALLY, REVIEW, conflict_insert
from aggregator.store.value_sets import one_of
from aggregator.workflow import OPEN_STATUSES

CHUNK = 1000
NO_DEPARTMENT = ""

ITEM_COLUMNS = (OPEN_ITEM.c.department, OPEN_ITEM.c.created_at, OPEN_ITEM.c.deadline)
Item = tuple[str | None, datetime, datetime | None]
"""department, created_at, explicit deadline"""


def is_open() -> list[sa.ColumnElement[bool]]:
    """The conditions of an open item (over COMMENT outer-joined to REVIEW)."""
    return [
        COMMENT.c.by_account_owner.is_(False),
        status_expr().in_([s.value for s in OPEN_STATUSES]),
        ~answered(),
    ]


def _open_select() -> sa.Select[Any]:
    return (
        sa.select(COMMENT.c.id, REVIEW.c.department, COMMENT.c.created_at, REVIEW.c.deadline)
        .select_from(COMMENT.outerjoin(REVIEW, REVIEW.c.comment_id == COMMENT.c.id))
        .where(*is_open())
    )


def utc_day(moment: datetime) -> date:
    """The UTC day a creation time is tallied under."""
    return moment.astimezone(UTC).date()


def refresh(conn: Connection, ids: Iterable[int]) -> None:
    """Bring the open items and tallies of these comments up to date."""
    wanted = sorted(set(ids))
    for first in range(0, len(wanted), CHUNK):
        _refresh_chunk(conn, wanted[first : first + CHUNK])


def open_new(conn: Connection, ids: Iterable[int]) -> None:
    """Add the open items of comments inserted by this transaction (and their tallies).

    The same rule as `refresh`, in one `INSERT ... SELECT` per chunk: a comment inserted
    just now has no open item yet, and no other transaction can see it to refresh it,
    so neither the old rows nor a lock are needed. The tallies' differences are counted
    by the database (one grouped row per department and day, not one row per item).
    """
    wanted = sorted(set(ids))
    delta: Counter[tuple[str, date]] = Counter()
    for first in range(0, len(wanted), CHUNK):
        chunk = wanted[first : first + CHUNK]
        insert = sa.insert(OPEN_ITEM).from_select(
            ["comment_id", "department", "created_at", "deadline"],
            _open_select().where(one_of(conn, COMMENT.c.id, chunk)),
        )
        conn.execute(insert)
        delta.update(_undated_counts(conn, chunk))
    _apply_delta(conn, delta)


def _undated_counts(conn: Connection, ids: list[int]) -> dict[tuple[str, date], int]:
    """How many of these comments' open items without a deadline each department has
    per UTC day of creation (the tally's keys)."""
    day = _utc_date(conn, OPEN_ITEM.c.created_at)
    query = (
        sa.select(OPEN_ITEM.c.department, day, sa.func.count())
        .where(one_of(conn, OPEN_ITEM.c.comment_id, ids), OPEN_ITEM.c.deadline.is_(None))
        .group_by(OPEN_ITEM.c.department, day)
    )
    counts: dict[tuple[str, date], int] = {}
    for department, created_on, count in conn.execute(query):
        key = (department or NO_DEPARTMENT, _as_date(created_on))
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def _utc_date(conn: Connection, column: sa.ColumnElement[datetime]) -> sa.ColumnElement[Any]:
    """The UTC day of a stored time, computed by the database (`utc_day` in SQL).

    SQLite stores `UTCDateTime` as UTC text, whose `date()` is its day; PostgreSQL's
    `timestamptz` is read in UTC first."""
    if conn.dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone("UTC", column))
    return sa.func.date(column)


def _as_date(value: date | str) -> date:
    """A day as the driver returns `date()` (SQLite: ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def drop(conn: Connection, ids: Iterable[int]) -> None:
    """Forget these comments' open items (before the comments are deleted)."""
    wanted = sorted(set(ids))
    for first in range(0, len(wanted), CHUNK):
        _refresh_chunk(conn, wanted[first : first + CHUNK], deleting=True)


def _refresh_chunk(conn: Connection, ids: list[int], deleting: bool = False) -> None:
    _lock(conn, ids)
    items = sa.select(OPEN_ITEM.c.comment_id, *ITEM_COLUMNS)
    old = _rows(conn, items.where(one_of(conn, OPEN_ITEM.c.comment_id, ids)))
    new = {} if deleting else _rows(conn, _open_select().where(one_of(conn, COMMENT.c.id, ids)))
    changed = [i for i in ids if old.get(i) != new.get(i)]
    if not changed:
        return
    gone = [i for i in changed if i in old]
    if gone:
        conn.execute(sa.delete(OPEN_ITEM).where(one_of(conn, OPEN_ITEM.c.comment_id, gone)))
    insert_rows(conn, OPEN_ITEM, [_item_row(i, new[i]) for i in changed if i in new])
    delta: Counter[tuple[str, date]] = Counter()
    for i in changed:
        if i in old and old[i][2] is None:
            delta[_tally_key(old[i])] -= 1
        if i in new and new[i][2] is None:
            delta[_tally_key(new[i])] += 1
    _apply_delta(conn, delta)


def _lock(conn: Connection, ids: list[int]) -> None:
    """Serialise refreshes of the same comments (PostgreSQL; SQLite has one writer): the
    second waits for the first to commit, then reads what it wrote. Without it, a review
    action and a sync storing the district's reply at once could each count from the
    state before the other. `FOR NO KEY UPDATE` (in id order) leaves foreign-key checks
    of rows pointing at the comment free."""
    if conn.dialect.name == "postgresql":
        query = sa.select(COMMENT.c.id).where(one_of(conn, COMMENT.c.id, ids))
        conn.execute(query.order_by(COMMENT.c.id).with_for_update(key_share=True)).all()


def _rows(conn: Connection, query: sa.Select[Any]) -> dict[int, Item]:
    """(comment id, department, created_at, deadline) rows, read without SQLAlchemy's
    slow datetime processing (`bulk_insert.plain_columns`)."""
    selected, converters = plain_columns(conn, list(query.selected_columns))
    rows = conn.execute(query.with_only_columns(*selected))
    return {int(r[0]): (r[1], r[2], r[3]) for r in (convert_row(r, converters) for r in rows)}


def _item_row(comment_id: int, item: Item) -> dict[str, Any]:
    department, created_at, deadline = item
    return {
        "comment_id": comment_id,
        "department": department,
        "created_at": created_at,
        "deadline": deadline,
    }


def _tally_key(item: Item) -> tuple[str, date]:
    return item[0] or NO_DEPARTMENT, utc_day(item[1])


def _apply_delta(conn: Connection, delta: Counter[tuple[str, date]]) -> None:
    """Add each difference to its tally row in one statement (rows in key order, so
    concurrent writers cannot deadlock), then drop the rows that reached zero."""
    changes = sorted((key, change) for key, change in delta.items() if change)
    if not changes:
        return
    statement = conflict_insert(conn, OPEN_TALLY)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[OPEN_TALLY.c.department, OPEN_TALLY.c.day],
            set_={"count": OPEN_TALLY.c.count + statement.excluded.count},
        ),
        [{"department": d, "day": day, "count": change} for (d, day), change in changes],
    )
    if any(change < 0 for _key, change in changes):
        days = sorted({day for (_d, day), _change in changes})
        conn.execute(
            sa.delete(OPEN_TALLY).where(OPEN_TALLY.c.day.in_(days), OPEN_TALLY.c.count <= 0)
        )


def ids_by_key(conn: Connection, platform: str, external_ids: Iterable[str]) -> list[int]:
    """The stored ids of a platform's comments with these external ids."""
    keys = sorted(set(external_ids))
    found: list[int] = []
    for first in range(0, len(keys), CHUNK):
        query = sa.select(COMMENT.c.id).where(
            COMMENT.c.platform == platform,
            one_of(conn, COMMENT.c.external_id, keys[first : first + CHUNK]),
        )
        found += [int(i) for i in conn.execute(query).scalars()]
    return found


def rebuild(conn: Connection) -> int:
    """Recompute every open item and tally from the source tables; return the open count."""
    conn.execute(sa.delete(OPEN_TALLY))
    conn.execute(sa.delete(OPEN_ITEM))
    conn.execute(
        sa.insert(OPEN_ITEM).from_select(
            ["comment_id", "department", "created_at", "deadline"], _open_select()
        )
    )
    delta: Counter[tuple[str, date]] = Counter()
    query = sa.select(OPEN_ITEM.c.department, OPEN_ITEM.c.created_at).where(
        OPEN_ITEM.c.deadline.is_(None)
    )
    for department, created_at in conn.execute(query.execution_options(yield_per=5000)):
        delta[(department or NO_DEPARTMENT, utc_day(created_at))] += 1
    if delta:
        conn.execute(
            sa.insert(OPEN_TALLY),
            [{"department": d, "day": day, "count": n} for (d, day), n in sorted(delta.items())],
        )
    return int(conn.execute(sa.select(sa.func.count()).select_from(OPEN_ITEM)).scalar_one())
