"""Analysed topic nouns of comments (`comment_topic`): which comments still need
analysing, and storing what the analysis found.

New comments are found above the newest analysed id (ids only grow, and a comment is
analysed once); edited ones through their `content_revision` rows (edits are rare),
so neither query scans the whole comment table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.tables import COMMENT, REVISION, TOPIC, conflict_insert


@dataclass(frozen=True)
class TopicItem:
    """A comment whose text needs analysing."""

    comment_id: int
    text: str
    content_hash: str
    by_account_owner: bool


COLUMNS = (COMMENT.c.id, COMMENT.c.text, COMMENT.c.content_hash, COMMENT.c.by_account_owner)
CURRENT_TOPIC = (TOPIC.c.comment_id == COMMENT.c.id) & (
    TOPIC.c.content_hash == COMMENT.c.content_hash
)
"""Join condition: the comment's topic row, if it was analysed from its current text."""


def residents_created(start: datetime, end: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    """WHERE conditions: resident comments (not the district's own) created in [start, end)."""
    return (
        COMMENT.c.by_account_owner.is_(False),
        COMMENT.c.created_at >= start,
        COMMENT.c.created_at < end,
    )


def _items(conn: Connection, query: sa.Select[Any]) -> list[TopicItem]:
    return [TopicItem(int(r.id), r.text or "", r.content_hash, bool(r.by_account_owner))
            for r in conn.execute(query)]  # fmt: skip


def new_comments(conn: Connection, limit: int) -> list[TopicItem]:
    """Comments above the newest analysed one, oldest first."""
    newest = sa.select(sa.func.coalesce(sa.func.max(TOPIC.c.comment_id), 0)).scalar_subquery()
    query = sa.select(*COLUMNS).where(COMMENT.c.id > newest).order_by(COMMENT.c.id).limit(limit)
    return _items(conn, query)


def edited_comments(conn: Connection, limit: int) -> list[TopicItem]:
    """Analysed comments whose text has changed since."""
    edited = (
        sa.select(REVISION.c.item_id)
        .join(TOPIC, TOPIC.c.comment_id == REVISION.c.item_id)
        .join(COMMENT, COMMENT.c.id == REVISION.c.item_id)
        .where(REVISION.c.item_type == "comment", TOPIC.c.content_hash != COMMENT.c.content_hash)
    )
    query = sa.select(*COLUMNS).where(COMMENT.c.id.in_(edited)).order_by(COMMENT.c.id).limit(limit)
    return _items(conn, query)


def pending_in(conn: Connection, start: datetime, end: datetime) -> int:
    """Resident comments created in [start, end) without nouns for their current text."""
    query = (
        sa.select(sa.func.count())
        .select_from(COMMENT.outerjoin(TOPIC, CURRENT_TOPIC))
        .where(*residents_created(start, end), TOPIC.c.comment_id.is_(None))
    )
    return int(conn.execute(query).scalar_one())


def save(conn: Connection, results: Sequence[tuple[TopicItem, str]], now: datetime) -> None:
    """Store (or replace) the nouns found for each comment's text as it was read
    (comments deleted meanwhile are skipped; a text edited meanwhile keeps its old
    hash here, so it counts as not analysed and is analysed again)."""
    ids = [item.comment_id for item, _ in results]
    alive = set(conn.execute(sa.select(COMMENT.c.id).where(COMMENT.c.id.in_(ids))).scalars())
    results = [(item, nouns) for item, nouns in results if item.comment_id in alive]
    if not results:
        return
    statement = conflict_insert(conn, TOPIC)
    statement = statement.on_conflict_do_update(
        index_elements=[TOPIC.c.comment_id],
        set_={name: statement.excluded[name] for name in ("content_hash", "nouns", "analyzed_at")},
    )
    conn.execute(
        statement,
        [
            {"comment_id": item.comment_id, "content_hash": item.content_hash,
             "nouns": nouns, "analyzed_at": now}
            for item, nouns in results
        ],
    )  # fmt: skip
