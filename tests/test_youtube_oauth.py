"""YouTube writes with refreshed OAuth tokens, over real HTTP against the sandbox's token
endpoint and its write endpoints (which take only unexpired tokens the sandbox issued):
refresh at the first write, before expiry, after a 401; `invalid_grant` -> needs_reauth
(the account's health: tests/test_youtube_reauth_health.py);
no secret in any log record or message; the settings' validation."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from aggregator.http import HttpClient
from aggregator.sandbox import Sandbox
from aggregator.sandbox.youtube import KEY_ENV, TOKEN_ENV
from aggregator.sandbox.youtube import account_config as youtube_config
from aggregator.sandbox.youtube_oauth import (
    CLIENT_SECRET,
    OAUTH_ENV,
    REFRESH_TOKEN,
    TOKEN_PATH,
)
from aggregator.sandbox.youtube_world import YtComment
from connectors.common.reply import ReplyTarget, WriteError, WriteErrorKind
from connectors.youtube.oauth_state import OAUTH, write_health
from connectors.youtube.settings import TOKEN_URL, YouTubeAccount
from connectors.youtube.write import YouTubeWriter
from tests.fixtures_sandbox import LOOPBACK_HTTP

ANSWER = "안녕하세요, 한빛구청입니다. 문의 주신 내용은 확인 후 안내드리겠습니다."
ENVIRON = {KEY_ENV: "AIzaSyHanbitSandboxKey-sotongTV-0000000", **OAUTH_ENV}


def refresh_account(sandbox: Sandbox, **changes: Any) -> YouTubeAccount:
    data = {**youtube_config(sandbox.base_url, 15, refresh=True), **changes}
    return YouTubeAccount.model_validate(data, context={"environ": ENVIRON})


@pytest.fixture
def saved() -> dict[str, Any]:
    return {}


@pytest.fixture
def writer(sandbox: Sandbox, sandbox_client: HttpClient, saved: dict[str, Any]) -> YouTubeWriter:
    made = YouTubeWriter(refresh_account(sandbox), sandbox_client)
    made.open_quota({}, sandbox.now, saved.__setitem__)
    return made


def open_threads(sandbox: Sandbox) -> list[YtComment]:
    world, now = sandbox.youtube.world, sandbox.now()
    found: list[YtComment] = []
    for video in world.videos(now):
        if not video.comments_disabled:
            found += [c for c in world.comments(video, now) if not c.is_reply
                      and not c.by_channel and c.status == "published"]  # fmt: skip
    return found


def target(comment: YtComment) -> ReplyTarget:
    return ReplyTarget("youtube", comment.id, comment.thread_id)


def inserts(sandbox: Sandbox) -> list[Any]:
    """The `comments.insert` requests the sandbox received."""
    found = sandbox.requests.find("/youtube/v3/comments", method="POST")
    return [r for r in found if r.path == "/youtube/v3/comments"]


def token_requests(sandbox: Sandbox) -> int:
    return len(sandbox.requests.find(TOKEN_PATH, method="POST"))


def test_the_first_write_refreshes_a_token_and_sends_it(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    thread = open_threads(sandbox)[0]
    writer.post_reply(target(thread), ANSWER)
    [grant] = sandbox.requests.find(TOKEN_PATH, method="POST")
    assert grant.header("content-type") == "application/x-www-form-urlencoded"
    assert sandbox.youtube.tokens.issued == 1
    [write] = inserts(sandbox)
    bearer = (write.header("authorization") or "").removeprefix("Bearer ")
    assert sandbox.youtube.tokens.valid(bearer)


def test_the_token_is_kept_until_a_minute_before_it_expires(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    first, second, third = open_threads(sandbox)[:3]
    writer.post_reply(target(first), ANSWER)
    sandbox.advance(57)  # 57 of the token's 59:59 minutes: still more than 60 s left
    writer.set_hidden(target(second), True)
    assert token_requests(sandbox) == 1
    sandbox.advance(2)  # 59 minutes: within the last minute -> refreshed before the call
    writer.set_hidden(target(third), True)
    assert token_requests(sandbox) == 2
    assert len(inserts(sandbox)) == 1
    assert sandbox.youtube.world.comment(third.id, sandbox.now()).status == "rejected"  # type: ignore[union-attr]


def test_an_expired_token_mid_run_is_refreshed_not_sent(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    first, second = open_threads(sandbox)[:2]
    writer.post_reply(target(first), ANSWER)
    sandbox.advance(90)
    posted = writer.post_reply(target(second), ANSWER)
    assert token_requests(sandbox) == 2
    assert len(inserts(sandbox)) == 2  # no 401 on the way
    assert sandbox.youtube.world.comment(posted.platform_id, sandbox.now()) is not None


def test_a_401_refreshes_once_and_sends_again(sandbox: Sandbox, writer: YouTubeWriter) -> None:
    first, second = open_threads(sandbox)[:2]
    writer.post_reply(target(first), ANSWER)
    sandbox.youtube.tokens.expire_access_tokens()  # YouTube refuses it before its time
    posted = writer.post_reply(target(second), ANSWER)
    assert posted.platform_id
    assert len(inserts(sandbox)) == 3  # 200 401 200
    assert token_requests(sandbox) == 2
    assert writer.units == 150  # the refused call is charged too (Google charges invalid calls)


def test_a_second_401_after_the_refresh_is_an_auth_error(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    sandbox.youtube.expire_token()  # every token refused, fresh ones too
    with pytest.raises(WriteError) as caught:
        writer.post_reply(target(open_threads(sandbox)[0]), ANSWER)
    assert caught.value.kind is WriteErrorKind.AUTH
    assert token_requests(sandbox) == 2
    assert len(inserts(sandbox)) == 2


def test_invalid_grant_puts_the_account_in_needs_reauth_naming_it(
    sandbox: Sandbox, writer: YouTubeWriter, saved: dict[str, Any]
) -> None:
    sandbox.youtube.tokens.revoke_refresh_token()
    for thread in open_threads(sandbox)[:2]:
        with pytest.raises(WriteError) as caught:
            writer.post_reply(target(thread), ANSWER)
        error = caught.value
        assert error.kind is WriteErrorKind.AUTH
        assert "needs_reauth" in error.message
        assert "'youtube'" in error.message
        assert "invalid_grant" in error.message
        assert "'youtube'" in error.staff_message
        assert "재인증" in error.staff_message
    assert writer.needs_reauth
    assert token_requests(sandbox) == 1  # not asked again once refused
    assert inserts(sandbox) == []
    assert writer.units == 0  # nothing was sent: no quota spent
    assert saved[OAUTH]["state"] == "needs_reauth"
    flag = write_health(refresh_account(sandbox), saved, sandbox.now())
    assert flag is not None
    assert flag.state == "needs_reauth"


def test_a_new_refresh_token_clears_the_stored_needs_reauth(
    sandbox: Sandbox, sandbox_client: HttpClient, saved: dict[str, Any]
) -> None:
    made = YouTubeWriter(refresh_account(sandbox), sandbox_client)
    made.open_quota(
        {OAUTH: {"state": "needs_reauth", "since": "x"}}, sandbox.now, saved.__setitem__
    )
    made.set_hidden(target(open_threads(sandbox)[0]), True)
    assert saved[OAUTH]["state"] == "ok"


def test_a_wrong_client_secret_is_needs_reauth_too(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    account = YouTubeAccount.model_validate(
        {**youtube_config(sandbox.base_url, 15, refresh=True), "client_secret": {"env": "W"}},
        context={"environ": {**ENVIRON, "W": "GOCSPX-not-the-right-one"}},
    )
    made = YouTubeWriter(account, sandbox_client)
    made.open_quota({}, sandbox.now, lambda _s, _v: None)
    with pytest.raises(WriteError) as caught:
        made.set_hidden(target(open_threads(sandbox)[0]), True)
    assert caught.value.kind is WriteErrorKind.AUTH
    assert "invalid_client" in caught.value.message


def test_a_5xx_from_the_token_endpoint_is_retried(sandbox: Sandbox) -> None:
    settings = replace(LOOPBACK_HTTP, retries=1, backoff_seconds=0.01)
    with requests.Session() as session:
        session.trust_env = False
        writer = YouTubeWriter(refresh_account(sandbox), HttpClient(settings, session))
        writer.open_quota({}, sandbox.now, lambda _s, _v: None)
        sandbox.faults.status(TOKEN_PATH, 503, times=1)
        writer.set_hidden(target(open_threads(sandbox)[0]), True)
    assert token_requests(sandbox) == 2  # 503, then 200
    assert sandbox.youtube.tokens.requests == 1


def test_no_secret_reaches_a_log_record_or_a_message(
    sandbox: Sandbox, writer: YouTubeWriter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first, second = open_threads(sandbox)[:2]
    writer.post_reply(target(first), ANSWER)
    sandbox.youtube.tokens.expire_access_tokens()
    writer.post_reply(target(second), ANSWER)
    sandbox.advance(120)
    sandbox.faults.status(TOKEN_PATH, 500, times=1)
    sandbox.youtube.tokens.revoke_refresh_token()
    with pytest.raises(WriteError) as caught:
        writer.set_hidden(target(first), True)
    issued = [
        (r.header("authorization") or "").removeprefix("Bearer ")
        for r in sandbox.requests.find("/youtube/v3/", method="POST")
    ]
    secrets = [CLIENT_SECRET, REFRESH_TOKEN, *issued]
    shown = caplog.text + str(caught.value) + caught.value.message + caught.value.staff_message
    assert len(caplog.records) > 5  # urllib3's request lines and ours were captured
    assert "token refreshed" in caplog.text
    for secret in secrets:
        assert secret not in shown


def test_settings_name_the_missing_refresh_key() -> None:
    base = youtube_config("http://127.0.0.1:9", 15, refresh=True)
    del base["client_secret"]
    with pytest.raises(ValidationError, match="client_secret: required with client_id"):
        YouTubeAccount.model_validate(base, context={"environ": ENVIRON})


def test_settings_refuse_a_fixed_token_beside_the_refresh_flow() -> None:
    both = {**youtube_config("http://127.0.0.1:9", 15, refresh=True)}
    both["write_access_token"] = {"env": TOKEN_ENV}
    with pytest.raises(ValidationError, match="write_access_token: give either"):
        YouTubeAccount.model_validate(both, context={"environ": {**ENVIRON, TOKEN_ENV: "t" * 20}})


def test_settings_keep_the_fixed_token_and_default_the_token_url() -> None:
    fixed = youtube_config("http://127.0.0.1:9", 15)
    account = YouTubeAccount.model_validate(
        fixed, context={"environ": {**ENVIRON, TOKEN_ENV: "ya29.fixed-token-0000"}}
    )
    assert account.can_write()
    assert not account.refreshes
    assert str(account.token_url) == TOKEN_URL
    unset = YouTubeAccount.model_validate(
        youtube_config("http://127.0.0.1:9", 15, refresh=True), context={"environ": {}}
    )
    assert not unset.can_write()  # refresh variables unset: copy-and-confirm


def test_secrets_must_come_from_the_environment() -> None:
    inline = {**youtube_config("http://127.0.0.1:9", 15, refresh=True), "refresh_token": "1//x"}
    with pytest.raises(ValidationError, match="use \\{env: VARIABLE_NAME\\}"):
        YouTubeAccount.model_validate(inline, context={"environ": ENVIRON})
