"""WordPress comments read by REST (`/wp-json/wp/v2/comments`) against the sandbox.

The sandbox's per-post comment feeds list only the newest 10 comments, like real
WordPress (`posts_per_rss`); its REST listing has them all, with `parent`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.config import parse_settings
from aggregator.connector import FetchError, SyncContext
from aggregator.http import HttpClient
from aggregator.records import Batch, CommentKind, JSONValue
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, render_config
from aggregator.store import Store
from aggregator.sync import SyncOptions, sync_account
from connectors.blog.connector import BlogConnector
from connectors.blog.settings import BlogAccount
from connectors.blog.wp_rest import comments_endpoint
from tests.fixtures_sandbox import LOOPBACK_HTTP

NOW = datetime(2026, 11, 20, tzinfo=UTC)
REST_PATH = "/wordpress/news/wp-json/wp/v2/comments"


@pytest.fixture
def http(sandbox_client: HttpClient) -> HttpClient:
    return sandbox_client


def wordpress(sandbox: Sandbox, http: HttpClient, **changes: Any) -> BlogConnector:
    settings = parse_settings(render_config(sandbox.url("/")), source="test", environ=SANDBOX_ENV)
    account = settings.account("wordpress-news")
    assert isinstance(account, BlogAccount)
    return BlogConnector(
        account.model_copy(update=changes), SyncContext(http=http, clock=lambda: NOW)
    )


def run(
    blog: BlogConnector, cursors: Mapping[str, JSONValue] | None = None
) -> tuple[list[Batch], dict[str, JSONValue]]:
    stored = dict(cursors or {})
    batches = list(blog.pull(stored))
    for batch in batches:
        stored.update(json.loads(json.dumps(dict(batch.cursor_updates))))
    return batches, stored


def per_post(batches: list[Batch]) -> dict[str, Any]:
    return {c.external_id: c for b in batches if b.stream == "post_comments" for c in b.comments}


def warnings(batches: list[Batch]) -> list[str]:
    return [w for b in batches for w in b.warnings]


def test_rest_reads_every_comment_of_a_busy_post_that_its_feed_window_hides(
    make_sandbox: Any, http: HttpClient
) -> None:
    sandbox = make_sandbox(comments=4000)  # posts with up to 89 comments; feeds show 10
    by_feeds, _ = run(wordpress(sandbox, http, comments_api="feeds"))
    by_rest, _ = run(wordpress(sandbox, http))  # auto: the sandbox offers REST
    assert any("beyond the comment feed's window" in w for w in warnings(by_feeds))
    assert not any("beyond the comment feed's window" in w for w in warnings(by_rest))
    feed_ids, rest_ids = set(per_post(by_feeds)), set(per_post(by_rest))
    assert feed_ids < rest_ids, "same identities as the feeds, and more of them"
    visible = sum(
        sandbox.data.comment_count(p.id, sandbox.now())
        for p in sandbox.data.posts("wordpress", sandbox.now())[:10]
    )
    assert len(rest_ids) == visible


def test_rest_comments_carry_exact_threading_and_the_feed_s_post_ids(
    sandbox: Sandbox, http: HttpClient
) -> None:
    batches, _ = run(wordpress(sandbox, http, comments_api="rest"))
    comments = per_post(batches)
    post_ids = {p.external_id for b in batches for p in b.posts}
    replies = [c for c in comments.values() if c.kind is CommentKind.REPLY]
    assert replies
    assert all(c.parent_external_id in comments for c in replies)
    assert all(c.post_external_id in post_ids for c in comments.values())
    assert all(c.text and c.created_at.tzinfo is UTC for c in comments.values())


def test_rest_pages_through_a_post_with_more_than_a_hundred_comments(
    make_sandbox: Any, http: HttpClient
) -> None:
    sandbox = make_sandbox(comments=10000)
    run(wordpress(sandbox, http, comments_api="rest"))
    pages = [r.query.get("page", ["1"])[0] for r in sandbox.requests.all() if r.path == REST_PATH]
    assert "2" in pages
    assert all(
        r.query["per_page"] == ["100"] for r in sandbox.requests.all() if r.path == REST_PATH
    )


def test_auto_falls_back_to_the_comment_feeds_when_the_site_has_rest_switched_off(
    sandbox: Sandbox, http: HttpClient
) -> None:
    sandbox.wordpress_rest.enabled = False
    by_auto, _ = run(wordpress(sandbox, http))
    by_feeds, _ = run(wordpress(sandbox, http, comments_api="feeds"))
    assert set(per_post(by_auto)) == set(per_post(by_feeds))
    rest_calls = [r for r in sandbox.requests.all() if r.path == REST_PATH]
    assert len(rest_calls) == 1, "probed once per run, then the feeds"


def test_rest_required_but_switched_off_fails_naming_the_setting(
    sandbox: Sandbox, http: HttpClient
) -> None:
    sandbox.wordpress_rest.enabled = False
    with pytest.raises(FetchError, match="comments_api"):
        run(wordpress(sandbox, http, comments_api="rest"))


def test_comments_api_rest_is_refused_for_blogs_that_are_not_wordpress() -> None:
    with pytest.raises(ValueError, match="comments_api"):
        BlogAccount(
            platform="blog",
            name="n",
            flavor="naver",
            feed_url="https://rss.blog.naver.com/x.xml",
            comments_api="rest",
        )


@pytest.mark.parametrize(
    ("feed_url", "endpoint"),
    [
        ("https://gu.example/feed/", "https://gu.example/wp-json/wp/v2/comments"),
        ("https://gu.example/feed/atom/", "https://gu.example/wp-json/wp/v2/comments"),
        ("https://gu.example/news/feed", "https://gu.example/news/wp-json/wp/v2/comments"),
        ("https://gu.example/?feed=rss2", "https://gu.example/wp-json/wp/v2/comments"),
        ("https://gu.example/rss.xml", None),
    ],
)
def test_the_rest_endpoint_is_the_configured_site_s_own(
    feed_url: str, endpoint: str | None
) -> None:
    assert comments_endpoint(feed_url) == endpoint


def test_comments_first_read_from_feeds_then_by_rest_are_stored_once(
    sandbox: Sandbox, store: Store
) -> None:
    settings = parse_settings(render_config(sandbox.url("/")), source="test", environ=SANDBOX_ENV)
    account = settings.account("wordpress-news")
    assert isinstance(account, BlogAccount)
    options = SyncOptions(http=LOOPBACK_HTTP)
    for api in ("feeds", "rest"):
        changed = account.model_copy(update={"comments_api": api})
        assert sync_account(store, changed, BlogConnector, options).status == "ok"
        sandbox.advance(4 * 24 * 60)  # new comments: REST re-reads those posts in full
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT external_id, parent_external_id FROM comment"))
        parents = dict(rows.all())
    numbers = [external_id.rpartition(":comment:")[2] for external_id in parents]
    assert len(numbers) == len(set(numbers)), "one row per WordPress comment"
    assert all(p in parents for p in parents.values() if p), "replies point at stored comments"
