"""A feed answer cut off mid-way changes nothing stored and moves no validator.

Every feed flavour of the sandbox (Naver, Tistory in CP949, WordPress posts and
comments) is cut by the sandbox's `cut` fault, once with a `Content-Length` larger
than what arrives and once as a chunked body that stops, and synced into a real
store (SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.config import parse_settings
from aggregator.connector import RunStatus, SyncContext
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, render_config
from aggregator.store import Store
from aggregator.sync import RunResult, SyncOptions, sync_account
from connectors.blog.connector import BlogConnector
from connectors.blog.settings import BlogAccount
from tests.fixtures_sandbox import LOOPBACK_HTTP

FEEDS = {
    "naver": ("naver-blog", "/naver/", "posts"),
    "tistory": ("tistory-blog", "/tistory/", "posts"),
    "wordpress-posts": ("wordpress-news", "/wordpress/news/feed/", "posts"),
    "wordpress-comments": ("wordpress-news", "/wordpress/news/comments/", "comments"),
}
FOUR_DAYS = 4 * 24 * 60


def blog_account(sandbox: Sandbox, name: str) -> BlogAccount:
    settings = parse_settings(render_config(sandbox.url("/")), source="test", environ=SANDBOX_ENV)
    account = settings.account(name)
    assert isinstance(account, BlogAccount)
    return account


def sync(store: Store, account: BlogAccount) -> RunResult:
    options = SyncOptions(http=LOOPBACK_HTTP)
    return sync_account(store, account, _factory, options)


def _factory(account: Any, context: SyncContext) -> BlogConnector:
    return BlogConnector(account, context)


def stored(store: Store) -> dict[str, set[tuple[Any, ...]]]:
    """Every stored post and comment with the fields a bad body could damage."""
    with store.engine.connect() as conn:
        posts = conn.execute(sa.text("SELECT external_id, title, text FROM post"))
        comments = conn.execute(
            sa.text("SELECT external_id, text, created_at, post_external_id FROM comment")
        )
        return {"posts": {tuple(r) for r in posts}, "comments": {tuple(r) for r in comments}}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("feed", list(FEEDS))
def test_a_cut_feed_is_a_parse_error_that_stores_nothing_and_keeps_the_validators(
    sandbox: Sandbox, store: Store, feed: str, chunked: bool
) -> None:
    name, path, stream = FEEDS[feed]
    account = blog_account(sandbox, name)
    assert sync(store, account).status == RunStatus.OK
    account_id = store.sync.ensure_account(name, "blog")
    sandbox.advance(FOUR_DAYS)  # new posts and comments: the feed really changes
    before, cursors = stored(store), store.sync.cursors(account_id)

    sandbox.faults.add("cut", path, declare_length=not chunked, times=1)
    result = sync(store, account)

    assert result.status == RunStatus.PARSE_ERROR, result.error
    assert "incomplete" in (result.error or "")
    after = stored(store)
    assert after["comments"] == before["comments"]
    if stream == "posts":
        assert after["posts"] == before["posts"]
    assert store.sync.cursors(account_id)[stream] == cursors[stream]

    assert sync(store, account).status in RunStatus.SUCCESSFUL
    assert stored(store)[stream] > before[stream], "the next sync reads the feed again"
