"""The tweepy adapter over real HTTP against the sandbox's X API: host, limits, rate limits,
retries, error statuses, partial errors and secrets. Sleeps are recorded, never slept."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from oauthlib.oauth1.rfc5849 import signature  # type: ignore[import-untyped]

from aggregator.connector import (
    AuthExpired,
    BudgetExhausted,
    FetchError,
    ParseError,
    PermissionMissing,
    RateLimited,
)
from aggregator.http import HttpClient, HttpSettings
from aggregator.sandbox import Sandbox
from aggregator.sandbox.twitter import BEARER_TOKEN, problem_fault, rate_limit_fault
from aggregator.sandbox.x_world import DISTRICT_USER_ID
from connectors.twitter.api import XApi, XCredentials
from connectors.twitter.session import XSession

TWEETS = f"/2/users/{DISTRICT_USER_ID}/tweets"
MENTIONS = f"/2/users/{DISTRICT_USER_ID}/mentions"
MakeApi = Callable[..., XApi]
THROTTLE_WAITS = HttpSettings().throttle_waits


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_api(sandbox: Sandbox, sleeps: list[float]) -> Iterator[MakeApi]:
    made: list[XApi] = []

    def factory(
        credentials: XCredentials | None = None,
        api_url: str | None = None,
        deadline_seconds: float | None = None,
        max_wait: float = 60,
        **settings: Any,
    ) -> XApi:
        options = {"retries": 2, "connect_timeout": 2, "read_timeout": 5, **settings}
        deadline = time.monotonic() + deadline_seconds if deadline_seconds else None
        http = HttpClient(HttpSettings(**options), deadline=deadline, sleep=sleeps.append)
        api = XApi(
            credentials or XCredentials(bearer_token=BEARER_TOKEN),
            api_url or sandbox.base_url,
            http,
            sandbox.now,
            max_wait,
        )
        made.append(api)
        return api

    yield factory
    for api in made:
        api.close()
        api.http.session.close()


def x_requests(sandbox: Sandbox, path: str = "/2/") -> list[str]:
    return [r.path for r in sandbox.requests.find(path)]


# -- host, limits ----------------------------------------------------------------------------


def test_requests_go_to_the_configured_host_instead_of_api_twitter_com(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    api = make_api()
    page = api.user_by_username("hanbit_gu")
    assert page.data[0]["id"] == DISTRICT_USER_ID
    assert x_requests(sandbox) == ["/2/users/by/username/hanbit_gu"]
    assert page.url == sandbox.url("/2/users/by/username/hanbit_gu")
    assert api.http.calls == 1


def test_a_path_prefix_in_api_url_is_kept_and_other_hosts_are_left_alone(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    session = make_api(api_url=sandbox.url("/proxy/x/")).session
    assert session.rewrite("https://api.twitter.com/2/tweets?ids=1") == sandbox.url(
        "/proxy/x/2/tweets?ids=1"
    )
    assert session.rewrite("https://api.twitter.com.evil.example/2/") == (
        "https://api.twitter.com.evil.example/2/"
    )


def test_user_context_is_signed_for_the_host_the_request_is_sent_to(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    keys = XCredentials(
        consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats"
    )
    with pytest.raises(AuthExpired):  # the sandbox only accepts its bearer token
        make_api(keys).user_by_username("hanbit_gu")
    sent = sandbox.requests.find("/2/users/by/username/")[0]
    header = sent.header("authorization") or ""
    params = signature.collect_parameters(
        uri_query=urlencode({k: v[0] for k, v in sent.query.items()}),
        headers={"Authorization": header},
        exclude_oauth_signature=True,
    )
    base = signature.signature_base_string(
        "GET",
        signature.base_string_uri(sandbox.url(sent.path)),
        signature.normalize_parameters(params),
    )
    keys_holder = SimpleNamespace(client_secret="cs", resource_owner_secret="ats")
    expected = signature.sign_hmac_sha1_with_client(base, keys_holder)
    assert unquote(header.split('oauth_signature="')[1].split('"')[0]) == expected


def test_a_server_that_never_answers_times_out_instead_of_hanging(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    sandbox.faults.add("hang", "/2/")
    api = make_api(retries=0, read_timeout=0.3)
    with pytest.raises(FetchError, match="timed out"):
        api.user_by_username("hanbit_gu")


def test_a_body_over_the_size_cap_is_refused(sandbox: Sandbox, make_api: MakeApi) -> None:
    sandbox.faults.add("oversized", "/2/", size=50_000)
    with pytest.raises(FetchError, match="exceeds cap"):
        make_api(max_body_bytes=20_000).user_by_username("hanbit_gu")


def test_an_answer_that_is_not_json_is_a_parse_error(sandbox: Sandbox, make_api: MakeApi) -> None:
    sandbox.faults.add("malformed", "/2/", mode="html", times=1)
    with pytest.raises(ParseError, match="not JSON"):
        make_api().users_tweets(DISTRICT_USER_ID, None, None, 5)


# -- rate limits -----------------------------------------------------------------------------


def test_429_with_a_near_reset_waits_through_the_injected_sleep_then_continues(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    rate_limit_fault(sandbox.faults, sandbox.now(), MENTIONS, reset_in=30, times=1)
    page = make_api().users_mentions(DISTRICT_USER_ID, None, None, 5)
    assert len(page.data) == 5
    assert sleeps == [31.0], "reset - X's Date + 1 second"
    assert len(x_requests(sandbox)) == 2


def test_429_with_a_reset_beyond_the_allowed_wait_ends_the_call_without_sleeping(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    rate_limit_fault(sandbox.faults, sandbox.now(), MENTIONS, reset_in=900, times=1)
    with pytest.raises(RateLimited, match="longer than the 60s") as caught:
        make_api(max_wait=60).users_mentions(DISTRICT_USER_ID, None, None, 5)
    assert caught.value.retry_after_seconds == 901
    assert sleeps == []
    assert len(x_requests(sandbox)) == 1


def test_429_with_a_reset_beyond_the_run_deadline_ends_the_call(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    rate_limit_fault(sandbox.faults, sandbox.now(), MENTIONS, reset_in=45, times=1)
    with pytest.raises(RateLimited, match="run deadline"):
        make_api(deadline_seconds=20, max_wait=300).users_mentions(DISTRICT_USER_ID, None, None, 5)
    assert sleeps == []


def test_429_without_reset_header_backs_off_a_bounded_number_of_times(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    rate_limit_fault(sandbox.faults, sandbox.now(), "/2/", reset_in=None)
    with pytest.raises(RateLimited, match="without x-rate-limit-reset"):
        make_api().users_tweets(DISTRICT_USER_ID, None, None, 5)
    assert len(sleeps) == THROTTLE_WAITS
    assert all(0 < s <= 60 for s in sleeps)
    assert len(x_requests(sandbox)) == THROTTLE_WAITS + 1


def test_429_that_persists_after_several_resets_stops_instead_of_looping(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    rate_limit_fault(sandbox.faults, sandbox.now(), "/2/", reset_in=10)
    with pytest.raises(RateLimited, match="still rate limited"):
        make_api().users_tweets(DISTRICT_USER_ID, None, None, 5)
    assert len(sleeps) == THROTTLE_WAITS
    assert len(x_requests(sandbox)) == THROTTLE_WAITS + 1


def test_usage_capped_429_is_budget_exhausted_at_once(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    problem_fault(
        sandbox.faults, "/2/", 429, "UsageCapExceeded", "Usage cap exceeded: Monthly product cap",
        "usage-capped",
    )  # fmt: skip
    with pytest.raises(BudgetExhausted, match="usage cap"):
        make_api().users_tweets(DISTRICT_USER_ID, None, None, 5)
    assert sleeps == []
    assert len(x_requests(sandbox)) == 1


def test_the_sandbox_window_counter_answers_429_when_the_limit_is_used_up(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    sandbox.x.limits["users/mentions"] = 2
    api = make_api(max_wait=10)
    api.users_mentions(DISTRICT_USER_ID, None, None, 5)
    api.users_mentions(DISTRICT_USER_ID, None, None, 5)
    with pytest.raises(RateLimited) as caught:
        api.users_mentions(DISTRICT_USER_ID, None, None, 5)
    assert caught.value.retry_after_seconds is not None
    assert caught.value.retry_after_seconds > 10
    assert sleeps == []


# -- server and network errors, auth ---------------------------------------------------------


def test_503_then_500_then_200_is_retried_with_backoff(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    sandbox.faults.status("/2/", 503, times=1)
    sandbox.faults.status("/2/", 500, times=1)
    page = make_api(retries=2).users_tweets(DISTRICT_USER_ID, None, None, 5)
    assert len(page.data) == 5
    assert sleeps == [1.0, 2.0]
    assert len(x_requests(sandbox)) == 3


def test_server_errors_beyond_the_retries_fail_the_call(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    sandbox.faults.status("/2/", 502)
    with pytest.raises(FetchError, match="failed 2 times: HTTP 502; HTTP 502"):
        make_api(retries=1).users_tweets(DISTRICT_USER_ID, None, None, 5)


def test_a_connection_reset_is_retried_like_a_server_error(
    sandbox: Sandbox, make_api: MakeApi, sleeps: list[float]
) -> None:
    sandbox.faults.add("reset", "/2/", times=1)
    page = make_api().users_tweets(DISTRICT_USER_ID, None, None, 5)
    assert len(page.data) == 5
    assert len(sleeps) == 1


def test_401_is_auth_expired_naming_the_token_but_never_showing_it(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    secret = "wrong-token-4f1c9e0a7d"
    with pytest.raises(AuthExpired) as caught:
        make_api(XCredentials(bearer_token=secret)).users_tweets(DISTRICT_USER_ID, None, None, 5)
    message = str(caught.value)
    assert "401" in message
    assert "bearer token" in message
    assert secret not in message


def test_403_is_permission_missing_naming_permissions_and_plan(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    problem_fault(
        sandbox.faults, "/2/", 403, "Client Forbidden",
        "This request must be made using an approved developer account that is enrolled in "
        "the requested endpoint.", "client-forbidden",
    )  # fmt: skip
    with pytest.raises(PermissionMissing) as caught:
        make_api().users_mentions(DISTRICT_USER_ID, None, None, 5)
    assert "Client Forbidden" in str(caught.value)
    assert "permissions" in str(caught.value)
    assert "plan" in str(caught.value)


# -- answers ---------------------------------------------------------------------------------


def test_partial_errors_keep_the_good_items_and_describe_each_missing_one(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    api = make_api()
    known = api.users_tweets(DISTRICT_USER_ID, None, None, 5).data[0]["id"]
    missing = str(int(known) + 1)
    page = api.tweets([known, missing])
    assert [t["id"] for t in page.data] == [known]
    assert len(page.warnings) == 1
    assert missing in page.warnings[0]
    assert "Not Found Error" in page.warnings[0]


def test_every_tweet_has_its_edit_history_so_tweepy_never_warns(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    page = make_api().users_mentions(DISTRICT_USER_ID, None, None, 100)
    tweets = [*page.data, *page.includes.get("tweets", [])]
    assert tweets
    assert all(t["edit_history_tweet_ids"] for t in tweets)
    assert all(int(t["id"]) > 2**53 for t in tweets), "ids are Snowflake-sized strings"


def test_the_bearer_token_never_reaches_the_logs(
    sandbox: Sandbox, make_api: MakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make_api().users_tweets(DISTRICT_USER_ID, None, None, 5)
    assert "Making API request" in caplog.text, "tweepy's debug record was captured"
    assert BEARER_TOKEN not in caplog.text
    assert "Bearer REDACTED" in caplog.text


def test_x_clock_comes_from_the_date_header(sandbox: Sandbox, make_api: MakeApi) -> None:
    api = make_api()
    sandbox.advance(600)
    api.user_by_username("hanbit_gu")
    assert abs((api.now() - sandbox.now()).total_seconds()) < 5
    assert isinstance(api.session, XSession)
