"""Instagram API with Instagram Login (`api: instagram_login`): settings, error mapping on our
own fixtures, the connector against the sandbox's `graph.instagram.com`, the token's age and
its refresh call."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from aggregator.config import ConfigError, parse_settings
from aggregator.connector import AuthExpired, FetchError, PermissionMissing, SyncContext
from aggregator.db import create_db_engine
from aggregator.http import HttpClient, HttpSettings
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, SANDBOX_NETWORKS
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.sandbox.instagram import LOGIN_PREFIX, USER_TOKEN, USER_TOKEN_ENV
from aggregator.sandbox.instagram_login import account_config
from aggregator.sandbox.instagram_world import IG_USER_ID
from aggregator.store import Store
from aggregator.sync import RunResult, SyncOptions, sync_account
from connectors.common.reply import ReplyTarget
from connectors.graph.errors import Action, GraphError, GraphOwner, classify
from connectors.instagram.connector import InstagramConnector
from connectors.instagram.settings import InstagramAccount
from connectors.instagram.token import (
    TOKEN,
    fingerprint,
    refresh_access_token,
    token_note,
)
from connectors.instagram.write import InstagramWriter
from tests.samples import fixture_json

ENV = {**SANDBOX_ENV}


def login_account(base_url: str, **overrides: Any) -> InstagramAccount:
    data = {**account_config(base_url, 15), **overrides}
    return InstagramAccount.model_validate(data, context={"environ": ENV})


def config_error(account: dict[str, Any]) -> str:
    config = {"http": {"allow_private_networks": SANDBOX_NETWORKS}, "accounts": [account]}
    import yaml

    with pytest.raises(ConfigError) as caught:
        parse_settings(yaml.safe_dump(config), source="test", environ=ENV)
    return str(caught.value)


# -- settings --------------------------------------------------------------------------------


def test_existing_configs_read_through_facebook_login_on_graph_facebook_com() -> None:
    account = InstagramAccount.model_validate(
        {"platform": "instagram", "name": "ig", "ig_user_id": IG_USER_ID,
         "access_token": {"env": "HANBIT_FACEBOOK_PAGE_TOKEN"}},
        context={"environ": ENV},
    )  # fmt: skip
    assert (account.api, str(account.graph_url)) == (
        "facebook_login",
        "https://graph.facebook.com/",
    )


def test_instagram_login_reads_graph_instagram_com_unless_told_otherwise() -> None:
    entry = {**account_config("http://x", 15)}
    del entry["graph_url"]
    account = InstagramAccount.model_validate(entry, context={"environ": ENV})
    assert str(account.graph_url) == "https://graph.instagram.com/"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"api": "basic_display"}, "api"),
        ({"page_id": "104392018734562"}, "page_id"),
        ({"graph_url": "https://graph.facebook.com/"}, "graph_url"),
        ({"token_warn_days": 60}, "token_warn_days"),
    ],
)
def test_a_wrong_instagram_login_key_is_named(change: dict[str, Any], key: str) -> None:
    message = config_error({**account_config("http://127.0.0.1:1", 15), **change})
    assert key in message


def test_token_warn_days_is_refused_for_a_page_token() -> None:
    entry = {"platform": "instagram", "name": "ig", "ig_user_id": IG_USER_ID,
             "access_token": {"env": "HANBIT_FACEBOOK_PAGE_TOKEN"},
             "token_warn_days": 30}  # fmt: skip
    assert "token_warn_days" in config_error(entry)


# -- errors (our fixtures, IGApiException envelopes) ------------------------------------------


def outcome(name: str) -> Any:
    account = login_account("http://127.0.0.1:1")
    error = GraphError.from_body(fixture_json("instagram", name))
    return classify(error, account.graph_owner(), USER_TOKEN_ENV)


def test_an_expired_instagram_user_token_needs_reauth_naming_the_variable() -> None:
    found = outcome("ig_login_expired_token.json")
    assert isinstance(found.error, AuthExpired)
    message = str(found.error)
    assert message.startswith("Instagram rejected the Instagram User token of Instagram account")
    assert "IGApiException" in message
    assert f"${USER_TOKEN_ENV}" in message
    assert "Instagram Login" in message


def test_instagram_login_throttling_is_waited_out_like_graphs() -> None:
    assert outcome("ig_login_throttled.json").action is Action.THROTTLE


def test_a_missing_instagram_login_permission_names_the_business_scope() -> None:
    found = outcome("ig_login_permission.json")
    assert isinstance(found.error, PermissionMissing)
    assert "instagram_business_basic" in str(found.error)
    assert "Instagram User token" in str(found.error)


def test_error_2500_fails_the_run_naming_the_path() -> None:
    found = outcome("ig_login_exception.json")
    assert isinstance(found.error, FetchError)
    assert "(#2500 IGApiException) Unknown path components: /insights/week" in str(found.error)


def test_the_page_tokens_messages_are_unchanged() -> None:
    error = GraphError(190, 463, "OAuthException", "Session has expired.")
    message = str(classify(error, GraphOwner("1"), "FB").error)
    assert message == (
        "Facebook rejected the Page access token of page 1: the token has expired "
        "(#190/463 OAuthException) Session has expired.. A Page admin must issue a new "
        "long-lived Page access token (README, 'Facebook') and set it in $FB; the next run "
        "uses it."
    )


# -- the connector against the sandbox's graph.instagram.com ----------------------------------


class Harness:
    def __init__(self, sandbox: Sandbox, db_url: str) -> None:
        self.sandbox = sandbox
        self.store = Store(create_db_engine(db_url), clock=sandbox.now)
        self.account = login_account(sandbox.base_url)

    def connector(self, account: InstagramAccount, context: SyncContext) -> InstagramConnector:
        return InstagramConnector(account, context, sleep=lambda seconds: None)

    def sync(self) -> RunResult:
        self.sandbox.requests.clear()
        options = SyncOptions(http=HttpSettings())
        return sync_account(self.store, self.account, self.connector, options)

    def cursors(self) -> dict[str, Any]:
        account_id = self.store.sync.ensure_account(self.account.name, "instagram")
        return self.store.sync.cursors(account_id)


@pytest.fixture
def ig(sandbox: Sandbox, sqlite_url: str) -> Iterator[Harness]:
    harness = Harness(sandbox, sqlite_url)
    yield harness
    harness.store.close()


def test_the_connector_reads_graph_instagram_com_with_the_user_token(ig: Harness) -> None:
    first = ig.sync()
    assert first.status == "ok", first.error
    assert first.posts.new > 0
    assert first.comments.new > 0
    paths = {r.path for r in ig.sandbox.requests.find("/")}
    assert paths
    assert all(p.startswith(LOGIN_PREFIX + "/v25.0/") for p in paths)
    tokens = {r.query["access_token"][0] for r in ig.sandbox.requests.find("/")}
    assert tokens == {USER_TOKEN}
    again = ig.sync()
    assert (again.status, again.api_calls) == ("ok", 1)
    assert again.posts.new == again.comments.new == 0


def test_the_token_cursor_keeps_when_it_was_first_seen_and_no_token(ig: Harness) -> None:
    ig.sync()
    stored = ig.cursors()[TOKEN]
    assert stored["fingerprint"] == fingerprint(USER_TOKEN)
    assert USER_TOKEN not in str(stored)
    first_seen = stored["first_seen"]
    ig.sandbox.advance(60)
    ig.sync()
    assert ig.cursors()[TOKEN]["first_seen"] == first_seen


def test_a_token_first_seen_long_ago_warns_and_status_says_refresh(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    account = login_account(sandbox.base_url, token_warn_days=30)
    seen = f"{sandbox.now() - timedelta(days=31):%Y-%m-%d}"
    cursors = {TOKEN: {"fingerprint": fingerprint(USER_TOKEN), "first_seen": seen}}
    context = SyncContext(http=sandbox_client, clock=sandbox.now)
    batches = list(InstagramConnector(account, context, sleep=lambda s: None).pull(cursors))
    warnings = [w for b in batches for w in b.warnings]
    assert len(warnings) == 1
    assert "first seen 31 days ago" in warnings[0]
    assert f"${USER_TOKEN_ENV}" in warnings[0]
    assert batches[-1].cursor_updates[TOKEN] == cursors[TOKEN]
    note = token_note(account, cursors)
    assert note is not None
    assert note.startswith("Instagram User token in use since")


def test_a_new_token_restarts_its_age(sandbox: Sandbox, sandbox_client: HttpClient) -> None:
    account = login_account(sandbox.base_url)
    old = {"fingerprint": fingerprint("an-older-token"), "first_seen": "2026-01-01T00:00:00+00:00"}
    context = SyncContext(http=sandbox_client, clock=sandbox.now)
    batches = list(InstagramConnector(account, context, sleep=lambda s: None).pull({TOKEN: old}))
    assert not [w for b in batches for w in b.warnings]
    assert batches[-1].cursor_updates[TOKEN]["first_seen"] == f"{sandbox.now():%Y-%m-%d}"


def test_facebook_login_keeps_no_token_cursor_and_no_status_line() -> None:
    entry = {"platform": "instagram", "name": "ig", "ig_user_id": IG_USER_ID,
             "access_token": {"env": "HANBIT_FACEBOOK_PAGE_TOKEN"}}  # fmt: skip
    account = InstagramAccount.model_validate(entry, context={"environ": ENV})
    assert token_note(account, {TOKEN: {"fingerprint": "x", "first_seen": "2026-01-01"}}) is None


# -- the refresh call ----------------------------------------------------------------------


def test_refresh_returns_a_token_the_host_accepts_and_never_logs_it(
    sandbox: Sandbox,
    sandbox_client: HttpClient,
    sandbox_http: requests.Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    account = login_account(sandbox.base_url)
    refreshed = refresh_access_token(sandbox_client, account)
    assert refreshed.expires_in == 60 * 24 * 3600
    assert refreshed.access_token != USER_TOKEN
    assert refreshed.access_token not in repr(refreshed)
    assert USER_TOKEN not in caplog.text
    assert refreshed.access_token not in caplog.text
    url = f"{sandbox.base_url}{LOGIN_PREFIX}/v25.0/{IG_USER_ID}"
    answer = sandbox_http.get(url, params={"access_token": refreshed.access_token}, timeout=5)
    assert answer.json() == {"id": IG_USER_ID}


def test_refreshing_a_refused_token_needs_reauth(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    ENV["WRONG_IG_TOKEN"] = PAGE_TOKEN
    account = login_account(sandbox.base_url, access_token={"env": "WRONG_IG_TOKEN"})
    with pytest.raises(AuthExpired, match="WRONG_IG_TOKEN"):
        refresh_access_token(sandbox_client, account)


def test_the_refresh_answer_fixture_has_what_the_call_reads() -> None:
    body = fixture_json("instagram", "ig_login_refresh_access_token.json")
    assert isinstance(body["access_token"], str)
    assert isinstance(body["expires_in"], int)


# -- answers through Instagram Login -----------------------------------------------------------


def test_a_reply_goes_to_graph_instagram_com_with_the_user_token(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    account = login_account(sandbox.base_url)
    world, now = sandbox.instagram.ig, sandbox.now()
    target = next(
        c for m in world.media(now) if m.comments_enabled
        for c in world.comments(m, now) if c.parent_id is None and not c.hidden
    )  # fmt: skip
    sandbox.requests.clear()
    writer = InstagramWriter(account, sandbox_client)
    posted = writer.post_reply(ReplyTarget("instagram-login", target.id, target.id), "감사합니다.")
    logged = sandbox.requests.find("/", method="POST")
    assert [r.path for r in logged] == [f"{LOGIN_PREFIX}/v25.0/{target.id}/replies"]
    media = world.media_item(target.media_id, sandbox.now())
    replies = {c.id: c for c in world.comments(media, sandbox.now()) if c.parent_id == target.id}
    assert replies[posted.platform_id].text == "감사합니다."
