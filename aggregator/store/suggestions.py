"""Routing suggestions: written when a comment is first stored, kept apart from review state.

A sync (or a hand entry) writes `routing_suggestion`; only staff, by accepting a
suggestion, turn it into review state (department, tags, priority, spam).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.routing import Router
from aggregator.store.bulk_insert import insert_rows
from aggregator.store.tables import SUGGESTION


def suggest(
    conn: Connection, router: Router, items: Sequence[tuple[int, str]], now: datetime
) -> int:
    """Store the rules' suggestion for each (comment id, text) that any rule matches."""
    rows: list[dict[str, Any]] = []
    for comment_id, text in items:
        found = router.suggest(text)
        if found is None:
            continue
        rows.append(
            {
                "comment_id": comment_id,
                "department": found.department,
                "tags": list(found.tags),
                "priority": found.priority,
                "spam": found.spam,
                "rules": list(found.rules),
                "created_at": now,
            }
        )
    insert_rows(conn, SUGGESTION, rows, ignore=True)
    return len(rows)


def pending(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    """The suggestion for a comment that staff have not yet accepted or dismissed."""
    row = conn.execute(
        sa.select(SUGGESTION).where(
            SUGGESTION.c.comment_id == comment_id, SUGGESTION.c.decision.is_(None)
        )
    ).first()
    return dict(row._mapping) if row else None


def decide(conn: Connection, comment_id: int, decision: str, by: str, now: datetime) -> bool:
    """Mark a pending suggestion accepted or dismissed; False when none was pending."""
    where = (SUGGESTION.c.comment_id == comment_id) & SUGGESTION.c.decision.is_(None)
    values = {"decision": decision, "decided_at": now, "decided_by": by}
    return bool(conn.execute(sa.update(SUGGESTION).where(where).values(**values)).rowcount)
