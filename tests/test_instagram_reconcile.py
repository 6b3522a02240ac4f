"""The Instagram connector's reconcile pass against the sandbox: what an ordinary run cannot
see (the count did not change) and reconcile finds: hidings, deletions offset by new
comments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aggregator.sandbox import Sandbox
from aggregator.sandbox.instagram_world import IgComment
from tests.test_instagram_connector import Harness


@pytest.fixture
def ig(sandbox: Sandbox, sqlite_url: str) -> Iterator[Harness]:
    harness = Harness(sandbox, sqlite_url)
    yield harness
    harness.store.close()


def lone_comment(ig: Harness, hidden: bool = False) -> IgComment:
    """A shown top-level comment of the busiest media without replies."""
    world, now = ig.sandbox.instagram.ig, ig.sandbox.now()
    comments = world.comments(ig.busiest_media(), now)
    parents = {c.parent_id for c in comments}
    return next(
        c for c in comments if c.parent_id is None and c.id not in parents and c.hidden is hidden
    )


def test_a_hidden_comment_gets_the_hidden_flag_on_reconcile_and_loses_it_when_shown(
    ig: Harness,
) -> None:
    ig.sync()
    world = ig.sandbox.instagram.ig
    target = lone_comment(ig)
    world.changes.hide(target.id, True, ig.sandbox.now())
    ig.sync()
    assert not ig.rows("comment")[target.id]["hidden_upstream"], "the count did not change"
    ig.sync(reconcile=True)
    assert ig.rows("comment")[target.id]["hidden_upstream"]
    ig.sandbox.advance(60)
    world.changes.hide(target.id, False, ig.sandbox.now())
    ig.sync(reconcile=True)
    assert not ig.rows("comment")[target.id]["hidden_upstream"]


def test_a_deletion_offset_by_one_new_comment_is_found_by_reconcile(ig: Harness) -> None:
    ig.sync()
    world, now = ig.sandbox.instagram.ig, ig.sandbox.now()
    media = ig.busiest_media()
    victim = lone_comment(ig)
    count = len(world.comments(media, now))
    world.changes.delete(victim.id, now)
    new = world.add_resident_comment(media, "분리수거 요일이 바뀌었나요?", now)
    assert len(world.comments(media, now)) == count
    result = ig.sync()
    assert (result.comments.new, ig.requests("/comments")) == (0, [])
    assert ig.rows("comment")[victim.id]["deleted_upstream_at"] is None
    ig.sync(reconcile=True)
    rows = ig.rows("comment")
    assert rows[victim.id]["deleted_upstream_at"] is not None
    assert rows[new]["deleted_upstream_at"] is None
    marked = {i for i, c in rows.items() if c["deleted_upstream_at"] is not None}
    assert marked == {victim.id}
