"""Answering and hiding on X: the writer over real HTTP against the sandbox (tweepy)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from aggregator.config import load_settings
from aggregator.http import HttpClient
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.twitter import problem_fault, rate_limit_fault
from aggregator.sandbox.x_auth import BEARER_TOKEN, OAUTH1_ENV, OAUTH1_VALUES, USER_TOKEN
from aggregator.sandbox.x_world import XTweet
from aggregator.store import Store
from aggregator.sync import SyncOptions, sync_account
from connectors.common.reply import ReplyTarget, WriteError, WriteErrorKind
from connectors.twitter.connector import TwitterConnector
from connectors.twitter.settings import TwitterAccount
from connectors.twitter.write import XWriter, id_at, write_error
from tests.fixtures_sandbox import SandboxFactory

ANSWER = (
    "@{handle} 안녕하세요, 한빛구청입니다. 문의하신 주차 단속은 교통과(02-1234-5678)로 연락 주세요."
)
ENV = {**SANDBOX_ENV, "X_USER": USER_TOKEN, "X_WRONG": "not-a-token"}
ENV |= {OAUTH1_ENV[k]: v for k, v in OAUTH1_VALUES.items()}
OAUTH1 = {key: {"env": name} for key, name in OAUTH1_ENV.items()}


@pytest.fixture
def x_sandbox(make_sandbox: SandboxFactory) -> Sandbox:
    return make_sandbox(rewind_days=3)


def account(sandbox: Sandbox, tmp_path: Path, **changes: Any) -> TwitterAccount:
    config = sandbox.write_config(tmp_path / "config.yaml")
    found = load_settings(config, environ=ENV).account("x-account")
    assert isinstance(found, TwitterAccount)
    data = {**found.model_dump(mode="json", exclude={"bearer_token"}),
            "bearer_token": {"env": found.bearer_token.env if found.bearer_token else "X"},
            **changes}  # fmt: skip
    return TwitterAccount.model_validate(data, context={"environ": ENV})


def oauth2(sandbox: Sandbox, tmp_path: Path, token_env: str = "X_USER") -> TwitterAccount:
    return account(sandbox, tmp_path, write_with="oauth2_user",
                   write_user_token={"env": token_env})  # fmt: skip


def oauth1(sandbox: Sandbox, tmp_path: Path) -> TwitterAccount:
    return account(sandbox, tmp_path, write_with="oauth1_user", **OAUTH1)


def visible(sandbox: Sandbox) -> list[XTweet]:
    world, now = sandbox.x.world, sandbox.now()
    return [t for t in world.tweets() if t.created_at <= now and not world.gone(t, now)]


def summoning_reply(sandbox: Sandbox) -> XTweet:
    """The newest resident tweet that mentions the district (a reply may answer it)."""
    world = sandbox.x.world
    found = [
        t for t in visible(sandbox)
        if t.author is not world.district and t.mentions(world.district.username)
        and t.replied_to is not None
    ]  # fmt: skip
    return found[-1]


def unsummoned_reply(sandbox: Sandbox) -> XTweet:
    world = sandbox.x.world
    found = [
        t for t in visible(sandbox)
        if t.author is not world.district and not t.mentions(world.district.username)
    ]  # fmt: skip
    return found[-1]


def target_of(tweet: XTweet) -> ReplyTarget:
    tweet_id = str(tweet.key)
    return ReplyTarget("x-account", tweet_id, tweet_id, author_handle=tweet.author.username)


def answer_to(tweet: XTweet) -> str:
    return ANSWER.format(handle=tweet.author.username)


def district_replies_to(sandbox: Sandbox, tweet: XTweet) -> list[XTweet]:
    return [
        t for t in visible(sandbox)
        if t.author is sandbox.x.world.district and t.replied_to == tweet.key
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "detail", "kind"),
    [
        (401, "Unauthorized", WriteErrorKind.AUTH),
        (403, "You are not allowed to create a Tweet with duplicate content.",
         WriteErrorKind.DUPLICATE),
        (403, "You are not allowed to reply to this Tweet.", WriteErrorKind.RESTRICTED),
        (403, "Reply to this Tweet is not allowed because you have not been mentioned or "
              "otherwise engaged by the author of the post you are replying to.",
         WriteErrorKind.RESTRICTED),
        (403, "You attempted to reply to a Tweet that is deleted or not visible to you.",
         WriteErrorKind.TARGET_GONE),
        (403, "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.",
         WriteErrorKind.PERMISSION),
        (429, "Too Many Requests", WriteErrorKind.RATE_LIMITED),
        (503, "Service Unavailable", WriteErrorKind.NETWORK),
        (400, "The `text` field is too long", WriteErrorKind.INVALID),
    ],
)  # fmt: skip
def test_x_problems_map_to_write_error_kinds(
    status: int, detail: str, kind: WriteErrorKind
) -> None:
    error = write_error(status, {"title": "Forbidden", "detail": detail})
    assert error.kind is kind
    assert detail in error.message
    assert error.staff_message


def test_since_becomes_a_since_id_older_than_any_tweet_made_after_it(x_sandbox: Sandbox) -> None:
    tweet = summoning_reply(x_sandbox)
    assert id_at(tweet.created_at - timedelta(seconds=1)) < tweet.key
    assert id_at(tweet.created_at + timedelta(seconds=1)) > tweet.key


@pytest.mark.parametrize("credential", ["oauth2", "oauth1"])
def test_reply_is_posted_as_the_district_with_user_context(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path, credential: str
) -> None:
    tweet = summoning_reply(x_sandbox)
    settings = (oauth2 if credential == "oauth2" else oauth1)(x_sandbox, tmp_path)
    writer = XWriter(settings, sandbox_client)
    posted = writer.post_reply(target_of(tweet), answer_to(tweet))
    [reply] = district_replies_to(x_sandbox, tweet)
    assert posted.platform_id == posted.external_id == str(reply.key)
    assert reply.versions[0].text == answer_to(tweet)
    assert writer.spent == settings.prices.reply
    [request] = x_sandbox.requests.find("/2/tweets", method="POST")
    shown = (request.header("authorization") or "").split(" ")[0]
    assert shown == ("Bearer" if credential == "oauth2" else "OAuth")


def test_the_app_only_bearer_token_cannot_post(
    x_sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    tweet = summoning_reply(x_sandbox)
    answer = sandbox_http.post(
        x_sandbox.url("/2/tweets"), headers={"Authorization": f"Bearer {BEARER_TOKEN}"},
        json={"text": "x", "reply": {"in_reply_to_tweet_id": str(tweet.key)}}, timeout=5,
    )  # fmt: skip
    assert answer.status_code == 403
    assert answer.json()["title"] == "Unsupported Authentication"
    assert district_replies_to(x_sandbox, tweet) == []


def test_a_wrongly_signed_request_is_unauthorized(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    changed = {**ENV, OAUTH1_ENV["consumer_secret"]: "wrong-secret"}
    settings = account(x_sandbox, tmp_path, write_with="oauth1_user", **OAUTH1)
    keys = {k: {"env": v} for k, v in OAUTH1_ENV.items()}
    wrong = TwitterAccount.model_validate(
        {**settings.model_dump(mode="json"), **keys, "bearer_token": {"env": "X_WRONG"}},
        context={"environ": changed},
    )
    with pytest.raises(WriteError) as info:
        XWriter(wrong, sandbox_client).post_reply(target_of(tweet), answer_to(tweet))
    assert info.value.kind is WriteErrorKind.AUTH
    assert "wrong-secret" not in info.value.message


def test_find_reply_reads_back_our_reply(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    writer = XWriter(oauth2(x_sandbox, tmp_path), sandbox_client)
    since = x_sandbox.now()
    posted = writer.post_reply(target_of(tweet), answer_to(tweet))
    assert writer.find_reply(target_of(tweet), f" {answer_to(tweet)}\n", since) == posted
    assert writer.find_reply(target_of(tweet), "다른 답변", since) is None
    assert (
        writer.find_reply(target_of(tweet), answer_to(tweet), since + timedelta(minutes=5)) is None
    )
    [read] = x_sandbox.requests.find("/2/users/", method="GET")[-1:]
    assert "since_id" in read.query


def test_a_reply_to_an_unsummoned_post_is_restricted(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = unsummoned_reply(x_sandbox)
    with pytest.raises(WriteError) as info:
        XWriter(oauth2(x_sandbox, tmp_path), sandbox_client).post_reply(target_of(tweet), "답변")
    assert info.value.kind is WriteErrorKind.RESTRICTED


def test_a_post_whose_author_restricted_replies_is_restricted(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    x_sandbox.x.world.restrict_replies(tweet.key)
    with pytest.raises(WriteError) as info:
        XWriter(oauth2(x_sandbox, tmp_path), sandbox_client).post_reply(
            target_of(tweet), answer_to(tweet)
        )
    assert info.value.kind is WriteErrorKind.RESTRICTED


def test_identical_text_is_refused_as_duplicate_content(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    writer = XWriter(oauth2(x_sandbox, tmp_path), sandbox_client)
    writer.post_reply(target_of(tweet), answer_to(tweet))
    with pytest.raises(WriteError) as info:
        writer.post_reply(target_of(tweet), answer_to(tweet))
    assert info.value.kind is WriteErrorKind.DUPLICATE
    assert len(district_replies_to(x_sandbox, tweet)) == 1


def test_a_deleted_post_is_target_gone(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    x_sandbox.x.world.delete(tweet.key, x_sandbox.now() - timedelta(seconds=1))
    with pytest.raises(WriteError) as info:
        XWriter(oauth2(x_sandbox, tmp_path), sandbox_client).post_reply(
            target_of(tweet), answer_to(tweet)
        )
    assert info.value.kind is WriteErrorKind.TARGET_GONE


def test_a_revoked_user_token_is_an_auth_error(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    writer = XWriter(oauth2(x_sandbox, tmp_path, "X_WRONG"), sandbox_client)
    with pytest.raises(WriteError) as info:
        writer.post_reply(target_of(tweet), answer_to(tweet))
    assert info.value.kind is WriteErrorKind.AUTH


def test_a_429_is_rate_limited_with_the_reset_wait(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    rate_limit_fault(x_sandbox.faults, x_sandbox.now(), "/2/tweets", reset_in=120, times=1)
    with pytest.raises(WriteError) as info:
        XWriter(oauth2(x_sandbox, tmp_path), sandbox_client).post_reply(
            target_of(tweet), answer_to(tweet)
        )
    assert info.value.kind is WriteErrorKind.RATE_LIMITED
    assert info.value.retry_after_seconds is not None
    assert 60 <= info.value.retry_after_seconds <= 180


def test_an_injected_401_is_auth(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    problem_fault(x_sandbox.faults, "/2/tweets", 401, "Unauthorized", "Unauthorized",
                  "about:blank", method="POST", times=1)  # fmt: skip
    with pytest.raises(WriteError) as info:
        XWriter(oauth2(x_sandbox, tmp_path), sandbox_client).post_reply(
            target_of(tweet), answer_to(tweet)
        )
    assert info.value.kind is WriteErrorKind.AUTH


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 503}, {"kind": "reset"}])
def test_a_reply_that_published_before_failing_is_found_by_read_back(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path, fault: dict[str, Any]
) -> None:
    tweet = summoning_reply(x_sandbox)
    x_sandbox.faults.add(path="/2/tweets", method="POST", times=1, after_handling=True, **fault)
    writer = XWriter(oauth1(x_sandbox, tmp_path), sandbox_client)
    since = x_sandbox.now()
    with pytest.raises(WriteError) as info:
        writer.post_reply(target_of(tweet), answer_to(tweet))
    assert info.value.kind is WriteErrorKind.NETWORK
    found = writer.find_reply(target_of(tweet), answer_to(tweet), since)
    assert found is not None
    assert [str(t.key) for t in district_replies_to(x_sandbox, tweet)] == [found.platform_id]


def test_hide_and_unhide_a_reply_in_the_districts_conversation(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path
) -> None:
    tweet = summoning_reply(x_sandbox)
    writer = XWriter(oauth1(x_sandbox, tmp_path), sandbox_client)
    writer.set_hidden(target_of(tweet), True)
    assert tweet.key in x_sandbox.x.world.hidden
    writer.set_hidden(target_of(tweet), False)
    assert tweet.key not in x_sandbox.x.world.hidden
    assert [r.method for r in x_sandbox.requests.find(f"/2/tweets/{tweet.key}/hidden")] == [
        "PUT", "PUT"
    ]  # fmt: skip


def test_synced_reply_has_the_posted_external_id_and_is_the_districts(
    x_sandbox: Sandbox, sandbox_client: HttpClient, tmp_path: Path, engine: sa.Engine
) -> None:
    tweet = summoning_reply(x_sandbox)
    settings = oauth2(x_sandbox, tmp_path)
    posted = XWriter(settings, sandbox_client).post_reply(target_of(tweet), answer_to(tweet))
    store = Store(engine, clock=x_sandbox.now)
    result = sync_account(store, settings, TwitterConnector, SyncOptions())
    assert result.status == "ok", result.error
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT * FROM comment WHERE external_id = :id"), {"id": posted.external_id}
        ).one()
    assert row.by_account_owner
    assert row.parent_external_id == str(tweet.key)
