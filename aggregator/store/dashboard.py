"""The dashboard's counts, each an index range or a sum over a small table.

- Open items per due window and department come from `open_tally` for the whole UTC
  days inside the window's creation span and from `open_item` (partial indexes on
  creation time) for the partial days at its ends and for explicit deadlines; see
  `aggregator.store.open_items` for why these are maintained rather than counted live.
- Today's new comments: a range of `ix_comment_created` (office) or
  `ix_review_department_created` (one department): one day's rows.
- Answers waiting for approval or failed: `ix_answer_state_due`, a handful of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.inbox_query import ANSWER_STATES, DueWindow, Scope
from aggregator.store.open_items import NO_DEPARTMENT, utc_day
from aggregator.store.tables import ANSWER, COMMENT, OPEN_ITEM, OPEN_TALLY, REVIEW

ByDepartment = Counter[str]
"""Counts per department; '' for items without one."""


def open_counts(
    conn: Connection, windows: Mapping[str, DueWindow], scope: Scope
) -> dict[str, ByDepartment]:
    """Per window name: open items due in it, per department (within the scope)."""
    return {name: _window_count(conn, window, scope) for name, window in windows.items()}


def _window_count(conn: Connection, window: DueWindow, scope: Scope) -> ByDepartment:
    counts: ByDepartment = Counter()
    lo, hi = window.created_from, window.created_to
    if lo is not None and hi is not None and lo >= hi:
        pass  # an empty span (no deadline falls on a weekend day)
    else:
        first_day = _next_midnight(lo) if lo is not None else None
        last_day = _midnight(hi) if hi is not None else None
        if first_day is not None and last_day is not None and first_day >= last_day:
            counts += _items(conn, scope, lo, hi)
        else:
            counts += _tally(conn, scope, first_day, last_day)
            if lo is not None and first_day is not None and lo < first_day:
                counts += _items(conn, scope, lo, first_day)
            if hi is not None and last_day is not None and last_day < hi:
                counts += _items(conn, scope, last_day, hi)
    counts += _explicit(conn, scope, window.due_from, window.due_to)
    return counts


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(utc_day(moment), time(0), tzinfo=UTC)


def _next_midnight(moment: datetime) -> datetime:
    start = _midnight(moment)
    return start if start == moment else start + timedelta(days=1)


def _department_of(column: sa.ColumnElement[Any], scope: Scope) -> list[sa.ColumnElement[bool]]:
    if not scope.restricted:
        return []
    return [column == (scope.department or NO_DEPARTMENT)]


def _tally(
    conn: Connection, scope: Scope, start: datetime | None, end: datetime | None
) -> ByDepartment:
    """Open items created on the whole UTC days in [start, end)."""
    where = _department_of(OPEN_TALLY.c.department, scope)
    if start is not None:
        where.append(OPEN_TALLY.c.day >= start.date())
    if end is not None:
        where.append(OPEN_TALLY.c.day < end.date())
    query = (
        sa.select(OPEN_TALLY.c.department, sa.func.sum(OPEN_TALLY.c.count))
        .where(*where)
        .group_by(OPEN_TALLY.c.department)
    )
    return Counter({d: int(n) for d, n in conn.execute(query) if n})


def _items(
    conn: Connection, scope: Scope, start: datetime | None, end: datetime | None
) -> ByDepartment:
    """Open items without an explicit deadline created in [start, end) (a partial day)."""
    department = sa.func.coalesce(OPEN_ITEM.c.department, NO_DEPARTMENT)
    where = [OPEN_ITEM.c.deadline.is_(None), *_department_of(department, scope)]
    if start is not None:
        where.append(OPEN_ITEM.c.created_at >= start)
    if end is not None:
        where.append(OPEN_ITEM.c.created_at < end)
    query = sa.select(department, sa.func.count()).where(*where).group_by(department)
    return Counter({d: int(n) for d, n in conn.execute(query)})


def _explicit(
    conn: Connection, scope: Scope, start: datetime | None, end: datetime | None
) -> ByDepartment:
    """Open items whose explicit deadline is in [start, end)."""
    department = sa.func.coalesce(OPEN_ITEM.c.department, NO_DEPARTMENT)
    where = [OPEN_ITEM.c.deadline.is_not(None), *_department_of(department, scope)]
    if start is not None:
        where.append(OPEN_ITEM.c.deadline >= start)
    if end is not None:
        where.append(OPEN_ITEM.c.deadline < end)
    query = sa.select(department, sa.func.count()).where(*where).group_by(department)
    return Counter({d: int(n) for d, n in conn.execute(query)})


def new_since(conn: Connection, since: datetime, scope: Scope) -> int:
    """Residents' comments written since `since` (within the scope)."""
    if scope.restricted:
        query = sa.select(sa.func.count()).where(
            REVIEW.c.department == scope.department, REVIEW.c.comment_created_at >= since
        )
    else:
        query = sa.select(sa.func.count()).where(
            COMMENT.c.created_at >= since, COMMENT.c.by_account_owner.is_(False)
        )
    return int(conn.execute(query).scalar_one())


def answers_waiting(conn: Connection, scope: Scope) -> dict[str, int]:
    """Per answer filter (`ANSWER_STATES`): the comments with such an answer."""
    found: dict[str, int] = {}
    for name, states in ANSWER_STATES.items():
        query = sa.select(sa.func.count(sa.distinct(ANSWER.c.comment_id))).where(
            ANSWER.c.state.in_(states)
        )
        if scope.restricted:
            query = query.join(REVIEW, REVIEW.c.comment_id == ANSWER.c.comment_id).where(
                REVIEW.c.department == scope.department
            )
        found[name] = int(conn.execute(query).scalar_one())
    return found


class DashboardCounts(NamedTuple):
    """Every count of the dashboard, read in one transaction."""

    new_today: int
    due: dict[str, ByDepartment]
    answers: dict[str, int]


def read_all(
    conn: Connection, scope: Scope, windows: Mapping[str, DueWindow], today: datetime
) -> DashboardCounts:
    """The dashboard's counts within the scope."""
    return DashboardCounts(
        new_today=new_since(conn, today, scope),
        due=open_counts(conn, windows, scope),
        answers=answers_waiting(conn, scope),
    )
