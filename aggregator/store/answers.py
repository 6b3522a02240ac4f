"""The answers outbox in SQL: answer rows, their due list for the worker, templates.

Rules (who may do what, which state follows which) live in `aggregator.answers`; these
functions only read and write rows inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.answers.states import IN_FLIGHT, VISIBLE, AnswerState
from aggregator.store import open_items
from aggregator.store.tables import ACCOUNT, ANSWER, ANSWER_TEMPLATE, COMMENT, LOG, REVIEW

PARENT = COMMENT.alias("parent")


def insert(conn: Connection, **values: Any) -> int:
    """Store a new answer row; return its id."""
    inserted = conn.execute(sa.insert(ANSWER).returning(ANSWER.c.id).values(**values))
    answer_id = int(inserted.scalar_one())
    open_items.refresh(conn, [int(values["comment_id"])])
    return answer_id


def get(conn: Connection, answer_id: int, for_update: bool = False) -> dict[str, Any] | None:
    """One answer row as a mapping (locked for this transaction when asked)."""
    query = sa.select(ANSWER).where(ANSWER.c.id == answer_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


def update(conn: Connection, answer_id: int, expected_state: str, **values: Any) -> bool:
    """Change an answer if it is still in `expected_state`; False when it moved meanwhile."""
    where = (ANSWER.c.id == answer_id) & (ANSWER.c.state == expected_state)
    changed = bool(conn.execute(sa.update(ANSWER).where(where).values(**values)).rowcount)
    if changed and "state" in values:  # a visible answer closes the item
        comment = sa.select(ANSWER.c.comment_id).where(ANSWER.c.id == answer_id)
        open_items.refresh(conn, [int(conn.execute(comment).scalar_one())])
    return changed


def in_flight(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """The comment's answer still on its way (draft to needs_check), if any."""
    query = sa.select(ANSWER).where(
        ANSWER.c.comment_id == comment_id, ANSWER.c.state.in_([s.value for s in IN_FLIGHT])
    )
    row = conn.execute(query.limit(1)).first()
    return dict(row._mapping) if row is not None else None


def for_comment(conn: Connection, comment_id: int) -> list[dict[str, Any]]:
    """Every answer to a comment, oldest first, with `synced`: the sync has read it back."""
    synced = sa.exists(
        sa.select(sa.literal(1)).where(
            COMMENT.c.external_id == ANSWER.c.reply_external_id,
            COMMENT.c.by_account_owner.is_(True),
        )
    )
    query = (
        sa.select(ANSWER, synced.label("synced"))
        .where(ANSWER.c.comment_id == comment_id)
        .order_by(ANSWER.c.id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def due(conn: Connection, now: datetime, accounts: Collection[str], limit: int) -> list[int]:
    """Answers to comments of `accounts` (those with a writer) whose next attempt is due:
    those left `sending` (a crash, or a read-back that failed) first, then approved ones,
    oldest first."""
    left_sending = ANSWER.c.state == AnswerState.SENDING.value
    waiting = ANSWER.c.state.in_([AnswerState.SENDING.value, AnswerState.APPROVED.value])
    is_due = waiting & (ANSWER.c.next_attempt_at.is_(None) | (ANSWER.c.next_attempt_at <= now))
    query = (
        sa.select(ANSWER.c.id)
        .select_from(
            ANSWER.join(COMMENT, COMMENT.c.id == ANSWER.c.comment_id).join(
                ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id
            )
        )
        .where(is_due, ACCOUNT.c.name.in_(list(accounts)))
        .order_by(sa.case((left_sending, 0), else_=1), ANSWER.c.id)
        .limit(limit)
    )
    return [int(i) for i in conn.execute(query).scalars()]


def stranded(conn: Connection, accounts: Collection[str], limit: int) -> list[int]:
    """Answers left `sending` whose account has no writer now (`accounts`: those with one):
    nobody can read them back or send them, so a person must check them."""
    query = (
        sa.select(ANSWER.c.id)
        .select_from(
            ANSWER.join(COMMENT, COMMENT.c.id == ANSWER.c.comment_id).join(
                ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id
            )
        )
        .where(ANSWER.c.state == AnswerState.SENDING.value, ACCOUNT.c.name.not_in(list(accounts)))
        .order_by(ANSWER.c.id)
        .limit(limit)
    )
    return [int(i) for i in conn.execute(query).scalars()]


def target_row(conn: Connection, comment_id: int) -> dict[str, Any]:
    """What a reply target is built from: the comment, its account, and whether its
    parent is a stored comment (not a post)."""
    query = (
        sa.select(
            ACCOUNT.c.name.label("account"),
            COMMENT.c.platform,
            COMMENT.c.external_id,
            COMMENT.c.kind,
            COMMENT.c.parent_external_id,
            COMMENT.c.post_external_id,
            COMMENT.c.author_handle,
            COMMENT.c.manual_entry,
            PARENT.c.id.is_not(None).label("parent_is_comment"),
        )
        .select_from(
            COMMENT.join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id).outerjoin(
                PARENT,
                (PARENT.c.platform == COMMENT.c.platform)
                & (PARENT.c.external_id == COMMENT.c.parent_external_id),
            )
        )
        .where(COMMENT.c.id == comment_id)
    )
    return dict(conn.execute(query).one()._mapping)


def visible_answer_at(conn: Connection, comment_id: int) -> datetime | None:
    """When the resident first saw an answer to the comment (posted or confirmed)."""
    query = sa.select(sa.func.min(ANSWER.c.posted_at)).where(
        ANSWER.c.comment_id == comment_id, ANSWER.c.state.in_([s.value for s in VISIBLE])
    )
    value: datetime | None = conn.execute(query).scalar_one()
    return value


def insert_template(conn: Connection, **values: Any) -> int:
    """Store a new answer template; return its id."""
    query = sa.insert(ANSWER_TEMPLATE).returning(ANSWER_TEMPLATE.c.id).values(**values)
    return int(conn.execute(query).scalar_one())


def templates(conn: Connection, department: str | None) -> list[dict[str, Any]]:
    """Active templates for a department (its own and the office-wide ones), by title."""
    where = ANSWER_TEMPLATE.c.active.is_(True) & (
        ANSWER_TEMPLATE.c.department.is_(None) | (ANSWER_TEMPLATE.c.department == department)
    )
    query = sa.select(ANSWER_TEMPLATE).where(where).order_by(ANSWER_TEMPLATE.c.title)
    return [dict(row._mapping) for row in conn.execute(query)]


def get_template(
    conn: Connection, template_id: int, for_update: bool = False
) -> dict[str, Any] | None:
    """One template row as a mapping (locked for this transaction when asked)."""
    query = sa.select(ANSWER_TEMPLATE).where(ANSWER_TEMPLATE.c.id == template_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


def all_templates(conn: Connection) -> list[dict[str, Any]]:
    """Every template, retired ones too: active first, office-wide before departmental,
    then by department and title (the office's management list)."""
    query = sa.select(ANSWER_TEMPLATE).order_by(
        ANSWER_TEMPLATE.c.active.desc(),
        ANSWER_TEMPLATE.c.department.is_not(None),
        ANSWER_TEMPLATE.c.department,
        ANSWER_TEMPLATE.c.title,
        ANSWER_TEMPLATE.c.id,
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def update_template(conn: Connection, template_id: int, **values: Any) -> bool:
    """Change a template's title, body or department; False when there is no such template."""
    query = sa.update(ANSWER_TEMPLATE).where(ANSWER_TEMPLATE.c.id == template_id).values(**values)
    return bool(conn.execute(query).rowcount)


def template_changes(conn: Connection, actions: Collection[str]) -> dict[int, dict[str, Any]]:
    """The last change of each template as the access log records it ({id: {at, staff}}):
    the newest record among `actions` per `answer_template:<id>` target."""
    latest = (
        sa.select(sa.func.max(LOG.c.id))
        .where(LOG.c.action.in_(list(actions)), LOG.c.target.like("answer_template:%"))
        .group_by(LOG.c.target)
    )
    query = sa.select(LOG.c.target, LOG.c.at, LOG.c.staff).where(LOG.c.id.in_(latest))
    changes: dict[int, dict[str, Any]] = {}
    for target, at, staff in conn.execute(query):
        number = str(target).removeprefix("answer_template:")
        if number.isdigit():
            changes[int(number)] = {"at": at, "staff": staff}
    return changes


def set_template_active(conn: Connection, template_id: int, active: bool) -> bool:
    """Retire (or bring back) a template; False when there is no such template."""
    query = (
        sa.update(ANSWER_TEMPLATE).where(ANSWER_TEMPLATE.c.id == template_id).values(active=active)
    )
    return bool(conn.execute(query).rowcount)


def link_synced_replies(conn: Connection, platform: str, replies: Mapping[str, int]) -> int:
    """Link the district's replies a sync just stored ({external id: comment id}) to the
    answers they are; return how many were linked.

    One SELECT finds the page's unlinked answers by reply id (usually none; through the
    reply-id index, so its cost does not grow with the store), one executemany links
    them: a statement per reply cost more than the page's upsert.
    """
    if not replies:
        return 0
    # The platform is read per answer found, not joined: joined, SQLite's planner walked
    # every stored comment of the platform to probe `answer` (a page's cost grew with
    # the store, 2.3 ms per page at 30,000 comments on an empty `answer` table).
    answered_platform = (
        sa.select(COMMENT.c.platform).where(COMMENT.c.id == ANSWER.c.comment_id).scalar_subquery()
    )
    query = sa.select(ANSWER.c.id, ANSWER.c.reply_external_id).where(
        ANSWER.c.reply_external_id.in_(list(replies)),
        ANSWER.c.reply_comment_id.is_(None),
        answered_platform == platform,
    )
    links = [
        {"answer": int(answer_id), "reply": replies[str(external_id)]}
        for answer_id, external_id in conn.execute(query)
    ]
    if not links:
        return 0
    statement = (
        sa.update(ANSWER)
        .where(ANSWER.c.id == sa.bindparam("answer"), ANSWER.c.reply_comment_id.is_(None))
        .values(reply_comment_id=sa.bindparam("reply"))
    )
    conn.execute(statement, links)
    return len(links)


def link_posted(conn: Connection, answer_id: int, external_id: str) -> None:
    """Link a just-posted answer to its reply if a sync already stored it."""
    answer = ANSWER.alias("posted")
    resident = COMMENT.alias("resident")
    synced = (
        sa.select(COMMENT.c.id)
        .select_from(answer.join(resident, resident.c.id == answer.c.comment_id))
        .where(
            answer.c.id == answer_id,
            COMMENT.c.platform == resident.c.platform,
            COMMENT.c.external_id == external_id,
        )
        .scalar_subquery()
    )
    conn.execute(sa.update(ANSWER).where(ANSWER.c.id == answer_id).values(reply_comment_id=synced))


def _queue_where(states: Collection[str], department: str | None) -> sa.ColumnElement[bool]:
    where: sa.ColumnElement[bool] = ANSWER.c.state.in_(list(states))
    if department is not None:
        where = sa.and_(where, REVIEW.c.department == department)
    return where


def _queue_from() -> sa.FromClause:
    return (
        ANSWER.join(COMMENT, COMMENT.c.id == ANSWER.c.comment_id)
        .join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id)
        .outerjoin(REVIEW, REVIEW.c.comment_id == ANSWER.c.comment_id)
    )


def queue(
    conn: Connection, states: Collection[str], department: str | None, limit: int
) -> list[dict[str, Any]]:
    """Answers in `states` (of `department`'s items when given), oldest first, with their
    comment's text, platform, account and department."""
    query = (
        sa.select(
            ANSWER,
            COMMENT.c.text.label("comment_text"),
            COMMENT.c.platform,
            COMMENT.c.manual_entry,
            ACCOUNT.c.name.label("account"),
            REVIEW.c.department,
        )
        .select_from(_queue_from())
        .where(_queue_where(states, department))
        .order_by(ANSWER.c.created_at, ANSWER.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def queue_count(conn: Connection, states: Collection[str], department: str | None) -> int:
    """How many answers `queue` would list without a limit."""
    query = (
        sa.select(sa.func.count())
        .select_from(_queue_from())
        .where(_queue_where(states, department))
    )
    return int(conn.execute(query).scalar_one())


def state_counts(conn: Connection) -> dict[str, int]:
    """Answers per state (states without answers left out)."""
    query = sa.select(ANSWER.c.state, sa.func.count()).group_by(ANSWER.c.state)
    return {str(state): int(n) for state, n in conn.execute(query)}
