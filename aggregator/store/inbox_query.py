"""The inbox query: filters -> the ordered ids of one page, newest first, by keyset.

Paging is by `(created_at, id)` keyset, never OFFSET. The query is driven by the
table whose index answers it: the comment table (`ix_comment_created`,
`ix_comment_platform_created`, ...) in general, or the review table
(`ix_review_status_created` and friends, which repeat the comment's creation time)
when the page is restricted to one status, department or assignee.

Search never fetches every match to sort it. It first probes the newest rows under
the other filters (a window of `SEARCH_WINDOW` rows) against the index, which fills a
page at once for common words; only when the window is not enough (rare words) does
it take the set of matching ids from the index and order those, which is small
exactly then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.answers.states import VISIBLE, AnswerState
from aggregator.search_text import SearchQuery, parse_query
from aggregator.store.search import hits_among, matches_one, matching_ids
from aggregator.store.tables import ACCOUNT, ANSWER, CHECK, COMMENT, OPEN_ITEM, REVIEW, TAG
from aggregator.workflow import Status

REPLY = COMMENT.alias("reply")
SEARCH_WINDOW = 2000

Cursor = tuple[datetime, int]


@dataclass(frozen=True)
class InboxFilter:
    """What staff filter the inbox by (every field optional)."""

    platform: str | None = None
    account: str | None = None
    status: str | None = None
    department: str | None = None
    assignee: str | None = None
    tag: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    overdue: bool = False
    answered: bool | None = None
    manual: bool = False
    check_items: bool = False
    query: str = ""
    due: str | None = None
    """Open items due in one of `Deadlines.windows` (overdue, today, tomorrow, open)."""
    unassigned: bool = False
    answer_state: str | None = None
    """An answer of the item waits for approval (`pending`) or failed (`failed`)."""

    @property
    def search(self) -> SearchQuery:
        """The parsed search words."""
        return parse_query(self.query)


@dataclass(frozen=True)
class Scope:
    """What the viewer may see: everything, or one department's items."""

    department: str | None = None
    restricted: bool = False


@dataclass(frozen=True)
class DueWindow:
    """Open items due in a span (None: unbounded): those with a derived deadline by
    their creation time, those with an explicit one by their deadline (half-open)."""

    created_from: datetime | None = None
    created_to: datetime | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None


ANSWER_STATES: dict[str, tuple[str, ...]] = {
    "pending": (AnswerState.PENDING_APPROVAL.value,),
    "failed": (AnswerState.FAILED.value, AnswerState.NEEDS_CHECK.value),
}
"""The answer filters: waiting for approval, and posts that failed or need a check."""


@dataclass(frozen=True)
class Deadlines:
    """The moment that decides "overdue" (see `aggregator.deadlines.overdue_cutoff`) and
    the due windows of the dashboard's figures (`aggregator.dashboard.due_windows`)."""

    now: datetime
    cutoff: datetime
    windows: Mapping[str, DueWindow] = field(default_factory=dict)


def answered() -> sa.ColumnElement[bool]:
    """The district's own reply to the comment has been synced, or an answer from the
    inbox reached the resident (posted or confirmed): derived, never copied."""
    synced_reply = sa.exists(
        sa.select(sa.literal(1)).where(
            REPLY.c.platform == COMMENT.c.platform,
            REPLY.c.parent_external_id == COMMENT.c.external_id,
            REPLY.c.by_account_owner.is_(True),
        )
    )
    visible_answer = sa.exists(
        sa.select(sa.literal(1)).where(
            ANSWER.c.comment_id == COMMENT.c.id,
            ANSWER.c.state.in_([s.value for s in VISIBLE]),
        )
    )
    return synced_reply | visible_answer


def status_expr() -> sa.ColumnElement[str]:
    """A comment without a review row is 신규."""
    return sa.func.coalesce(REVIEW.c.status, Status.NEW.value)


def _review_driven(f: InboxFilter, scope: Scope) -> bool:
    reviewed_status = f.status is not None and f.status != Status.NEW
    return bool(reviewed_status or f.department or f.assignee or scope.restricted)


def conditions(
    conn: Connection, f: InboxFilter, scope: Scope, deadlines: Deadlines
) -> list[sa.ColumnElement[bool]]:
    """Every filter as a SQL condition (search phrases excepted: see `page_ids`)."""
    where: list[sa.ColumnElement[bool]] = [COMMENT.c.by_account_owner.is_(False)]
    where.extend(_source_conditions(f, scope))
    where.extend(_review_conditions(f))
    where.extend(_time_conditions(f, deadlines))
    where.extend(_entry_conditions(f))
    for single in f.search.singles:
        where.append(sa.func.lower(COMMENT.c.text).contains(single, autoescape=True))
    return where


def _source_conditions(f: InboxFilter, scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The viewer's department (when restricted), then the platform and account."""
    where: list[sa.ColumnElement[bool]] = []
    if scope.restricted:
        where.append(REVIEW.c.department == scope.department)
    if f.platform:
        where.append(COMMENT.c.platform == f.platform)
    if f.account:
        account_id = sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name == f.account)
        where.append(COMMENT.c.account_id == account_id.scalar_subquery())
    return where


def _review_conditions(f: InboxFilter) -> list[sa.ColumnElement[bool]]:
    """The review's state: status, department, answers, assignee and tag."""
    where: list[sa.ColumnElement[bool]] = []
    if f.status == Status.NEW:
        where.append(status_expr() == f.status)
    elif f.status:  # sargable: ix_review_status_created
        where.append(REVIEW.c.status == f.status)
    if f.department:
        where.append(REVIEW.c.department == f.department)
    if f.unassigned:
        where.append(REVIEW.c.department.is_(None))
    if f.answer_state in ANSWER_STATES:
        states = ANSWER_STATES[f.answer_state]
        where.append(
            sa.exists(
                sa.select(ANSWER.c.id).where(
                    ANSWER.c.comment_id == COMMENT.c.id, ANSWER.c.state.in_(states)
                )
            )
        )
    if f.assignee:
        where.append(REVIEW.c.assignee == f.assignee)
    if f.tag:
        where.append(
            sa.exists(
                sa.select(TAG.c.tag).where(TAG.c.comment_id == COMMENT.c.id, TAG.c.tag == f.tag)
            )
        )
    return where


def _entry_conditions(f: InboxFilter) -> list[sa.ColumnElement[bool]]:
    """Comments entered by hand, and comments on posts flagged for a check."""
    where: list[sa.ColumnElement[bool]] = []
    if f.manual:
        where.append(COMMENT.c.manual_entry.is_(True))
    if f.check_items:
        where.append(
            sa.exists(
                sa.select(CHECK.c.id).where(
                    CHECK.c.post_id == COMMENT.c.post_id, CHECK.c.status == "open"
                )
            )
        )
    return where


def _time_conditions(f: InboxFilter, deadlines: Deadlines) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if f.date_from:
        where.append(COMMENT.c.created_at >= f.date_from)
    if f.date_to:
        where.append(COMMENT.c.created_at < f.date_to)
    if f.answered is not None:
        where.append(answered() if f.answered else ~answered())
    if f.overdue:
        late = sa.or_(
            OPEN_ITEM.c.deadline < deadlines.now,
            sa.and_(OPEN_ITEM.c.deadline.is_(None), OPEN_ITEM.c.created_at < deadlines.cutoff),
        )
        where.append(open_item_where(late))
    window = deadlines.windows.get(f.due or "")
    if window is not None:
        where.append(
            open_item_where(in_window(window, OPEN_ITEM.c.deadline, OPEN_ITEM.c.created_at))
        )
    return where


def open_item_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """The comment is an open item (`aggregator.store.open_items`: open status, no reply,
    no visible answer) meeting `condition` over OPEN_ITEM's columns: one primary-key probe
    of the maintained table instead of the anti-joins against every reply and answer."""
    return sa.exists(
        sa.select(sa.literal(1)).where(OPEN_ITEM.c.comment_id == COMMENT.c.id, condition)
    )


def in_window(
    window: DueWindow, deadline: sa.ColumnElement[Any], created_at: sa.ColumnElement[Any]
) -> sa.ColumnElement[bool]:
    """The item's deadline (explicit, else derived from its creation time) is in the window."""

    def within(column: sa.ColumnElement[Any], lo: datetime | None, hi: datetime | None) -> Any:
        bounds: list[sa.ColumnElement[bool]] = [sa.true()]
        if lo is not None:
            bounds.append(column >= lo)
        if hi is not None:
            bounds.append(column < hi)
        return sa.and_(*bounds)

    return sa.or_(
        sa.and_(deadline.is_not(None), within(deadline, window.due_from, window.due_to)),
        sa.and_(deadline.is_(None), within(created_at, window.created_from, window.created_to)),
    )


def _ordering(driven_by_review: bool) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    if driven_by_review:
        return REVIEW.c.comment_created_at, REVIEW.c.comment_id
    return COMMENT.c.created_at, COMMENT.c.id


def _base(
    conn: Connection, f: InboxFilter, scope: Scope, deadlines: Deadlines, cursor: Cursor | None
) -> sa.Select[Any]:
    driven = _review_driven(f, scope)
    at, key = _ordering(driven)
    if driven:
        source = REVIEW.join(COMMENT, COMMENT.c.id == REVIEW.c.comment_id)
    else:
        source = COMMENT.outerjoin(REVIEW, REVIEW.c.comment_id == COMMENT.c.id)
    query = sa.select(key.label("id"), at.label("at")).select_from(source)
    query = query.where(*conditions(conn, f, scope, deadlines))
    if cursor is not None:
        after = sa.tuple_(sa.literal(cursor[0], at.type), sa.literal(cursor[1]))
        query = query.where(sa.tuple_(at, key) < after)
    return query.order_by(at.desc(), key.desc())


def page_ids(
    conn: Connection,
    f: InboxFilter,
    scope: Scope,
    deadlines: Deadlines,
    cursor: Cursor | None,
    limit: int,
) -> list[tuple[int, datetime]]:
    """Up to `limit + 1` (id, created_at) pairs in page order (the extra one: more follow)."""
    base = _base(conn, f, scope, deadlines, cursor)
    search = f.search
    if not search.phrases:
        return [(int(r.id), r.at) for r in conn.execute(base.limit(limit + 1))]
    found, complete = _window_hits(conn, f, scope, base, limit)
    if len(found) > limit or complete:
        return found
    key = _ordering(_review_driven(f, scope))[1]
    narrowed = base.where(key.in_(matching_ids(conn, search)))
    return [(int(r.id), r.at) for r in conn.execute(narrowed.limit(limit + 1))]


def _window_hits(
    conn: Connection, f: InboxFilter, scope: Scope, base: sa.Select[Any], limit: int
) -> tuple[list[tuple[int, datetime]], bool]:
    """The matches among the newest `SEARCH_WINDOW` rows of `base` (up to `limit + 1`),
    and whether the window held every row of `base` (then they are all the matches)."""
    if conn.dialect.name == "postgresql":
        return _walked_window_hits(conn, f, scope, base, limit)
    window = conn.execute(base.limit(SEARCH_WINDOW)).all()
    hits = hits_among(conn, f.search, [int(r.id) for r in window]) if window else set()
    found = [(int(r.id), r.at) for r in window if int(r.id) in hits][: limit + 1]
    return found, len(window) < SEARCH_WINDOW


def _walked_window_hits(
    conn: Connection, f: InboxFilter, scope: Scope, base: sa.Select[Any], limit: int
) -> tuple[list[tuple[int, datetime]], bool]:
    """`_window_hits` on PostgreSQL: find the window's oldest row, then walk the window
    newest first, probing the index row by row, and stop at `limit + 1` matches.

    Sending the window's 2,000 ids back as parameters cost more than the probes, and a
    common word fills a page after a few hundred probes. Parallel workers are off for
    these statements: on two cores their start-up cost more than the 2,000-row walk.
    """
    conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    at, key = _ordering(_review_driven(f, scope))
    oldest = conn.execute(base.offset(SEARCH_WINDOW - 1).limit(1)).first()
    walk = base.where(matches_one(conn, f.search, key)).limit(limit + 1)
    if oldest is not None:
        walk = walk.where(
            sa.tuple_(at, key) >= sa.tuple_(sa.literal(oldest.at, at.type), sa.literal(oldest.id))
        )
    return [(int(r.id), r.at) for r in conn.execute(walk)], oldest is None


def count_up_to(
    conn: Connection, f: InboxFilter, scope: Scope, deadlines: Deadlines, cap: int
) -> tuple[int, bool]:
    """How many comments the filter matches, and whether that is exact (else it is a
    lower bound). Counting stops at `cap + 1` (a number above `cap` means "more").

    A search is counted the way its page is found: among the newest `SEARCH_WINDOW` rows
    under the other filters first; a common word that fills more than a page there is
    reported as "at least" those hits, and only a rarer word has its (then small) set of
    matches counted. So a count never walks a million rows or a common word's matches.
    """
    if conn.dialect.name == "postgresql":  # see `_count`
        conn.exec_driver_sql("SET LOCAL jit = off")
    base = _base(conn, f, scope, deadlines, None)
    if not f.search.phrases:
        return _count(conn, base, cap), True
    found, complete = _window_hits(conn, f, scope, base, cap)
    if complete or len(found) > cap:
        return len(found), True
    if len(found) > COMMON_HITS:
        return len(found), False
    key = _ordering(_review_driven(f, scope))[1]
    return _count(conn, base.where(key.in_(matching_ids(conn, f.search))), cap), True


COMMON_HITS = 50
"""Window hits above which a search word counts as common (a page's worth)."""


def _count(conn: Connection, query: sa.Select[Any], cap: int) -> int:
    """Rows of `query`, up to `cap + 1`. PostgreSQL's JIT is off for counts (set by
    `count_up_to`): the planner's whole-table estimate would compile the anti-joins of
    "overdue" for seconds, for a count that stops after `cap + 1` rows."""
    limited = query.order_by(None).limit(cap + 1).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(limited)).scalar_one())
