"""The Instagram connector against the sandbox over real HTTP: what it stores and which
requests it makes (first run, no change, new comments, deletions, hiding, reconcile)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.connector import SyncContext
from aggregator.db import create_db_engine
from aggregator.http import HttpClient, HttpSettings
from aggregator.sandbox import LoggedRequest, Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.instagram import account_config
from aggregator.sandbox.instagram_world import IG_USER_ID, USERNAME
from aggregator.store import Store
from aggregator.sync import RunResult, SyncOptions, sync_account
from connectors.graph.api import GraphPage
from connectors.instagram.connector import InstagramConnector
from connectors.instagram.settings import InstagramAccount

VERSION = "/v25.0/"


class Sleeps(list[float]):
    """A fake sleep that records what it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Harness:
    """The sandbox's Instagram account synced into one store."""

    def __init__(self, sandbox: Sandbox, db_url: str, **overrides: Any) -> None:
        self.sandbox = sandbox
        self.store = Store(create_db_engine(db_url), clock=sandbox.now)
        data = {**account_config(sandbox.base_url, 15), **overrides}
        self.account = InstagramAccount.model_validate(data, context={"environ": SANDBOX_ENV})
        self.sleeps = Sleeps()

    def connector(self, account: InstagramAccount, context: SyncContext) -> InstagramConnector:
        return InstagramConnector(account, context, sleep=self.sleeps)

    def sync(self, reconcile: bool = False) -> RunResult:
        """One run; the sandbox's request log then holds exactly this run's requests."""
        self.sandbox.requests.clear()
        options = SyncOptions(reconcile=reconcile, http=HttpSettings())
        return sync_account(self.store, self.account, self.connector, options)

    def requests(self, part: str = "") -> list[LoggedRequest]:
        return [r for r in self.sandbox.requests.find(VERSION) if part in r.path]

    def rows(self, table: str) -> dict[str, dict[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT * FROM {table} WHERE platform = 'instagram'"))
            return {r.external_id: dict(r._mapping) for r in rows}

    def visible(self) -> dict[str, Any]:
        """Every comment the sandbox shows now, by id."""
        world, now = self.sandbox.instagram.ig, self.sandbox.now()
        return {c.id: c for m in world.media(now) for c in world.comments(m, now)}

    def busiest_media(self) -> Any:
        world, now = self.sandbox.instagram.ig, self.sandbox.now()
        return max(world.media(now), key=lambda m: len(world.comments(m, now)))


@pytest.fixture
def ig(sandbox: Sandbox, sqlite_url: str) -> Iterator[Harness]:
    harness = Harness(sandbox, sqlite_url)
    yield harness
    harness.store.close()


def test_first_run_stores_every_media_comment_and_reply(ig: Harness) -> None:
    result = ig.sync()
    assert result.status == "ok"
    world, now = ig.sandbox.instagram.ig, ig.sandbox.now()
    assert set(ig.rows("post")) == {m.id for m in world.media(now)}
    assert set(ig.rows("comment")) == set(ig.visible())
    with_comments = [m for m in world.media(now) if world.comments(m, now)]
    assert len(ig.requests("/comments")) >= len(with_comments)
    assert len(ig.requests("/media")) == 1
    assert ig.requests("/replies") == []  # replies come nested


def test_replies_hang_under_their_top_level_comment(ig: Harness) -> None:
    ig.sync()
    comments = ig.rows("comment")
    for comment in ig.visible().values():
        stored = comments[comment.id]
        assert stored["parent_external_id"] == comment.parent_id
        assert stored["kind"] == ("reply" if comment.parent_id else "comment")


def test_the_districts_replies_are_its_own_and_residents_are_not(ig: Harness) -> None:
    ig.sync()
    comments = ig.rows("comment")
    own = {i for i, c in comments.items() if c["by_account_owner"]}
    assert own
    assert own == {i for i, c in ig.visible().items() if c.by_account}
    assert all(comments[i]["author_name"] == USERNAME for i in own)


def test_hidden_comments_are_stored_with_their_mark(ig: Harness) -> None:
    ig.sync()
    hidden = {i for i, c in ig.rows("comment").items() if c["hidden_upstream"]}
    assert hidden == {i for i, c in ig.visible().items() if c.hidden}


def test_a_run_with_nothing_new_is_one_call_since_the_watermark(ig: Harness) -> None:
    ig.sync()
    result = ig.sync()
    assert (result.comments.new, result.posts.new) == (0, 0)
    (listing,) = ig.requests()
    assert listing.path.endswith(f"{IG_USER_ID}/media")
    assert "since" in listing.query


def test_a_new_comment_reads_only_that_media(ig: Harness) -> None:
    ig.sync()
    media = ig.busiest_media()
    ig.sandbox.instagram.ig.add_resident_comment(
        media, "주차장 몇 시까지 열어요?", ig.sandbox.now()
    )
    result = ig.sync()
    assert result.comments.new == 1
    assert {r.path for r in ig.requests("/comments")} == {f"{VERSION}{media.id}/comments"}


def test_a_deleted_comment_is_marked_gone_upstream(ig: Harness) -> None:
    ig.sync()
    media = ig.busiest_media()
    victim = next(c for c in ig.sandbox.instagram.ig.comments(media, ig.sandbox.now())
                  if c.parent_id is None)  # fmt: skip
    ig.sandbox.instagram.ig.delete(victim.id, ig.sandbox.now())
    ig.sync()
    assert ig.rows("comment")[victim.id]["deleted_upstream_at"] is not None


def test_hiding_and_a_new_reply_in_one_media_are_both_seen(ig: Harness) -> None:
    ig.sync()
    world, now = ig.sandbox.instagram.ig, ig.sandbox.now()
    media = ig.busiest_media()
    target = next(c for c in world.comments(media, now) if c.parent_id is None and not c.hidden)
    world.hide(target.id)
    reply_id = world.reply(target, "@주민 확인해 보겠습니다.", now)
    ig.sync()
    comments = ig.rows("comment")
    assert comments[target.id]["hidden_upstream"]
    assert comments[reply_id]["parent_external_id"] == target.id
    assert comments[reply_id]["by_account_owner"]


def test_reconcile_marks_a_deleted_media_and_rereads_every_media(ig: Harness) -> None:
    ig.sync()
    world, now = ig.sandbox.instagram.ig, ig.sandbox.now()
    gone = world.media(now)[0]
    world.delete(gone.id, now)
    ig.sync(reconcile=True)
    assert ig.rows("post")[gone.id]["deleted_upstream_at"] is not None
    with_comments = {m.id for m in world.media(now) if world.comments(m, now)}
    read = {r.path.split("/")[2] for r in ig.requests("/comments")}
    assert with_comments <= read


def test_cursor_keeps_the_watermark_and_each_media_count(ig: Harness) -> None:
    ig.sync()
    cursors = ig.store.sync.cursors(ig.store.sync.ensure_account("instagram", "instagram"))
    world, now = ig.sandbox.instagram.ig, ig.sandbox.now()
    newest = max(m.created_at for m in world.media(now))
    assert cursors["posts"] == {"watermark": newest.isoformat()}
    counts = cursors["comments"]["read"]
    busiest = ig.busiest_media()
    assert counts[busiest.id] == len(world.comments(busiest, now))


def test_a_cut_short_nested_reply_list_is_read_in_full_from_the_replies_edge(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    """Graph may page a nested `replies{...}` list: then `/{comment-id}/replies` has all."""
    data = {**account_config(sandbox.base_url, 15), "username": USERNAME}
    account = InstagramAccount.model_validate(data, context={"environ": SANDBOX_ENV})
    connector = InstagramConnector(account, SyncContext(http=sandbox_client, clock=sandbox.now))
    media = {"id": "17905000000000001", "timestamp": "2026-11-20T01:00:00+0000",
             "comments_count": 3, "username": USERNAME}  # fmt: skip
    top = {"id": "18047000000000010", "timestamp": "2026-11-20T02:00:00+0000", "text": "질문",
           "replies": {"data": [{"id": "18047000000000011", "text": "첫 답",
                                 "timestamp": "2026-11-20T02:10:00+0000"}],
                       "paging": {"next": "https://graph.example/next"}}}  # fmt: skip
    replies = [
        {"id": f"180470000000000{n}", "text": "답", "timestamp": f"2026-11-20T02:{n}:00+0000",
         "username": USERNAME}
        for n in (11, 12)
    ]  # fmt: skip
    pages = {
        "media": GraphPage([media], None, None, "m"),
        "comments": GraphPage([top], None, None, "c"),
        "replies": GraphPage(replies, None, None, "r"),
    }
    asked: list[str] = []

    def page(node: str, edge: str, params: Any, following: Any = None) -> GraphPage:
        asked.append(f"{node}/{edge}")
        return pages[edge]

    connector.graph.page = page  # type: ignore[method-assign]
    records = [c for batch in connector.pull({}) for c in batch.comments]
    assert asked[-1] == "18047000000000010/replies"
    assert [r.external_id for r in records] == [
        "18047000000000010", "18047000000000011", "18047000000000012",
    ]  # fmt: skip
    assert all(r.parent_external_id == top["id"] for r in records[1:])
    assert all(r.by_account_owner for r in records[1:])
