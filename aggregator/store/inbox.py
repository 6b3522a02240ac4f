"""Reading the inbox: page rows, counts per status, and one comment's thread."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.inbox_query import Scope, answered, status_expr
from aggregator.store.tables import (
    ACCOUNT,
    ANSWER,
    COMMENT,
    EVENT,
    NOTE,
    POST,
    REVIEW,
    REVISION,
    SUGGESTION,
    TAG,
)
from aggregator.workflow import Status

SIBLING_LIMIT = 20
PARENT_DEPTH = 10

LIST_COLUMNS = (
    COMMENT.c.id,
    COMMENT.c.platform,
    COMMENT.c.external_id,
    COMMENT.c.kind,
    COMMENT.c.post_id,
    COMMENT.c.parent_external_id,
    COMMENT.c.author_name,
    COMMENT.c.author_handle,
    COMMENT.c.text,
    COMMENT.c.created_at,
    COMMENT.c.permalink,
    COMMENT.c.manual_entry,
    COMMENT.c.entered_by,
    COMMENT.c.deleted_upstream_at,
    COMMENT.c.hidden_upstream,
    COMMENT.c.by_account_owner,
)


def rows_for(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Display rows for the given comment ids, in the given order, with review state,
    account, post title, the derived `answered`, tags and any pending suggestion."""
    if not ids:
        return []
    query = (
        sa.select(
            *LIST_COLUMNS,
            status_expr().label("status"),
            REVIEW.c.department,
            REVIEW.c.assignee,
            REVIEW.c.priority,
            REVIEW.c.deadline,
            REVIEW.c.claimed_by,
            REVIEW.c.claimed_until,
            REVIEW.c.reason,
            REVIEW.c.complaint_ref,
            ACCOUNT.c.name.label("account"),
            POST.c.title.label("post_title"),
            POST.c.url.label("post_url"),
            answered().label("answered"),
            SUGGESTION.c.department.label("suggested_department"),
            SUGGESTION.c.spam.label("suggested_spam"),
            SUGGESTION.c.decision.label("suggestion_decision"),
        )
        .select_from(
            COMMENT.outerjoin(REVIEW, REVIEW.c.comment_id == COMMENT.c.id)
            .join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id)
            .outerjoin(POST, POST.c.id == COMMENT.c.post_id)
            .outerjoin(SUGGESTION, SUGGESTION.c.comment_id == COMMENT.c.id)
        )
        .where(COMMENT.c.id.in_(list(ids)))
    )
    by_id = {row.id: dict(row._mapping) for row in conn.execute(query)}
    tags = tags_for(conn, ids)
    for row in by_id.values():
        row["tags"] = tags.get(row["id"], [])
        row["answered"] = bool(row["answered"])
        row["has_suggestion"] = row["suggestion_decision"] is None and (
            row["suggested_department"] is not None or bool(row["suggested_spam"])
        )
    return [by_id[i] for i in ids if i in by_id]


def tags_for(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    """Tags per comment id."""
    found: dict[int, list[str]] = defaultdict(list)
    query = sa.select(TAG.c.comment_id, TAG.c.tag).where(TAG.c.comment_id.in_(list(ids)))
    for comment_id, tag in conn.execute(query.order_by(TAG.c.tag)):
        found[int(comment_id)].append(tag)
    return found


def status_counts(conn: Connection, scope: Scope) -> dict[str, int]:
    """How many residents' comments are in each status (within the viewer's scope)."""
    counts = dict.fromkeys((s.value for s in Status), 0)
    reviewed = sa.select(REVIEW.c.status, sa.func.count()).group_by(REVIEW.c.status)
    if scope.restricted:
        reviewed = reviewed.where(REVIEW.c.department == scope.department)
    for status, count in conn.execute(reviewed):
        counts[status] = counts.get(status, 0) + int(count)
    if not scope.restricted:  # both counts are index-only (ix_comment_owner is partial)
        total = conn.execute(sa.select(sa.func.count()).select_from(COMMENT)).scalar_one()
        district = conn.execute(
            sa.select(sa.func.count()).where(COMMENT.c.by_account_owner == sa.true())
        ).scalar_one()
        without_review = int(total) - int(district) - sum(counts.values())
        counts[Status.NEW.value] += max(without_review, 0)
    return counts


def thread(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """One comment in its context: post, parent chain, siblings, replies, revisions,
    review state, tags, notes, history and the pending suggestion."""
    found = rows_for(conn, [comment_id])
    if not found:
        return None
    item = found[0]
    post = conn.execute(sa.select(POST).where(POST.c.id == item["post_id"])).first()
    return {
        "item": item,
        "post": dict(post._mapping) if post else None,
        "parents": _parents(conn, item),
        "siblings": _siblings(conn, item),
        "replies": _children(conn, item["platform"], item["external_id"]),
        "revisions": _revisions(conn, comment_id),
        "notes": _all(conn, _of(NOTE, comment_id).order_by(NOTE.c.id)),
        "history": _all(conn, _of(EVENT, comment_id).order_by(EVENT.c.id)),
        "suggestion": _one(conn, _of(SUGGESTION, comment_id)),
    }


def _of(table: sa.Table, comment_id: int) -> sa.Select[Any]:
    return sa.select(table).where(table.c.comment_id == comment_id)


def _all(conn: Connection, query: sa.Select[Any]) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(query)]


def _one(conn: Connection, query: sa.Select[Any]) -> dict[str, Any] | None:
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def _parents(conn: Connection, item: dict[str, Any]) -> list[dict[str, Any]]:
    """The chain of comments this one replies to, the oldest ancestor first."""
    chain: list[dict[str, Any]] = []
    parent = item["parent_external_id"]
    while parent and len(chain) < PARENT_DEPTH:
        row = _one(
            conn,
            sa.select(*LIST_COLUMNS).where(
                COMMENT.c.platform == item["platform"], COMMENT.c.external_id == parent
            ),
        )
        if row is None:
            break
        chain.append(row)
        parent = row["parent_external_id"]
    return list(reversed(chain))


def _siblings(conn: Connection, item: dict[str, Any]) -> list[dict[str, Any]]:
    """Other comments with the same parent (or on the same post, at the top level)."""
    same_parent = (
        COMMENT.c.parent_external_id == item["parent_external_id"]
        if item["parent_external_id"]
        else sa.and_(COMMENT.c.parent_external_id.is_(None), COMMENT.c.post_id == item["post_id"])
    )
    if item["post_id"] is None and not item["parent_external_id"]:
        return []
    query = (
        sa.select(*LIST_COLUMNS)
        .where(COMMENT.c.platform == item["platform"], same_parent, COMMENT.c.id != item["id"])
        .order_by(COMMENT.c.created_at.desc())
        .limit(SIBLING_LIMIT)
    )
    return list(reversed(_all(conn, query)))


def _children(conn: Connection, platform: str, external_id: str) -> list[dict[str, Any]]:
    """Replies to the comment, the district's own marked by `by_account_owner`, and those
    posted from the inbox by `answer_id` (the answer they are: not a second answer)."""
    query = (
        sa.select(*LIST_COLUMNS, ANSWER.c.id.label("answer_id"))
        .select_from(COMMENT.outerjoin(ANSWER, ANSWER.c.reply_comment_id == COMMENT.c.id))
        .where(COMMENT.c.platform == platform, COMMENT.c.parent_external_id == external_id)
        .order_by(COMMENT.c.created_at)
        .limit(100)
    )
    return _all(conn, query)


def _revisions(conn: Connection, comment_id: int) -> list[dict[str, Any]]:
    query = (
        sa.select(REVISION)
        .where(REVISION.c.item_type == "comment", REVISION.c.item_id == comment_id)
        .order_by(REVISION.c.replaced_at.desc())
    )
    return _all(conn, query)
