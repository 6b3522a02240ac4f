"""TwitterConnector over real HTTP against the sandbox's X API, stored on SQLite and PostgreSQL.

The sandbox clock starts three days before the data set's anchor, so moving it on makes
new tweets and replies appear. Sleeps go to a list (never slept); X's clock is the
sandbox's (its `Date` header).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.config import load_settings
from aggregator.connector import RateLimited, SyncContext
from aggregator.http import HttpClient, HttpSettings
from aggregator.records import CommentKind
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.twitter import BEARER_TOKEN, problem_fault, rate_limit_fault
from aggregator.sandbox.x_world import DISTRICT_USER_ID, XTweet
from aggregator.store import Store
from aggregator.sync import RunResult, SyncOptions, sync_account
from connectors.twitter.connector import TwitterConnector
from connectors.twitter.settings import TwitterAccount
from tests.fixtures_sandbox import SandboxFactory

TWEETS = f"/2/users/{DISTRICT_USER_ID}/tweets"
MENTIONS = f"/2/users/{DISTRICT_USER_ID}/mentions"
SEARCH = "/2/tweets/search/recent"
LOOKUP = "/2/users/by/username/"
Sync = Callable[..., RunResult]


@pytest.fixture
def x_sandbox(make_sandbox: SandboxFactory) -> Sandbox:
    return make_sandbox(rewind_days=3)


@pytest.fixture
def account(x_sandbox: Sandbox, tmp_path: Path) -> TwitterAccount:
    config = x_sandbox.write_config(tmp_path / "config.yaml")
    found = load_settings(config, environ=SANDBOX_ENV).account("x-account")
    assert isinstance(found, TwitterAccount)
    return found


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def x_store(engine: sa.Engine, x_sandbox: Sandbox) -> Store:
    return Store(engine, clock=x_sandbox.now)


@pytest.fixture
def sync(x_store: Store, account: TwitterAccount, sleeps: list[float]) -> Sync:
    """Sync the account like cron does, with a recorded sleep; settings may be overridden."""

    def run(reconcile: bool = False, **changes: Any) -> RunResult:
        def factory(settings: TwitterAccount, context: SyncContext) -> TwitterConnector:
            context.http.sleep = sleeps.append
            return TwitterConnector(settings, context)

        options = SyncOptions(reconcile=reconcile)
        return sync_account(x_store, account.model_copy(update=changes), factory, options)

    return run


def requested(sandbox: Sandbox, path: str = "/2/") -> list[str]:
    return [r.path for r in sandbox.requests.find(path)]


def comments(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    query = sa.text(
        "SELECT external_id, kind, post_external_id, parent_external_id, by_account_owner, text "
        "FROM comment"
    )
    with engine.connect() as conn:
        return {row.external_id: dict(row._mapping) for row in conn.execute(query)}


def post_ids(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(sa.text("SELECT external_id FROM post"))}


def expected_items(sandbox: Sandbox) -> tuple[set[str], set[str]]:
    """What the connector can reach now: the district's posts, and the replies it can see
    (those mentioning it, its own, and any in its threads of the last 7 days)."""
    world, now = sandbox.x.world, sandbox.now()
    visible = [t for t in world.tweets() if t.created_at <= now]
    district = world.district
    posts = {str(t.key) for t in visible if t.author is district and t.replied_to is None}
    young = {int(p) for p in posts if _made(int(p)) > now - timedelta(days=7, minutes=-1)}

    def reachable(tweet: XTweet) -> bool:
        if tweet.author is district:
            return tweet.replied_to is not None
        in_thread = tweet.conversation_id in young and tweet.created_at >= now - timedelta(days=7)
        return tweet.mentions(district.username) or (in_thread and tweet.replied_to is not None)

    return posts, {str(t.key) for t in visible if reachable(t)}


def expected_reads(sandbox: Sandbox) -> int:
    """Posts a first sync reads: the user, own timeline, mentions, and the replies in young
    threads (replies that mention the district are read twice: by mentions and search)."""
    world, now = sandbox.x.world, sandbox.now()
    visible = [t for t in world.tweets() if t.created_at <= now]
    district = world.district
    own = sum(1 for t in visible if t.author is district)
    mentions = sum(1 for t in visible if t.author is not district and t.mentions("hanbit_gu"))
    roots = {t.key for t in visible if t.author is district and t.replied_to is None}
    young = {r for r in roots if _made(r) > now - timedelta(days=7, minutes=-1)}
    searched = sum(
        1 for t in visible
        if t.conversation_id in young and t.replied_to and t.created_at >= now - timedelta(days=7)
    )  # fmt: skip
    return 1 + own + mentions + searched


def _made(tweet_id: int) -> datetime:
    from connectors.twitter.mapping import snowflake_time

    made = snowflake_time(str(tweet_id))
    assert made is not None
    return made


# -- syncing ---------------------------------------------------------------------------------


def test_first_sync_stores_posts_and_every_reachable_reply(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine
) -> None:
    result = sync()
    assert result.status == "ok", result.error
    posts, replies = expected_items(x_sandbox)
    assert post_ids(engine) == posts
    assert set(comments(engine)) == replies
    assert result.units_read == expected_reads(x_sandbox)
    paths = requested(x_sandbox)
    assert paths.count(LOOKUP + "hanbit_gu") == 1
    assert {TWEETS, MENTIONS, SEARCH} <= set(paths)


def test_first_sync_links_threads_own_answers_and_mentions(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine
) -> None:
    assert sync().ok
    stored = comments(engine)
    posts = post_ids(engine)
    own = [c for c in stored.values() if c["by_account_owner"]]
    assert own, "the district's answers are stored as its own comments"
    assert all(c["parent_external_id"] or c["kind"] == "comment" for c in own)
    kinds = {c["kind"] for c in stored.values()}
    assert kinds == {CommentKind.COMMENT, CommentKind.REPLY, CommentKind.MENTION}
    for comment in stored.values():
        if comment["kind"] == "mention":
            assert comment["post_external_id"] is None
        else:
            assert comment["post_external_id"] in posts or comment["by_account_owner"]
        if comment["kind"] == "reply" and comment["post_external_id"]:
            assert comment["parent_external_id"] in stored or comment["parent_external_id"] in posts


def test_units_and_cost_are_the_items_returned_times_the_unit_prices(
    sync: Sync, x_store: Store
) -> None:
    result = sync()
    run = x_store.sync.run(result.run_id or 0)
    assert run["units_read"] == result.units_read > 0
    assert run["estimated_cost"] == pytest.approx(result.cost)
    assert 0.001 * result.units_read < result.cost < 0.01 * result.units_read


def test_no_change_sync_passes_since_id_and_reads_zero_posts(
    sync: Sync, x_sandbox: Sandbox, x_store: Store
) -> None:
    assert sync().ok
    cursors = x_store.sync.cursors(x_store.sync.ensure_account("x-account", "twitter"))
    x_sandbox.requests.clear()
    second = sync()
    assert second.ok
    assert (second.units_read, second.cost) == (0, 0.0)
    assert (second.posts.new, second.comments.new) == (0, 0)
    tweets = x_sandbox.requests.find(TWEETS)[0]
    mentions = x_sandbox.requests.find(MENTIONS)[0]
    assert tweets.query["since_id"] == [cursors["tweets"]["since_id"]]
    assert mentions.query["since_id"] == [cursors["mentions"]["since_id"]]
    assert not x_sandbox.requests.find(LOOKUP), "the user id is cached in the cursor"
    assert all(r.query.get("since_id") for r in x_sandbox.requests.find(SEARCH))


def test_new_replies_arrive_incrementally_and_cost_only_what_is_new(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine
) -> None:
    assert sync().ok
    before = set(comments(engine))
    x_sandbox.advance(24 * 60)
    later = sync()
    after = set(comments(engine))
    assert later.ok
    assert after > before
    assert later.comments.new == len(after - before)
    _posts, replies = expected_items(x_sandbox)
    assert after >= replies
    assert later.units_read <= 2 * (later.posts.new + later.comments.new)


def test_configured_user_id_needs_no_lookup(sync: Sync, x_sandbox: Sandbox) -> None:
    assert sync(user_id=DISTRICT_USER_ID).ok
    assert not x_sandbox.requests.find(LOOKUP)


def test_without_conversation_search_only_timelines_are_read(
    sync: Sync, x_sandbox: Sandbox
) -> None:
    result = sync(search_conversations=False)
    assert result.ok
    assert not x_sandbox.requests.find(SEARCH)
    assert result.cost == pytest.approx(0.01 + 0.001 * (result.units_read - 1))


def test_an_edit_within_30_minutes_updates_the_post_and_keeps_the_old_text(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine
) -> None:
    world, now = x_sandbox.x.world, x_sandbox.now()
    edited = next(t for t in world.tweets() if len(t.versions) > 1 and t.created_at > now)
    x_sandbox.advance((edited.created_at - now).total_seconds() / 60 + 1)
    assert sync().ok
    x_sandbox.advance((edited.versions[1].at - edited.created_at).total_seconds() / 60)
    result = sync()
    assert result.posts.updated == 1
    assert str(edited.key) in post_ids(engine)
    assert str(edited.versions[1].id) not in post_ids(engine), "one item per edit chain"
    with engine.connect() as conn:
        text = conn.execute(
            sa.text("SELECT text FROM post WHERE external_id = :k"), {"k": str(edited.key)}
        ).scalar_one()
        old = conn.execute(sa.text("SELECT text FROM content_revision")).scalars().all()
    assert text == edited.versions[1].text
    assert old == [edited.versions[0].text]


def test_an_answer_with_both_versions_stores_the_edit_and_keeps_the_original_as_revision(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine
) -> None:
    """The listing carries the original and the edit (newest id first, as X orders)."""
    world, now = x_sandbox.x.world, x_sandbox.now()
    edited = next(t for t in world.tweets() if len(t.versions) > 1 and t.created_at > now)
    assert sync().ok
    x_sandbox.advance((edited.versions[1].at - now).total_seconds() / 60 + 1)
    x_sandbox.x.every_version = True
    assert sync().ok
    with engine.connect() as conn:
        text = conn.execute(
            sa.text("SELECT text FROM post WHERE external_id = :k"), {"k": str(edited.key)}
        ).scalar_one()
        old = conn.execute(sa.text("SELECT text FROM content_revision")).scalars().all()
    assert text == edited.versions[1].text
    assert edited.versions[0].text in old


# -- deletions (reconcile) -------------------------------------------------------------------


def deleted_marks(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {
            row[0]
            for table in ("post", "comment")
            for row in conn.execute(
                sa.text(f"SELECT external_id FROM {table} WHERE deleted_upstream_at IS NOT NULL")
            )
        }


def lookups(sandbox: Sandbox) -> list[list[str]]:
    return [
        r.query["ids"][0].split(",")
        for r in sandbox.requests.find("/2/tweets")
        if r.path == "/2/tweets"
    ]


def recent_stored(sandbox: Sandbox, engine: sa.Engine) -> tuple[XTweet, XTweet, XTweet]:
    """A stored post, a stored resident's tweet and another one, all of the last 7 days."""
    world, now = sandbox.x.world, sandbox.now()
    with engine.connect() as conn:
        stored = {row[0] for t in ("post", "comment")
                  for row in conn.execute(sa.text(f"SELECT external_id FROM {t}"))}  # fmt: skip
    recent = [t for t in world.tweets() if str(t.key) in stored
              and now - timedelta(days=6) < t.created_at <= now]  # fmt: skip
    post = next(t for t in recent if t.author.id == DISTRICT_USER_ID and t.replied_to is None)
    residents = [t for t in recent if t.author.id != DISTRICT_USER_ID]
    return post, residents[0], residents[1]


def test_reconcile_marks_tweets_x_no_longer_finds_as_deleted_and_nothing_else(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine
) -> None:
    assert sync().ok
    post, reply, protected = recent_stored(x_sandbox, engine)
    world, now = x_sandbox.x.world, x_sandbox.now()
    world.delete(post.key, now)
    world.delete(reply.versions[-1].id, now)
    world.protected.add(protected.key)
    assert sync().ok
    assert deleted_marks(engine) == set(), "timelines do not tell: only reconcile looks"
    result = sync(reconcile=True)
    assert result.ok, result.error
    assert deleted_marks(engine) == {str(post.key), str(reply.key)}
    asked = lookups(x_sandbox)
    assert asked
    assert all(len(ids) <= 100 for ids in asked)
    assert {str(post.key), str(reply.key), str(protected.key)} <= {i for ids in asked for i in ids}
    assert result.units_read >= sum(len(ids) for ids in asked) - 3


def test_reconcile_checks_the_budget_before_each_lookup(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine
) -> None:
    first = sync(search_conversations=False)
    assert first.ok
    # the timeline calls (up to 0.10 each) read nothing new and cost nothing; a lookup of
    # the window's tweets (dozens at 0.005) may cost more than the 0.101 left
    result = sync(reconcile=True, search_conversations=False, monthly_budget=first.cost + 0.101)
    assert result.status == "budget_exhausted"
    assert lookups(x_sandbox) == []
    assert deleted_marks(engine) == set()


# -- budget ----------------------------------------------------------------------------------


def test_budget_exhausted_stops_before_the_call_that_could_exceed_it(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine
) -> None:
    result = sync(monthly_budget=0.15)  # lookup 0.01 + timeline <= 0.10, then mentions may not
    assert result.status == "budget_exhausted"
    assert "budget $0.15" in (result.error or "")
    assert post_ids(engine), "what was read before the stop is stored"
    assert not x_sandbox.requests.find(MENTIONS)
    assert result.cost <= 0.15

    x_sandbox.requests.clear()
    again = sync(monthly_budget=0.15)
    assert again.status == "budget_exhausted", "earlier runs this month count"
    assert requested(x_sandbox) == []


# -- rate limits and errors ------------------------------------------------------------------


def test_429_within_the_allowed_wait_is_waited_out_and_the_run_succeeds(
    sync: Sync, x_sandbox: Sandbox, sleeps: list[float]
) -> None:
    rate_limit_fault(x_sandbox.faults, x_sandbox.now(), MENTIONS, reset_in=20, times=1)
    result = sync()
    assert result.ok
    assert sleeps == [21.0]


def test_429_beyond_the_allowed_wait_ends_throttled_and_the_next_run_resumes(
    sync: Sync, x_sandbox: Sandbox, x_store: Store, sleeps: list[float]
) -> None:
    rate_limit_fault(x_sandbox.faults, x_sandbox.now(), MENTIONS, reset_in=600, times=1)
    first = sync()
    assert first.status == "throttled"
    assert "longer than the 60s" in (first.error or "")
    assert sleeps == []
    cursors = x_store.sync.cursors(x_store.sync.ensure_account("x-account", "twitter"))
    assert "tweets" in cursors
    assert "mentions" not in cursors
    resumed = sync()
    assert resumed.ok
    assert resumed.comments.new > 0
    assert resumed.posts.new == 0, "own tweets were stored by the throttled run"


def test_429_without_reset_header_does_not_loop(
    sync: Sync, x_sandbox: Sandbox, sleeps: list[float]
) -> None:
    rate_limit_fault(x_sandbox.faults, x_sandbox.now(), TWEETS, reset_in=None)
    result = sync()
    assert result.status == "throttled"
    waits = HttpSettings().throttle_waits
    assert len(x_sandbox.requests.find(TWEETS)) == waits + 1
    assert len(sleeps) == waits


def test_usage_cap_ends_the_run_as_budget_exhausted(sync: Sync, x_sandbox: Sandbox) -> None:
    problem_fault(
        x_sandbox.faults, "/2/", 429, "UsageCapExceeded", "Usage cap exceeded", "usage-capped"
    )
    assert sync().status == "budget_exhausted"


def test_429_mid_pagination_keeps_stored_pages_and_the_cursor_until_the_window_completes(
    make_sandbox: SandboxFactory, tmp_path: Path, engine: sa.Engine, sleeps: list[float]
) -> None:
    sandbox = make_sandbox(comments=1200)
    config = sandbox.write_config(tmp_path / "big.yaml")
    account = load_settings(config, environ=SANDBOX_ENV).account("x-account")
    assert isinstance(account, TwitterAccount)
    store = Store(engine, clock=sandbox.now)
    account_id = store.sync.ensure_account("x-account", "twitter")
    http = HttpClient(sleep=sleeps.append)
    connector = TwitterConnector(account, SyncContext(http=http, clock=sandbox.now))
    mention_pages = 0

    def pull_and_store() -> None:
        nonlocal mention_pages
        for batch in connector.pull(store.sync.cursors(account_id)):
            store.sync.apply_batch(account_id, batch)
            if batch.stream == "mentions":
                mention_pages += 1
                rate_limit_fault(sandbox.faults, sandbox.now(), MENTIONS, reset_in=3600)

    with pytest.raises(RateLimited):
        pull_and_store()
    http.session.close()
    assert mention_pages == 1, "page 1 stored, page 2 throttled"
    assert "mentions" not in store.sync.cursors(account_id)
    stored_after_page_1 = set(comments(engine))

    sandbox.faults.clear()
    result = sync_account(store, account, TwitterConnector)
    assert result.ok
    assert set(comments(engine)) > stored_after_page_1
    assert result.comments.updated == 0
    assert "mentions" in store.sync.cursors(account_id)


def test_server_errors_are_retried_and_counted_as_calls(
    sync: Sync, x_sandbox: Sandbox, sleeps: list[float]
) -> None:
    x_sandbox.faults.status(TWEETS, 503, times=1)
    x_sandbox.faults.status(TWEETS, 500, times=1)
    result = sync()
    assert result.ok
    assert sleeps == [1.0, 2.0]
    assert result.api_calls == len(requested(x_sandbox))


def test_wrong_token_needs_reauth_without_showing_the_token(
    sync: Sync, account: TwitterAccount, x_sandbox: Sandbox
) -> None:
    token = account.bearer_token.model_copy(update={"value": "expired-token-0123456789"})  # type: ignore[union-attr]
    result = sync(bearer_token=token)
    assert result.status == "needs_reauth"
    assert "bearer token" in (result.error or "")
    assert "expired-token-0123456789" not in (result.error or "")


def test_forbidden_is_permission_missing(sync: Sync, x_sandbox: Sandbox) -> None:
    problem_fault(
        x_sandbox.faults, MENTIONS, 403, "Forbidden", "not permitted", "not-authorized-for-resource"
    )
    result = sync()
    assert result.status == "permission_missing"
    assert "permissions" in (result.error or "")


def test_partial_errors_store_the_good_items_and_warn_per_item(
    sync: Sync, x_sandbox: Sandbox, engine: sa.Engine, sandbox_http: Any
) -> None:
    url = x_sandbox.url(MENTIONS) + "?max_results=5&tweet.fields=author_id,conversation_id"
    page = sandbox_http.get(url, headers={"Authorization": f"Bearer {BEARER_TOKEN}"}).json()
    page["errors"] = [{
        "value": "1", "detail": "Could not find tweet with referenced_tweets.id: [1].",
        "title": "Not Found Error", "resource_type": "tweet", "parameter": "referenced_tweets.id",
        "resource_id": "1", "type": "https://api.twitter.com/2/problems/resource-not-found",
    }]  # fmt: skip
    headers = {"Content-Type": "application/json"}
    x_sandbox.faults.status(MENTIONS, 200, body=json.dumps(page).encode(), headers=headers, times=1)
    result = sync()
    assert result.status == "ok_with_warnings"
    assert any("tweet 1: Not Found Error" in w for w in result.warnings)
    assert {t["id"] for t in page["data"]} <= set(comments(engine))


def test_a_full_sync_never_logs_the_bearer_token(
    sync: Sync, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert sync().ok
    assert BEARER_TOKEN not in caplog.text
