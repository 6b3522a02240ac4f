"""The Facebook connector over real HTTP against the sandbox's Graph API, into a real store.

First sync, incremental syncs, late comments, edits, deletions, visitor posts, and the
requests each run makes (since passed, paging stopped, calls per sync). Error classes
are in `test_facebook_errors.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from aggregator.records import Batch
from aggregator.sandbox import Sandbox
from connectors.facebook.connector import COMMENT_FIELDS
from connectors.facebook.mapping import parse_time
from tests.facebook_harness import PAGE, FacebookHarness


@pytest.fixture
def fb(sandbox: Sandbox, db_url: str) -> Iterator[FacebookHarness]:
    harness = FacebookHarness(sandbox, db_url)
    yield harness
    harness.close()


def since_of(fb: FacebookHarness) -> datetime | None:
    listing = fb.graph_requests("/published_posts")[0]
    value = listing.query.get("since")
    return None if value is None else datetime.fromtimestamp(int(value[0])).astimezone()


# -- first sync -------------------------------------------------------------------------


def test_first_sync_stores_every_post_and_comment_with_threads(fb: FacebookHarness) -> None:
    expected = fb.visible_comments()
    result = fb.sync()
    assert result.ok, result.error
    assert set(fb.posts()) == set(fb.sandbox.graph.post_ids())
    comments = fb.comments()
    assert set(comments) == set(expected)
    for node, comment in expected.items():
        assert comments[node]["parent_external_id"] == comment.parent_node
        assert comments[node]["post_external_id"] == comment.post_node
        assert comments[node]["text"] == comment.message
    assert all(c["post_id"] is not None for c in comments.values()), "linked to stored posts"
    assert result.comments.new == len(expected)


def test_the_districts_replies_are_marked_and_linked_to_what_they_answer(
    fb: FacebookHarness,
) -> None:
    fb.sync()
    comments = fb.comments()
    answers = [c for c in comments.values() if c["by_account_owner"]]
    assert answers
    assert all(c["author_id"] == PAGE for c in answers)
    replies = [c for c in answers if c["parent_external_id"]]
    assert replies
    assert all(c["parent_external_id"] in comments for c in replies)
    assert all(c["kind"] == "reply" for c in replies)


def test_hidden_comments_are_stored_with_their_flag(fb: FacebookHarness) -> None:
    node = next(iter(fb.visible_comments()))
    fb.sandbox.graph.world.hide(node)
    fb.sync()
    assert fb.comments()[node]["hidden_upstream"]


def test_first_sync_lists_everything_and_reads_comments_of_posts_that_have_some(
    fb: FacebookHarness,
) -> None:
    counts = fb.counts()
    result = fb.sync()
    listing = fb.graph_requests("/published_posts")
    assert len(listing) == 1
    assert "since" not in listing[0].query
    assert "comments.filter(stream).summary(true).limit(0)" in listing[0].query["fields"][0]
    reads = fb.graph_requests("/comments")
    assert {r.path.split("/")[2] for r in reads} == {p for p, n in counts.items() if n}
    for read in reads:
        assert read.query["filter"] == ["stream"]
        assert read.query["order"] == ["reverse_chronological"]
        assert read.query["fields"] == [COMMENT_FIELDS]
        assert "after" not in read.query, "every thread fits one page of 100"
    assert result.api_calls == len(fb.graph_requests()) == 1 + sum(1 for n in counts.values() if n)


def test_cursor_holds_the_watermark_and_the_count_read_per_post(fb: FacebookHarness) -> None:
    fb.sync()
    cursors = fb.cursors()
    newest = max(p.created_at for p in fb.sandbox.graph.world.posts(fb.sandbox.now()))
    assert parse_time(cursors["posts"]["watermark"]) == newest
    read = cursors["comments"]["read"]
    counts = fb.counts()
    assert {post: row[0] for post, row in read.items()} == {p: n for p, n in counts.items() if n}


# -- incremental syncs ------------------------------------------------------------------


def test_a_sync_without_changes_makes_one_call_and_writes_nothing(fb: FacebookHarness) -> None:
    fb.sync()
    second = fb.sync()
    assert second.api_calls == 1
    assert (second.posts.new, second.posts.updated) == (0, 0)
    assert (second.comments.new, second.comments.updated) == (0, 0)
    window_start = fb.sandbox.now() - timedelta(days=30)
    assert since_of(fb) == window_start.replace(microsecond=0)


def test_new_comments_are_read_only_on_posts_whose_count_changed(fb: FacebookHarness) -> None:
    fb.sync()
    before = fb.counts()
    fb.sandbox.advance(12 * 60)
    after = fb.counts()
    changed = {p for p, n in after.items() if before.get(p) != n}
    assert changed, "the sandbox grows over 12 hours"
    result = fb.sync()
    assert {r.path.split("/")[2] for r in fb.graph_requests("/comments")} == changed
    assert result.api_calls == 1 + len(changed)
    assert set(fb.comments()) >= set(fb.visible_comments())


def test_long_threads_are_paged_and_new_comments_stop_the_paging_early(
    fb: FacebookHarness,
) -> None:
    counts = fb.counts()
    post = max(counts, key=lambda p: counts[p])
    fb.sync(page_size=3)
    pages = fb.graph_requests(f"{post}/comments")
    assert len(pages) == -(-counts[post] // 3)
    assert [r.query["limit"] for r in pages] == [["3"]] * len(pages)
    fb.sandbox.graph.world.add_comment(post, "오늘 행사 몇 시까지인가요?", fb.sandbox.now())
    fb.sync(page_size=3)
    assert len(fb.graph_requests(f"{post}/comments")) == 1, "newest first: one page is enough"
    assert "오늘 행사 몇 시까지인가요?" in {c["text"] for c in fb.comments().values()}


def test_a_late_comment_on_a_month_old_post_is_picked_up(fb: FacebookHarness) -> None:
    fb.sync()
    now = fb.sandbox.now()
    old = [p for p in fb.sandbox.graph.world.posts(now) if now - p.created_at > timedelta(days=27)]
    post = max(old, key=lambda p: p.created_at)
    fb.sandbox.advance(24 * 60)
    node = fb.sandbox.graph.world.add_comment(
        post.node_id, "한 달 전 글인데 아직 신청 되나요?", fb.sandbox.now()
    )
    fb.sync()
    assert fb.comments()[node]["post_external_id"] == post.node_id
    assert fb.sandbox.now() - post.created_at < timedelta(days=30)


def test_posts_older_than_the_window_are_not_watched_for_new_comments(
    fb: FacebookHarness,
) -> None:
    fb.sync(comment_window_days=7)
    now = fb.sandbox.now()
    post = min(fb.sandbox.graph.world.posts(now), key=lambda p: p.created_at)
    fb.sandbox.graph.world.add_comment(post.node_id, "오래된 글에 댓글", now)
    fb.sync(comment_window_days=7)
    assert not fb.graph_requests(f"{post.node_id}/comments")
    fb.sync(comment_window_days=60)
    assert "오래된 글에 댓글" in {c["text"] for c in fb.comments().values()}


def test_a_watermark_in_the_future_changes_nothing(fb: FacebookHarness) -> None:
    """E7: the cursor never moves backwards; the window's posts are still listed."""
    fb.sync()
    account_id = fb.store.sync.ensure_account("facebook-page", "facebook")
    future = {"posts": {"watermark": "2999-12-31T00:00:00+00:00"}}
    fb.store.sync.apply_batch(account_id, Batch("posts", cursor_updates=future))
    result = fb.sync()
    assert result.ok
    assert (result.posts.new, result.comments.new) == (0, 0)
    assert fb.cursors()["posts"] == future["posts"]


# -- edits and deletions ----------------------------------------------------------------


def test_an_edit_becomes_a_revision_through_reconcile(fb: FacebookHarness) -> None:
    """E12: Graph comments have no updated_time; only a re-read shows an edit."""
    fb.sync()
    node, comment = next(iter(fb.visible_comments().items()))
    fb.sandbox.graph.world.edit(node, "(수정) 확인했습니다. 감사합니다.", fb.sandbox.now())
    normal = fb.sync()
    assert normal.api_calls == 1, "the count did not change: nothing is re-read"
    assert fb.comments()[node]["text"] == comment.message
    reconciled = fb.sync(reconcile=True)
    assert reconciled.comments.updated >= 1
    assert fb.comments()[node]["text"] == "(수정) 확인했습니다. 감사합니다."
    assert comment.message in fb.revisions()


def test_a_deleted_comment_is_marked_by_reconcile_and_not_resurrected(
    fb: FacebookHarness,
) -> None:
    """E14: gone upstream -> marked, never hard-deleted; later syncs keep the mark."""
    fb.sync()
    node, comment = next(iter(fb.visible_comments().items()))
    fb.sandbox.graph.world.delete(node, fb.sandbox.now())
    fb.sandbox.graph.world.add_comment(comment.post_node, "새 댓글", fb.sandbox.now())
    fb.sync()
    assert fb.comments()[node]["deleted_upstream_at"] is None, "same count: not noticed yet"
    fb.sync(reconcile=True)
    assert fb.comments()[node]["deleted_upstream_at"] is not None
    later = fb.sync()
    assert later.comments.new == 0
    assert fb.comments()[node]["deleted_upstream_at"] is not None


def test_a_falling_count_reads_the_post_in_full_and_marks_what_is_gone(
    fb: FacebookHarness,
) -> None:
    fb.sync()
    node, comment = next(iter(fb.visible_comments().items()))
    fb.sandbox.graph.world.delete(node, fb.sandbox.now())
    fb.sync()
    assert fb.comments()[node]["deleted_upstream_at"] is not None
    assert {r.path.split("/")[2] for r in fb.graph_requests("/comments")} == {comment.post_node}


def test_a_deleted_post_is_marked_by_reconcile(fb: FacebookHarness) -> None:
    fb.sync()
    post = fb.sandbox.graph.post_ids()[0]
    fb.sandbox.graph.world.delete(post, fb.sandbox.now())
    fb.sync(reconcile=True)
    posts = fb.posts()
    assert posts[post]["deleted_upstream_at"] is not None
    assert sum(p["deleted_upstream_at"] is not None for p in posts.values()) == 1


def test_reconcile_rereads_every_post_of_the_window(fb: FacebookHarness) -> None:
    fb.sync()
    result = fb.sync(reconcile=True)
    assert result.ok
    window_start = fb.sandbox.now() - timedelta(days=30)
    in_window = {
        p.node_id
        for p in fb.sandbox.graph.world.posts(fb.sandbox.now())
        if p.created_at >= window_start and fb.counts()[p.node_id]
    }
    assert {r.path.split("/")[2] for r in fb.graph_requests("/comments")} == in_window
    assert (result.comments.new, result.comments.updated) == (0, 0)


# -- visitor posts ----------------------------------------------------------------------


def test_visitor_posts_are_mentions_with_their_answers_below_them(fb: FacebookHarness) -> None:
    result = fb.sync(include_visitor_posts=True)
    assert result.ok, result.error
    world, now = fb.sandbox.graph.world, fb.sandbox.now()
    visitors = world.visitor_posts(now)
    comments = fb.comments()
    for post in visitors:
        assert comments[post.node_id]["kind"] == "mention"
        assert comments[post.node_id]["author_name"] == post.author.name
        for answer in world.comments(post, now):
            assert comments[answer.node_id]["parent_external_id"] == post.node_id
    assert any(comments[c.node_id]["by_account_owner"] for p in visitors
               for c in world.comments(p, now))  # fmt: skip
    assert "visitor_posts" in fb.cursors()


def test_a_deleted_visitor_post_is_marked_by_reconcile_and_nothing_else(
    fb: FacebookHarness,
) -> None:
    fb.sync(include_visitor_posts=True)
    world, now = fb.sandbox.graph.world, fb.sandbox.now()
    window_start = now - timedelta(days=30)
    gone = next(p for p in world.visitor_posts(now) if p.created_at >= window_start)
    world.delete(gone.node_id, now)
    assert fb.sync(include_visitor_posts=True, reconcile=True).ok
    comments = fb.comments()
    assert comments[gone.node_id]["deleted_upstream_at"] is not None
    marked = {
        key for key, c in comments.items()
        if c["kind"] == "mention" and c["deleted_upstream_at"] is not None
    }  # fmt: skip
    assert marked == {gone.node_id}, "no other visitor post is marked"


def test_visitor_posts_paged_by_time_are_all_read_keeping_our_own_since(
    fb: FacebookHarness,
) -> None:
    """`visitor_posts` pages by `until`/`__paging_token` (no cursors), as real `/posts` do."""
    assert fb.sync(include_visitor_posts=True, page_size=2).ok
    world, now = fb.sandbox.graph.world, fb.sandbox.now()
    comments = fb.comments()
    assert {p.node_id for p in world.visitor_posts(now)} <= set(comments)
    fb.sandbox.advance(60)
    assert fb.sync(include_visitor_posts=True, page_size=2).ok
    listed = fb.graph_requests("/visitor_posts")
    assert len(listed) > 1
    assert all(r.query["since"][0].isdigit() for r in listed)
    assert all("__paging_token" in r.query and "until" in r.query for r in listed[1:])
