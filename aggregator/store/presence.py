"""Deletion marks from `Presence` scopes: gone upstream -> marked, never hard-deleted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.records import Presence
from aggregator.store.tables import COMMENT, POST

CHUNK = 500


def apply_presence(
    conn: Connection, account_id: int, platform: str, presence: Presence, now: datetime
) -> int:
    """Mark the scope's stored items missing from `presence.ids` deleted; return how many.

    Items listed again lose an earlier mark (a hidden comment shown again). Manually
    entered comments are never marked: no platform lists them, nor are the replies of
    `presence.partial_threads` (not all read). A `checked` scope (at most a lookup's
    100 ids) is selected by id.

    The scope's stored keys are read with one constant statement and compared here:
    a post can have tens of thousands of comments, and `NOT IN (...)` with that many
    parameters is a new statement for every size, each one kept by the driver's
    statement cache (hundreds of MB over a large backfill).
    """
    marked = 0
    for table, scope in _scopes(account_id, platform, presence):
        stored = conn.execute(
            sa.select(table.c.id, table.c.external_id, table.c.deleted_upstream_at).where(scope)
        ).all()
        listed = presence.ids
        kept = _unread_replies(conn, scope, presence.partial_threads) if table is COMMENT else set()
        missing = [
            r.id
            for r in stored
            if r.deleted_upstream_at is None and r.external_id not in listed and r.id not in kept
        ]
        back = [
            r.id for r in stored if r.deleted_upstream_at is not None and r.external_id in listed
        ]
        _set_deleted(conn, table, back, None)
        _set_deleted(conn, table, missing, now)
        marked += len(missing)
    return marked


def _unread_replies(
    conn: Connection, scope: sa.ColumnElement[bool], threads: frozenset[str]
) -> set[int]:
    """Row ids of the scope's replies under `threads` (compared here, as above)."""
    if not threads:
        return set()
    rows = conn.execute(
        sa.select(COMMENT.c.id, COMMENT.c.parent_external_id).where(
            scope & COMMENT.c.parent_external_id.is_not(None)
        )
    )
    return {r.id for r in rows if r.parent_external_id in threads}


def _set_deleted(conn: Connection, table: sa.Table, ids: list[int], when: datetime | None) -> None:
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        conn.execute(sa.update(table).where(table.c.id.in_(chunk)).values(deleted_upstream_at=when))


def _scopes(
    account_id: int, platform: str, presence: Presence
) -> list[tuple[sa.Table, sa.ColumnElement[bool]]]:
    """The tables and conditions of the scope's stored items (manual entries never)."""
    own_comments = (COMMENT.c.platform == platform) & COMMENT.c.manual_entry.is_(False)
    if presence.post_external_id is not None:
        return [(COMMENT, own_comments & (COMMENT.c.post_external_id == presence.post_external_id))]
    if presence.checked is not None:
        checked = sorted(presence.checked)
        posts = (POST.c.account_id == account_id) & POST.c.external_id.in_(checked)
        comments = (COMMENT.c.account_id == account_id) & COMMENT.c.external_id.in_(checked)
        return [(POST, posts), (COMMENT, own_comments & comments)]
    if presence.standalone:
        standalone = (
            (COMMENT.c.account_id == account_id)
            & COMMENT.c.post_external_id.is_(None)
            & (COMMENT.c.created_at >= presence.since)
        )
        return [(COMMENT, own_comments & standalone)]
    return [(POST, (POST.c.account_id == account_id) & (POST.c.created_at >= presence.since))]
