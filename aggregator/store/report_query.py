"""The monthly report's queries: one row per resident comment of a month, and the
snapshots of closed months.

A comment's first reply is the earlier of the district's own reply being synced
(a reply by the account owner under it) and staff marking it 1차 답변 or 최종 답변;
its final answer is when staff first marked it 최종 답변. Both come from history
(`comment` and `review_event`), never from a copied column. Where an answer from the
outbox reached the resident (`answer`, posted or confirmed), its `posted_at` counts
instead of the status click; the first such 1차 답변 and 최종 답변 of each comment come
with their text, writer and approver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.answers.states import VISIBLE, AnswerKind
from aggregator.store.tables import (
    ACCOUNT,
    ANSWER,
    COMMENT,
    EVENT,
    POST,
    REVIEW,
    SNAPSHOT,
    SNAPSHOT_ROW,
    TOPIC,
)  # fmt: skip
from aggregator.store.topic_query import CURRENT_TOPIC, residents_created
from aggregator.workflow import Status

REPLY = COMMENT.alias("reply")
ANSWERS = (Status.FIRST_REPLY.value, Status.FINAL_REPLY.value)


def _owner_replies() -> sa.Subquery:
    """The first district reply to each comment, aggregated once per query.

    (A correlated subquery per comment let SQLite without statistics scan a platform's
    comments for every comment: quadratic in the month's size.)
    """
    return (
        sa.select(
            REPLY.c.platform,
            REPLY.c.parent_external_id,
            sa.func.min(REPLY.c.created_at).label("replied_at"),
        )
        .where(REPLY.c.by_account_owner.is_(True), REPLY.c.parent_external_id.is_not(None))
        .group_by(REPLY.c.platform, REPLY.c.parent_external_id)
        .subquery("owner_reply")
    )


ANSWER_COLUMNS = ("text", "posted_at", "written_by", "approved_by")
"""What each row carries of its first visible answer of a kind (as `first_*`/`final_*`)."""
FIRST_ANSWER = ANSWER.alias("first_answer")
FINAL_ANSWER = ANSWER.alias("final_answer")


def _first_visible(kind: AnswerKind) -> sa.ScalarSelect[Any]:
    """The id of the first answer of `kind` the comment showed the resident (posted or
    confirmed; earliest `posted_at`): an index lookup per comment (`ix_answer_comment`),
    whose answer is then joined by its primary key. (A month's answers ranked with a
    window function and joined had SQLite scan them for every comment.)"""
    return (
        sa.select(ANSWER.c.id)
        .where(
            ANSWER.c.comment_id == COMMENT.c.id,
            ANSWER.c.state.in_([s.value for s in VISIBLE]),
            ANSWER.c.kind == kind.value,
            ANSWER.c.posted_at.is_not(None),
        )
        .order_by(ANSWER.c.posted_at, ANSWER.c.id)
        .limit(1)
        .scalar_subquery()
    )


def _event_at(statuses: tuple[str, ...]) -> sa.ScalarSelect[Any]:
    return (
        sa.select(sa.func.min(EVENT.c.at))
        .where(EVENT.c.comment_id == COMMENT.c.id, EVENT.c.to_status.in_(statuses))
        .scalar_subquery()
    )


class CommentRow(NamedTuple):
    """One row of `comment_rows` (a plain tuple: a month's 100,000 rows are read by
    attribute many times, and a SQLAlchemy `Row` is several times slower at that)."""

    id: int
    platform: str
    account: str
    post_title: str | None
    post_text: str | None
    post_url: str | None
    thread: str | None
    text: str | None
    author_id: str | None
    author_name: str | None
    author_handle: str | None
    created_at: datetime
    status: str
    department: str | None
    assignee: str | None
    deadline: datetime | None
    priority: str | None
    owner_reply_at: datetime | None
    answer_event_at: datetime | None
    final_answer_at: datetime | None
    nouns: str | None
    first_text: str | None
    first_posted_at: datetime | None
    first_written_by: str | None
    first_approved_by: str | None
    final_text: str | None
    final_posted_at: datetime | None
    final_written_by: str | None
    final_approved_by: str | None


STREAM_CHUNK = 1000
"""Rows fetched at a time (a server-side cursor on PostgreSQL): a month never sits in
memory whole."""


def comment_rows(conn: Connection, start: datetime, end: datetime) -> Iterator[CommentRow]:
    """Every resident comment created in [start, end), oldest first, with its post,
    account, review state, first district reply, first and final answer events, and
    its analysed nouns (None when its text has not been analysed as it is now), and
    its first visible 1차 답변 and 최종 답변 (text, posting time, writer, approver).

    Rows are streamed: consume them while `conn` is open."""
    owner = _owner_replies()
    query = (
        sa.select(*_comment_columns(owner))
        .select_from(_comment_joins(owner))
        .where(*residents_created(start, end))
        .order_by(COMMENT.c.created_at, COMMENT.c.id)
    )
    result = conn.execution_options(yield_per=STREAM_CHUNK).execute(query)
    if tuple(result.keys()) != CommentRow._fields:  # pragma: no cover - a programming error
        raise RuntimeError(f"report query columns {tuple(result.keys())} != CommentRow")
    make = CommentRow._make
    for row in result:
        yield make(row)


def _comment_columns(owner: sa.Subquery) -> list[sa.ColumnElement[Any]]:
    """The columns of `CommentRow`, in its order."""
    first, final = FIRST_ANSWER, FINAL_ANSWER
    return [
        COMMENT.c.id,
        COMMENT.c.platform,
        ACCOUNT.c.name.label("account"),
        POST.c.title.label("post_title"),
        POST.c.text.label("post_text"),
        POST.c.url.label("post_url"),
        COMMENT.c.parent_external_id.label("thread"),
        COMMENT.c.text,
        COMMENT.c.author_id,
        COMMENT.c.author_name,
        COMMENT.c.author_handle,
        COMMENT.c.created_at,
        sa.func.coalesce(REVIEW.c.status, Status.NEW.value).label("status"),
        REVIEW.c.department,
        REVIEW.c.assignee,
        REVIEW.c.deadline,
        REVIEW.c.priority,
        owner.c.replied_at.label("owner_reply_at"),
        _event_at(ANSWERS).label("answer_event_at"),
        _event_at((Status.FINAL_REPLY.value,)).label("final_answer_at"),
        TOPIC.c.nouns,
        *(first.c[name].label(f"first_{name}") for name in ANSWER_COLUMNS),
        *(final.c[name].label(f"final_{name}") for name in ANSWER_COLUMNS),
    ]


def _comment_joins(owner: sa.Subquery) -> sa.Join:
    """Each comment with its account, and (when there are) its post, review, first
    district reply (`owner`), current nouns and first visible answers of each kind."""
    first, final = FIRST_ANSWER, FINAL_ANSWER
    return (
        COMMENT.join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id)
        .outerjoin(POST, POST.c.id == COMMENT.c.post_id)
        .outerjoin(REVIEW, REVIEW.c.comment_id == COMMENT.c.id)
        .outerjoin(
            owner,
            (owner.c.platform == COMMENT.c.platform)
            & (owner.c.parent_external_id == COMMENT.c.external_id),
        )
        .outerjoin(TOPIC, CURRENT_TOPIC)
        .outerjoin(first, first.c.id == _first_visible(AnswerKind.FIRST))
        .outerjoin(final, final.c.id == _first_visible(AnswerKind.FINAL))
    )


def snapshot(conn: Connection, month: str) -> dict[str, Any] | None:
    """A closed month's snapshot row (month, closed_at, closed_by, payload), or None."""
    row = conn.execute(sa.select(SNAPSHOT).where(SNAPSHOT.c.month == month)).first()
    return dict(row._mapping) if row is not None else None


def closed_months(conn: Connection) -> list[dict[str, Any]]:
    """Every closed month with who closed it and when, newest first (no payloads)."""
    query = sa.select(SNAPSHOT.c.month, SNAPSHOT.c.closed_at, SNAPSHOT.c.closed_by).order_by(
        SNAPSHOT.c.month.desc()
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def snapshot_rows(conn: Connection, month: str) -> Iterator[str]:
    """A closed month's frozen rows (JSON text each), in report order; streamed."""
    query = (
        sa.select(SNAPSHOT_ROW.c.payload)
        .where(SNAPSHOT_ROW.c.month == month)
        .order_by(SNAPSHOT_ROW.c.seq)
    )
    yield from conn.execution_options(yield_per=STREAM_CHUNK).execute(query).scalars()


def insert_snapshot(
    conn: Connection, month: str, payload: str, closed_by: str, now: datetime
) -> bool:
    """Freeze a month's figures; False (and nothing written) when it is already closed.
    Its rows follow with `insert_snapshot_rows`, in the same transaction."""
    if snapshot(conn, month) is not None:
        return False
    conn.execute(
        sa.insert(SNAPSHOT).values(
            month=month, payload=payload, closed_by=closed_by[:64], closed_at=now
        )
    )
    return True


def insert_snapshot_rows(
    conn: Connection, month: str, rows: Sequence[tuple[int, int, str]]
) -> None:
    """Frozen rows of a month just closed: (seq, comment id, JSON text) each."""
    if rows:
        conn.execute(
            sa.insert(SNAPSHOT_ROW),
            [{"month": month, "seq": s, "comment_id": c, "payload": p} for s, c, p in rows],
        )


def set_snapshot_payload(conn: Connection, month: str, payload: str) -> None:
    """The frozen figures of a month being closed."""
    conn.execute(sa.update(SNAPSHOT).where(SNAPSHOT.c.month == month).values(payload=payload))


def delete_snapshot(conn: Connection, month: str) -> bool:
    """Reopen a month; False when it was not closed."""
    conn.execute(sa.delete(SNAPSHOT_ROW).where(SNAPSHOT_ROW.c.month == month))
    return bool(conn.execute(sa.delete(SNAPSHOT).where(SNAPSHOT.c.month == month)).rowcount)
