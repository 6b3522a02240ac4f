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


@dataclass(frozen=True)
class _Spans:
    """Where one window's items are counted: whole UTC days of the tally, partial days
    of `open_item`, and the span of explicit deadlines (None: unbounded)."""

    days: tuple[date | None, date | None] | None
    edges: tuple[tuple[datetime, datetime], ...]
    explicit: tuple[datetime | None, datetime | None]


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


def open_counts(
    conn: Connection, windows: Mapping[str, DueWindow], scope: Scope
) -> dict[str, ByDepartment]:
    """Per window name: open items due in it, per department (within the scope): one
    query over the tally's whole days and one over explicit deadlines for every window,
    and one short index range per partial day.

    Department columns are grouped as stored (NULL for none, mapped to '' here): a
    `coalesce` in the query made SQLite read every row instead of the index alone."""
    spans = {name: _spans(window) for name, window in windows.items()}
    found: dict[str, ByDepartment] = {name: Counter() for name in windows}
    for query in (_tally_query(spans, scope), _explicit_query(spans, scope)):
        if query is None:
            continue
        for row in conn.execute(query):
            for name, value in zip(spans, row[1:], strict=True):
                if value:
                    found[name][row[0] or NO_DEPARTMENT] += int(value)
    for name, span in spans.items():
        for lo, hi in span.edges:
            for department, count in conn.execute(_edge_query(lo, hi, scope)):
                found[name][department or NO_DEPARTMENT] += int(count)
    return found


def _between(column: sa.ColumnElement[Any], lo: Any, hi: Any) -> sa.ColumnElement[bool]:
    bounds: list[sa.ColumnElement[bool]] = [sa.true()]
    if lo is not None:
        bounds.append(column >= lo)
    if hi is not None:
        bounds.append(column < hi)
    return sa.and_(*bounds)


def _sums(
    spans: Mapping[str, _Spans], weight: sa.ColumnElement[Any], condition: Any
) -> list[sa.ColumnElement[Any]]:
    return [
        sa.func.sum(sa.case((condition(span), weight), else_=0)).label(f"w{n}")
        for n, span in enumerate(spans.values())
    ]


def _tally_query(spans: Mapping[str, _Spans], scope: Scope) -> sa.Select[Any] | None:
    """Whole UTC days, from `open_tally` (a few hundred rows per department)."""
    if all(span.days is None for span in spans.values()):
        return None

    def condition(span: _Spans) -> sa.ColumnElement[bool]:
        return sa.false() if span.days is None else _between(OPEN_TALLY.c.day, *span.days)

    where = []
    if scope.restricted:
        where.append(OPEN_TALLY.c.department == (scope.department or NO_DEPARTMENT))
    return (
        sa.select(OPEN_TALLY.c.department, *_sums(spans, OPEN_TALLY.c.count, condition))
        .where(*where)
        .group_by(OPEN_TALLY.c.department)
    )


def _edge_query(lo: datetime, hi: datetime, scope: Scope) -> sa.Select[Any]:
    """Open items without an explicit deadline created in [lo, hi) (a partial day): a
    range of `ix_open_item_created` (or `ix_open_item_department_created`)."""
    return (
        sa.select(OPEN_ITEM.c.department, sa.func.count())
        .where(
            OPEN_ITEM.c.deadline.is_(None),
            *_item_department(scope),
            OPEN_ITEM.c.created_at >= lo,
            OPEN_ITEM.c.created_at < hi,
        )
        .group_by(OPEN_ITEM.c.department)
    )


def _explicit_query(spans: Mapping[str, _Spans], scope: Scope) -> sa.Select[Any]:
    """Items with an explicit deadline (rare), by their deadline."""

    def condition(span: _Spans) -> sa.ColumnElement[bool]:
        return _between(OPEN_ITEM.c.deadline, *span.explicit)

    return (
        sa.select(OPEN_ITEM.c.department, *_sums(spans, sa.literal(1), condition))
        .where(OPEN_ITEM.c.deadline.is_not(None), *_item_department(scope))
        .group_by(OPEN_ITEM.c.department)
    )


def _item_department(scope: Scope) -> list[sa.ColumnElement[bool]]:
    if not scope.restricted:
        return []
    if scope.department is None:
        return [OPEN_ITEM.c.department.is_(None)]
    return [OPEN_ITEM.c.department == scope.department]


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(utc_day(moment), time(0), tzinfo=UTC)


def _next_midnight(moment: datetime) -> datetime:
    start = _midnight(moment)
    return start if start == moment else start + timedelta(days=1)


def new_since(conn: Connection, since: datetime, scope: Scope) -> int:
    """Residents' comments written since `since` (within the scope)."""
    if scope.restricted:
        query = sa.select(sa.func.count()).where(
            REVIEW.c.department == scope.department, REVIEW.c.comment_created_at >= since
        )
    else:
        query = sa.select(sa.func.count()).where(  # index-only: ix_comment_resident_created
            COMMENT.c.created_at >= since, COMMENT.c.by_account_owner == sa.false()
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
