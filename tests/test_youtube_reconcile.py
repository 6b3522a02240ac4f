"""Deletions, edits and the reconcile pass of the YouTube connector, against the sandbox
over real HTTP and a real store: what is marked, what is kept, which calls are made."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.db import create_db_engine
from aggregator.records import Batch, CommentKind, CommentRecord, Presence
from aggregator.sandbox import LoggedRequest, Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.sandbox.youtube_world import YouTubeWorld, YtComment, YtVideo
from aggregator.store import Store
from aggregator.sync import RunResult, SyncOptions, sync_account
from connectors.youtube.connector import YouTubeConnector
from connectors.youtube.settings import YouTubeAccount
from tests.fixtures_sandbox import LOOPBACK_HTTP

T0 = datetime(2026, 11, 1, tzinfo=UTC)
API = "/youtube/v3/"


class Harness:
    """The sandbox's YouTube channel synced into one store."""

    def __init__(self, sandbox: Sandbox, db_url: str) -> None:
        self.sandbox = sandbox
        self.world: YouTubeWorld = sandbox.youtube.world
        self.store = Store(create_db_engine(db_url), clock=sandbox.now)
        entry = next(
            a for a in build_config(sandbox.base_url)["accounts"] if a["name"] == "youtube"
        )
        entry = {**entry, "write_access_token": None}
        self.account = YouTubeAccount.model_validate(entry, context={"environ": SANDBOX_ENV})

    def sync(self, reconcile: bool = False) -> RunResult:
        """One run; the sandbox's request log then holds exactly this run's requests."""
        self.sandbox.requests.clear()
        options = SyncOptions(reconcile=reconcile, http=LOOPBACK_HTTP)
        result = sync_account(self.store, self.account, YouTubeConnector, options)
        assert result.ok, result.error
        return result

    def requests(self, method: str) -> list[LoggedRequest]:
        return self.sandbox.requests.find(API + method)

    def asked(self, method: str, param: str) -> list[str]:
        """The `param` of every `method` call of the last run."""
        return [r.query[param][0] for r in self.requests(method) if param in r.query]

    def rows(self, table: str) -> dict[str, dict[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT * FROM {table} WHERE platform = 'youtube'"))
            return {r.external_id: dict(r._mapping) for r in rows}

    def marked(self) -> set[str]:
        return {i for i, c in self.rows("comment").items() if c["deleted_upstream_at"]}

    def public(self, video: YtVideo) -> list[YtComment]:
        """The video's comments an API key sees now (published, in a published thread)."""
        comments = self.world.comments(video, self.sandbox.now())
        tops = {c.id for c in comments if not c.is_reply and c.status == "published"}
        return [c for c in comments if c.thread_id in tops and c.status == "published"]

    def threads(self) -> list[tuple[YtVideo, YtComment, list[YtComment]]]:
        """(video, top-level comment, its replies) of every public thread, busiest first."""
        found = []
        for video in self.world.videos(self.sandbox.now()):
            shown = self.public(video)
            for top in (c for c in shown if not c.is_reply):
                replies = [c for c in shown if c.is_reply and c.thread_id == top.id]
                found.append((video, top, replies))
        return sorted(found, key=lambda t: -len(t[2]))

    def lengthen(self, top: YtComment, replies: int = 7) -> list[str]:
        """Give a thread `replies` more replies (the channel's); return their ids."""
        now = self.sandbox.now()
        return [self.world.reply(top, f"확인했습니다 {n}번째 안내", now).id for n in range(replies)]


@pytest.fixture
def yt(sandbox: Sandbox, sqlite_url: str) -> Iterator[Harness]:
    harness = Harness(sandbox, sqlite_url)
    yield harness
    harness.store.close()


def stored_comment(external_id: str, parent: str | None = None) -> CommentRecord:
    return CommentRecord(
        platform="youtube", external_id=external_id, created_at=T0, text="주민 의견",
        kind=CommentKind.REPLY if parent else CommentKind.COMMENT,
        post_external_id="v1", parent_external_id=parent,
    )  # fmt: skip


def test_partial_threads_keep_their_unread_replies_and_mark_the_rest(store: Store) -> None:
    account_id = store.sync.ensure_account("youtube", "youtube")
    comments = (
        stored_comment("t1"), stored_comment("t1.r1", "t1"), stored_comment("t1.r2", "t1"),
        stored_comment("t2"), stored_comment("t2.r1", "t2"), stored_comment("t3"),
    )  # fmt: skip
    store.sync.apply_batch(account_id, Batch("comments", comments=comments))
    read = Presence(
        frozenset({"t1", "t2"}), post_external_id="v1", partial_threads=frozenset({"t1"})
    )
    assert (
        store.sync.apply_batch(account_id, Batch("comments", presence=(read,))).marked_deleted == 2
    )
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT external_id, deleted_upstream_at FROM comment"))
        marked = {r.external_id for r in rows if r.deleted_upstream_at is not None}
    assert marked == {"t2.r1", "t3"}, "t1's replies were not read: never marked"


def test_partial_threads_need_a_post_scope() -> None:
    with pytest.raises(ValueError, match="partial threads"):
        Presence(frozenset(), since=T0, partial_threads=frozenset({"t1"}))


def test_a_deleted_thread_is_marked_with_its_replies_on_the_next_sync(yt: Harness) -> None:
    yt.sync()
    video, top, replies = yt.threads()[0]
    assert replies
    yt.world.changes.delete(top.id, yt.sandbox.now())
    result = yt.sync()
    assert yt.marked() == {top.id, *(r.id for r in replies)}
    assert result.api_calls == 3  # playlist, statistics, the video's threads
    assert yt.asked("commentThreads", "videoId") == [video.id]


def test_a_deleted_reply_of_a_long_thread_is_marked_by_rereading_that_thread(
    yt: Harness,
) -> None:
    _, top, _ = yt.threads()[0]
    added = yt.lengthen(top)
    yt.sync()
    yt.world.changes.delete(added[-1], yt.sandbox.now())
    yt.sync()
    assert yt.marked() == {added[-1]}
    assert yt.asked("comments", "parentId") == [top.id]


def test_a_thread_deleted_beside_a_long_thread_leaves_its_unread_replies_alone(
    yt: Harness,
) -> None:
    """The long thread's count did not change: its replies are not re-read (no
    comments.list), so the two it does not carry are neither marked."""
    busy = next(v for v, _, _ in yt.threads() if len([t for t in yt.threads() if t[0] == v]) > 1)
    long, other = [t for v, t, _ in yt.threads() if v == busy][:2]
    added = yt.lengthen(long)
    yt.sync()
    yt.world.changes.delete(other.id, yt.sandbox.now())
    yt.sync()
    assert other.id in yt.marked()
    assert not yt.marked() & set(added)
    assert yt.requests("comments") == []


def test_a_deletion_offset_by_a_new_reply_is_found_by_reconcile(yt: Harness) -> None:
    yt.sync()
    video, top, replies = yt.threads()[0]
    other = next(t for v, t, _ in yt.threads() if v == video and t.id != top.id)
    yt.world.changes.delete(replies[0].id, yt.sandbox.now())
    (new,) = yt.lengthen(other, 1)
    yt.sync()
    assert yt.marked() == set(), "the count did not change: nothing is read"
    yt.sync(reconcile=True)
    assert yt.marked() == {replies[0].id}
    assert new in yt.rows("comment")


def test_reconcile_stores_edits_as_revisions_also_in_replies_a_thread_does_not_carry(
    yt: Harness,
) -> None:
    _, top, _ = yt.threads()[0]
    added = yt.lengthen(top)
    yt.sync()
    old = yt.rows("comment")[top.id]["text"]
    now = yt.sandbox.now()
    yt.world.changes.edit(top.id, "주차장 문제는 해결됐습니다. 감사합니다.", now)
    yt.world.changes.edit(added[-1], "안내 시간을 바로잡습니다: 오후 6시까지", now)
    yt.sandbox.advance(30)
    yt.sync()
    assert yt.rows("comment")[top.id]["text"] == old, "edits leave the counts as they were"
    yt.sync(reconcile=True)
    rows = yt.rows("comment")
    assert rows[top.id]["text"] == "주차장 문제는 해결됐습니다. 감사합니다."
    assert rows[added[-1]]["text"] == "안내 시간을 바로잡습니다: 오후 6시까지"
    with yt.store.engine.connect() as conn:
        kept = conn.execute(
            sa.text(
                "SELECT text FROM content_revision WHERE item_type = 'comment' AND item_id = :i"
            ),
            {"i": rows[top.id]["id"]},
        ).scalars()
        assert list(kept) == [old]


def test_reconcile_skips_videos_without_comments_and_rereads_every_long_thread(
    yt: Harness,
) -> None:
    _, top, _ = yt.threads()[0]
    yt.lengthen(top)
    yt.sync()
    yt.sync(reconcile=True)
    now = yt.sandbox.now()
    videos = yt.world.videos(now)
    with_comments = {v.id for v in videos if not v.comments_disabled and yt.public(v)}
    assert set(yt.asked("commentThreads", "videoId")) == with_comments
    long = {t.id for _, t, replies in yt.threads() if len(replies) > 5}
    assert set(yt.asked("comments", "parentId")) == long
    assert yt.marked() == set()


def test_a_video_gone_from_the_uploads_is_marked_by_a_complete_read_of_the_playlist(
    yt: Harness,
) -> None:
    """The channel's 20 videos fit one playlist page: every sync reads it completely."""
    yt.sync()
    gone = yt.world.videos(yt.sandbox.now())[1]
    yt.world.changes.delete(gone.id, yt.sandbox.now())
    yt.sync()
    posts = yt.rows("post")
    assert [i for i, p in posts.items() if p["deleted_upstream_at"]] == [gone.id]
    assert gone.id not in yt.asked("videos", "id")[0].split(",")
    yt.sync(reconcile=True)
    assert yt.rows("post")[gone.id]["deleted_upstream_at"] == posts[gone.id]["deleted_upstream_at"]


def test_reconcile_marks_a_video_gone_from_a_playlist_of_several_pages(
    yt: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("connectors.youtube.connector.PLAYLIST_PAGE", 5)
    yt.sync()
    oldest = yt.world.videos(yt.sandbox.now())[-1]
    yt.world.changes.delete(oldest.id, yt.sandbox.now())
    yt.sync()
    assert len(yt.requests("playlistItems")) == 1, "stops after the first page"
    assert not yt.rows("post")[oldest.id]["deleted_upstream_at"]
    yt.sync(reconcile=True)
    assert len(yt.requests("playlistItems")) > 1
    assert yt.rows("post")[oldest.id]["deleted_upstream_at"] is not None


def test_a_comment_held_for_review_is_marked_gone_and_cleared_when_published_again(
    yt: Harness,
) -> None:
    yt.sync()
    _, top, replies = yt.threads()[0]
    yt.world.changes.hide(top.id, True, yt.sandbox.now())
    yt.sync()
    assert yt.marked() == {top.id, *(r.id for r in replies)}
    yt.sandbox.advance(60)
    yt.world.changes.hide(top.id, False, yt.sandbox.now())
    yt.sync()
    assert yt.marked() == set()
