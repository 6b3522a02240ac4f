"""A comment's review row and its history: read it (created as 신규 on first touch, locked
for the transaction) and write a change to it together with one `review_event`.

The steps that decide what may change are `aggregator.store.reviews` (review actions) and
`aggregator.store.answers_repo` (answers); both write through `record`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store import open_items
from aggregator.store.tables import COMMENT, EVENT, REVIEW, conflict_insert
from aggregator.workflow import Actor, Status, WorkflowError


def load(conn: Connection, comment_id: int, now: datetime) -> dict[str, Any]:
    """The review row, created (as 신규) on first touch; locked for this transaction."""
    comment = conn.execute(
        sa.select(COMMENT.c.created_at, COMMENT.c.by_account_owner).where(
            COMMENT.c.id == comment_id
        )
    ).first()
    if comment is None or comment.by_account_owner:
        raise WorkflowError("없는 항목입니다")
    conn.execute(
        conflict_insert(conn, REVIEW)
        .values(
            comment_id=comment_id,
            status=Status.NEW.value,
            updated_at=now,
            comment_created_at=comment.created_at,
        )
        .on_conflict_do_nothing()
    )
    query = sa.select(REVIEW).where(REVIEW.c.comment_id == comment_id).with_for_update()
    return dict(conn.execute(query).one()._mapping)


def record(
    conn: Connection,
    actor: Actor,
    current: dict[str, Any],
    now: datetime,
    event: tuple[str, dict[str, Any]],
    **values: Any,
) -> None:
    """Write the review row's new values and the history event in one go."""
    comment_id = current["comment_id"]
    values.update(updated_at=now, updated_by=actor.name)
    conn.execute(sa.update(REVIEW).where(REVIEW.c.comment_id == comment_id).values(**values))
    if {"status", "department", "deadline"} & values.keys():
        open_items.refresh(conn, [comment_id])
    action, detail = event
    conn.execute(
        sa.insert(EVENT).values(
            comment_id=comment_id,
            at=now,
            actor=actor.name,
            action=action,
            from_status=current["status"],
            to_status=values.get("status", current["status"]),
            detail=detail,
        )
    )
