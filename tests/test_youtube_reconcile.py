"""Deletions, edits and the reconcile pass of the YouTube connector, against the sandbox
over real HTTP and a real store: what is marked, what is kept, which calls are made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from aggregator.records import Batch, CommentKind, CommentRecord, Presence
from aggregator.store import Store

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def stored_comment(external_id: str, parent: str | None = None) -> CommentRecord:
    return CommentRecord(
        platform="youtube", external_id=external_id, created_at=T0, text="주민 의견",
        kind=CommentKind.REPLY if parent else CommentKind.COMMENT,
        post_external_id="v1", parent_external_id=parent,
    )  # fmt: skip


def test_partial_threads_keep_their_unread_replies_and_mark_the_rest(store: Store) -> None:
    account_id = store.ensure_account("youtube", "youtube")
    comments = (
        stored_comment("t1"), stored_comment("t1.r1", "t1"), stored_comment("t1.r2", "t1"),
        stored_comment("t2"), stored_comment("t2.r1", "t2"), stored_comment("t3"),
    )  # fmt: skip
    store.apply_batch(account_id, Batch("comments", comments=comments))
    read = Presence(
        frozenset({"t1", "t2"}), post_external_id="v1", partial_threads=frozenset({"t1"})
    )
    assert store.apply_batch(account_id, Batch("comments", presence=(read,))).marked_deleted == 2
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT external_id, deleted_upstream_at FROM comment"))
        marked = {r.external_id for r in rows if r.deleted_upstream_at is not None}
    assert marked == {"t2.r1", "t3"}, "t1's replies were not read: never marked"


def test_partial_threads_need_a_post_scope() -> None:
    with pytest.raises(ValueError, match="partial threads"):
        Presence(frozenset(), since=T0, partial_threads=frozenset({"t1"}))
