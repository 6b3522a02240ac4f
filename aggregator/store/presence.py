"""Deletion marks from `Presence` scopes: gone upstream -> marked, never hard-deleted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.records import Presence
from aggregator.store.tables import COMMENT, POST


def apply_presence(
    conn: Connection, account_id: int, platform: str, presence: Presence, now: datetime
) -> int:
    """Mark the scope's stored items missing from `presence.ids` deleted; return how many.

    Items listed again lose an earlier mark (a hidden comment shown again). Manually
    entered comments are never marked: no platform lists them.
    """
    table, scope = _scope(account_id, platform, presence)
    listed = list(presence.ids)
    missing = scope & table.c.deleted_upstream_at.is_(None)
    if listed:
        missing &= table.c.external_id.not_in(listed)
        conn.execute(
            sa.update(table)
            .where(scope, table.c.external_id.in_(listed), table.c.deleted_upstream_at.is_not(None))
            .values(deleted_upstream_at=None)
        )
    return int(
        conn.execute(sa.update(table).where(missing).values(deleted_upstream_at=now)).rowcount
    )


def _scope(
    account_id: int, platform: str, presence: Presence
) -> tuple[sa.Table, sa.ColumnElement[bool]]:
    if presence.post_external_id is not None:
        scope = (
            (COMMENT.c.platform == platform)
            & (COMMENT.c.post_external_id == presence.post_external_id)
            & COMMENT.c.manual_entry.is_(False)
        )
        return COMMENT, scope
    scope = (POST.c.account_id == account_id) & (POST.c.created_at >= presence.since)
    return POST, scope
