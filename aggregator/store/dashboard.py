"""The dashboard's counts: every one of them in a single statement (a UNION ALL of
index ranges and sums over a small table), so the page costs one round trip.

- Open items per due window and department come from `open_tally` for the whole UTC
  days inside the window's creation span and from `open_item` (partial indexes on
  creation time) for the partial days at its ends and for explicit deadlines; see
  `aggregator.store.open_items` for why these are maintained rather than counted live.
- Today's new comments: a range of `ix_comment_resident_created` (office, index only)
  or `ix_review_department_created` (one department): one day's rows.
- Answers waiting for approval or failed: `ix_answer_state_due`, a handful of rows.

Departments are grouped as stored (NULL for none, '' in the results): a `coalesce` in
the query made SQLite read every row instead of the index alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.inbox_query import ANSWER_STATES, DueWindow, Scope
from aggregator.store.open_items import NO_DEPARTMENT, utc_day
from aggregator.store.tables import ANSWER, COMMENT, OPEN_ITEM, OPEN_TALLY, REVIEW

ByDepartment = Counter[str]
"""Counts per department; '' for items without one."""
NEW = "new"
ANSWER_PREFIX = "answer:"


@dataclass(frozen=True)
class _Spans:
    """Where one window's items are counted: whole UTC days of the tally, partial days
    of `open_item`, and the span of explicit deadlines (None: unbounded)."""

    days: tuple[date | None, date | None] | None
    edges: tuple[tuple[datetime, datetime], ...]
    explicit: tuple[datetime | None, datetime | None]


class DashboardCounts(NamedTuple):
    """Every count of the dashboard, read by one statement."""

    new_today: int
    due: dict[str, ByDepartment]
    answers: dict[str, int]


def read_all(
    conn: Connection, scope: Scope, windows: Mapping[str, DueWindow], today: datetime
) -> DashboardCounts:
    """The dashboard's counts within the scope: new since `today`, open items per due
    window and department, and answers waiting (`ANSWER_STATES`)."""
    branches = [*_window_branches(windows, scope), _new_branch(today, scope)]
    branches += [_answer_branch(name, states, scope) for name, states in ANSWER_STATES.items()]
    found = _run(conn, branches)
    return DashboardCounts(
        new_today=sum(found.get(NEW, Counter()).values()),
        due={name: found.get(name, Counter()) for name in windows},
        answers={
            name: sum(found.get(ANSWER_PREFIX + name, Counter()).values()) for name in ANSWER_STATES
        },
    )


def open_counts(
    conn: Connection, windows: Mapping[str, DueWindow], scope: Scope
) -> dict[str, ByDepartment]:
    """Per window name: open items due in it, per department (within the scope)."""
    found = _run(conn, _window_branches(windows, scope))
    return {name: found.get(name, Counter()) for name in windows}


def _run(conn: Connection, branches: list[sa.Select[Any]]) -> dict[str, ByDepartment]:
    found: dict[str, ByDepartment] = {}
    for figure, department, count in conn.execute(sa.union_all(*branches)):
        if count:
            found.setdefault(figure, Counter())[department or NO_DEPARTMENT] += int(count)
    return found


def _branch(figure: str, department: Any, count: Any) -> list[sa.ColumnElement[Any]]:
    return [
        sa.literal(figure, sa.String).label("figure"),
        sa.cast(department, sa.String).label("department"),
        sa.cast(count, sa.BigInteger).label("n"),
    ]


def _window_branches(windows: Mapping[str, DueWindow], scope: Scope) -> list[sa.Select[Any]]:
    branches = []
    for name, window in windows.items():
        span = _spans(window)
        if span.days is not None:
            branches.append(_tally_branch(name, span.days, scope))
        branches += [_edge_branch(name, lo, hi, scope) for lo, hi in span.edges]
        branches.append(_explicit_branch(name, span.explicit, scope))
    return branches


def _spans(window: DueWindow) -> _Spans:
    explicit = (window.due_from, window.due_to)
    lo, hi = window.created_from, window.created_to
    if lo is not None and hi is not None and lo >= hi:
        return _Spans(None, (), explicit)  # no deadline falls on this day
    first = _next_midnight(lo) if lo is not None else None
    last = _midnight(hi) if hi is not None else None
    within_one_day = first is not None and last is not None and first >= last
    if within_one_day and lo is not None and hi is not None:
        return _Spans(None, ((lo, hi),), explicit)
    edges = []
    if lo is not None and first is not None and lo < first:
        edges.append((lo, first))
    if hi is not None and last is not None and last < hi:
        edges.append((last, hi))
    days = (first.date() if first else None, last.date() if last else None)
    return _Spans(days, tuple(edges), explicit)


def _between(column: sa.ColumnElement[Any], lo: Any, hi: Any) -> list[sa.ColumnElement[bool]]:
    bounds: list[sa.ColumnElement[bool]] = []
    if lo is not None:
        bounds.append(column >= lo)
    if hi is not None:
        bounds.append(column < hi)
    return bounds


def _tally_branch(
    figure: str, days: tuple[date | None, date | None], scope: Scope
) -> sa.Select[Any]:
    """Whole UTC days, from `open_tally` (a few hundred rows per department)."""
    where = _between(OPEN_TALLY.c.day, *days)
    if scope.restricted:
        where.append(OPEN_TALLY.c.department == (scope.department or NO_DEPARTMENT))
    department, total = OPEN_TALLY.c.department, sa.func.sum(OPEN_TALLY.c.count)
    return sa.select(*_branch(figure, department, total)).where(*where).group_by(department)


def _edge_branch(figure: str, lo: datetime, hi: datetime, scope: Scope) -> sa.Select[Any]:
    """Open items without an explicit deadline created in [lo, hi) (a partial day): a
    range of `ix_open_item_created` (or `ix_open_item_department_created`)."""
    where = [OPEN_ITEM.c.deadline.is_(None), *_item_department(scope)]
    where += _between(OPEN_ITEM.c.created_at, lo, hi)
    department = OPEN_ITEM.c.department
    return (
        sa.select(*_branch(figure, department, sa.func.count())).where(*where).group_by(department)
    )


def _explicit_branch(
    figure: str, span: tuple[datetime | None, datetime | None], scope: Scope
) -> sa.Select[Any]:
    """Items with an explicit deadline (rare) in the span, by their deadline."""
    where = [OPEN_ITEM.c.deadline.is_not(None), *_item_department(scope)]
    where += _between(OPEN_ITEM.c.deadline, *span)
    department = OPEN_ITEM.c.department
    return (
        sa.select(*_branch(figure, department, sa.func.count())).where(*where).group_by(department)
    )


def _item_department(scope: Scope) -> list[sa.ColumnElement[bool]]:
    if not scope.restricted:
        return []
    if scope.department is None:
        return [OPEN_ITEM.c.department.is_(None)]
    return [OPEN_ITEM.c.department == scope.department]


def _new_branch(since: datetime, scope: Scope) -> sa.Select[Any]:
    """Residents' comments written since `since` (within the scope)."""
    if scope.restricted:
        where = [REVIEW.c.department == scope.department, REVIEW.c.comment_created_at >= since]
    else:  # index-only: ix_comment_resident_created
        where = [COMMENT.c.created_at >= since, COMMENT.c.by_account_owner == sa.false()]
    source = REVIEW if scope.restricted else COMMENT
    return sa.select(*_branch(NEW, sa.null(), sa.func.count())).select_from(source).where(*where)


def _answer_branch(name: str, states: tuple[str, ...], scope: Scope) -> sa.Select[Any]:
    """Comments with an answer in one of `states` (within the scope)."""
    count = sa.func.count(sa.distinct(ANSWER.c.comment_id))
    query = sa.select(*_branch(ANSWER_PREFIX + name, sa.null(), count)).where(
        ANSWER.c.state.in_(states)
    )
    if scope.restricted:
        query = query.join(REVIEW, REVIEW.c.comment_id == ANSWER.c.comment_id).where(
            REVIEW.c.department == scope.department
        )
    return query


def new_since(conn: Connection, since: datetime, scope: Scope) -> int:
    """Residents' comments written since `since` (within the scope)."""
    found = _run(conn, [_new_branch(since, scope)])
    return sum(found.get(NEW, Counter()).values())


def answers_waiting(conn: Connection, scope: Scope) -> dict[str, int]:
    """Per answer filter (`ANSWER_STATES`): the comments with such an answer."""
    branches = [_answer_branch(name, states, scope) for name, states in ANSWER_STATES.items()]
    found = _run(conn, branches)
    return {
        name: sum(found.get(ANSWER_PREFIX + name, Counter()).values()) for name in ANSWER_STATES
    }


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(utc_day(moment), time(0), tzinfo=UTC)


def _next_midnight(moment: datetime) -> datetime:
    start = _midnight(moment)
    return start if start == moment else start + timedelta(days=1)
