"""The facebook-sdk adapter over real HTTP against the sandbox's Graph API.

Version, session, base URL, usage headers, appsecret_proof, and what each error class
does: how many requests, which waits (a fake sleep records them), which typed error.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Iterator
from typing import Any

import facebook
import pytest
import requests

from aggregator.connector import (
    AuthExpired,
    DeadlineExceeded,
    FetchError,
    ParseError,
    PermissionMissing,
    RateLimited,
)
from aggregator.http import HttpClient, HttpSettings
from aggregator.sandbox import Sandbox
from aggregator.sandbox.graph import PAGE_TOKEN
from connectors.graph.api import GraphClient, GraphObjectGone, appsecret_proof
from connectors.graph.errors import retry_after_seconds
from tests.facebook_harness import ENV, PAGE, SECRET, Sleeps, make_account
from tests.fixtures_sandbox import SandboxFactory

POSTS = "published_posts"
FIELDS = {"fields": "id,created_time"}

POLICY = HttpSettings()
NO_HINT_WAITS = [POLICY.throttle_backoff_seconds * 2**n for n in range(POLICY.throttle_waits)]
"""The shared policy's waits after a throttle that says nothing about when to come back."""


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def http() -> Iterator[HttpClient]:
    client = HttpClient(settings=HttpSettings(retries=2, backoff_seconds=1.0))
    yield client
    client.session.close()


def make_client(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps, **overrides: Any
) -> GraphClient:
    return GraphClient(make_account(sandbox, **overrides), http, sleeps)


def graph_requests(sandbox: Sandbox) -> list[Any]:
    return sandbox.requests.find("/v25.0/")


class RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        self.seen.append((str(method), str(url), kwargs.get("timeout")))
        return super().request(method, url, *args, **kwargs)


# -- version, session, base URL, headers, proof -----------------------------------------


def test_configured_version_is_used_although_the_sdk_rejects_it(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    with pytest.raises(facebook.GraphAPIError, match="Version number"):
        facebook.GraphAPI(version="25.0")
    client = make_client(sandbox, http, sleeps)
    assert client.get("me")["id"] == PAGE
    assert [r.path for r in sandbox.requests.all()] == ["/v25.0/me"]
    assert client.version == "v25.0"


def test_calls_use_the_run_session_and_its_timeouts(sandbox: Sandbox, sleeps: Sleeps) -> None:
    session = RecordingSession()
    http = HttpClient(settings=HttpSettings(connect_timeout=3, read_timeout=7), session=session)
    with session:
        make_client(sandbox, http, sleeps).get("me")
    assert session.seen == [("GET", sandbox.url("/v25.0/me"), (3, 7))]
    assert http.calls == 1


def test_base_url_is_per_client_and_the_sdk_global_is_untouched(
    make_sandbox: SandboxFactory, http: HttpClient, sleeps: Sleeps
) -> None:
    one, two = make_sandbox(), make_sandbox()
    make_client(one, http, sleeps).get("me")
    make_client(two, http, sleeps).get("me")
    make_client(one, http, sleeps).get("me")
    assert (len(one.requests), len(two.requests)) == (2, 1)
    assert facebook.FACEBOOK_GRAPH_URL == "https://graph.facebook.com/"


def test_usage_headers_are_captured(sandbox: Sandbox, http: HttpClient, sleeps: Sleeps) -> None:
    sandbox.graph.usage_percent = 42
    client = make_client(sandbox, http, sleeps)
    client.get("me")
    assert (client.usage.app, client.usage.business, client.usage.percent) == (42, 42, 42)
    assert client.usage.page == 42, "X-Page-Usage, as Graph sends it, is read too"


def test_appsecret_proof_goes_with_every_call(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.app_secret = SECRET
    client = make_client(sandbox, http, sleeps, app_secret={"env": "FB_SECRET"}, page_size=5)
    client.get("me")
    first = client.page(PAGE, POSTS, FIELDS)
    client.page(PAGE, POSTS, FIELDS, first.following)
    expected = hmac.new(SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()
    assert appsecret_proof(PAGE_TOKEN, SECRET) == expected
    proofs = [r.query.get("appsecret_proof") for r in graph_requests(sandbox)]
    assert proofs == [[expected]] * 3


def test_missing_proof_where_required_names_app_secret(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.app_secret = SECRET
    with pytest.raises(PermissionMissing, match="app_secret"):
        make_client(sandbox, http, sleeps).get("me")


# -- errors that end the run at once -----------------------------------------------------


def test_expired_token_is_not_retried_and_tells_the_admin(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.fail(190, 463)
    with pytest.raises(AuthExpired) as caught:
        make_client(sandbox, http, sleeps).get("me")
    assert len(graph_requests(sandbox)) == 1
    assert "$FB_TOKEN" in str(caught.value)
    assert PAGE_TOKEN not in str(caught.value)
    assert sleeps == []


def test_a_token_the_platform_does_not_know_needs_reauthorisation(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    with pytest.raises(AuthExpired, match="invalid or has expired") as caught:
        make_client(sandbox, http, sleeps, access_token={"env": "FB_WRONG"}).get("me")
    assert ENV["FB_WRONG"] not in str(caught.value)


def test_missing_permission_is_named_and_not_retried(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.fail(283)
    with pytest.raises(PermissionMissing, match="pages_read_user_content"):
        make_client(sandbox, http, sleeps).page(PAGE, POSTS, FIELDS)
    assert len(graph_requests(sandbox)) == 1


def test_deleted_object_is_reported_as_gone(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    with pytest.raises(GraphObjectGone):
        make_client(sandbox, http, sleeps).page(f"{PAGE}_1", "comments", {})


# -- transient errors ---------------------------------------------------------------------


def test_code_2_is_retried_from_the_same_cursor(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    client = make_client(sandbox, http, sleeps, page_size=5)
    first = client.page(PAGE, POSTS, FIELDS)
    sandbox.graph.fail(2, transient=True)
    second = client.page(PAGE, POSTS, FIELDS, first.following)
    assert first.following is not None
    cursor = [first.following["after"]]
    assert [r.query.get("after") for r in graph_requests(sandbox)] == [None, cursor, cursor]
    assert sleeps == [1.0]
    assert second.data


def test_transient_errors_give_up_after_the_configured_retries(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.fail(2, times=None)
    with pytest.raises(FetchError, match="failed 3 times"):
        make_client(sandbox, http, sleeps).get("me")
    assert len(graph_requests(sandbox)) == 3
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize("kind", ["status", "reset"])
def test_server_errors_and_dropped_connections_are_retried(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps, kind: str
) -> None:
    sandbox.faults.add(kind, "/v25.0/", status=503, times=1)
    assert make_client(sandbox, http, sleeps).get("me")["id"] == PAGE
    assert len(graph_requests(sandbox)) == 2


def test_a_server_that_never_answers_times_out_and_gives_up(
    sandbox: Sandbox, sleeps: Sleeps
) -> None:
    """A8: the read timeout ends each attempt; the retries are bounded."""
    sandbox.faults.add("hang", "/v25.0/")
    http = HttpClient(settings=HttpSettings(read_timeout=0.3, retries=1))
    with http.session, pytest.raises(FetchError, match="timed out") as caught:
        make_client(sandbox, http, sleeps).get("me")
    assert len(graph_requests(sandbox)) == 2
    assert PAGE_TOKEN not in str(caught.value)


def test_retry_backoff_beyond_the_run_deadline_ends_the_run(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.fail(2)
    http.deadline = time.monotonic() + 0.5
    with pytest.raises(DeadlineExceeded):
        make_client(sandbox, http, sleeps).get("me")


@pytest.mark.parametrize(
    ("fault", "options"),
    [("content_type", {"content_type": None}), ("malformed", {"mode": "truncate"})],
)
def test_answers_that_are_not_json_are_parse_errors(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps, fault: str, options: dict[str, Any]
) -> None:
    sandbox.faults.add(fault, "/v25.0/", **options)
    with pytest.raises(ParseError):
        make_client(sandbox, http, sleeps).get("me")


def test_reduce_data_halves_the_page_size_for_the_rest_of_the_run(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    """A6."""
    client = make_client(sandbox, http, sleeps, page_size=8)
    sandbox.graph.reduce_data()
    first = client.page(PAGE, POSTS, FIELDS)
    client.page(PAGE, POSTS, FIELDS, first.following)
    assert [r.query["limit"] for r in graph_requests(sandbox)] == [["8"], ["4"], ["4"]]
    assert len(first.data) == 4


def test_reduce_data_at_page_size_one_fails_clearly(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.reduce_data(times=None)
    with pytest.raises(FetchError, match="page size of 1"):
        make_client(sandbox, http, sleeps, page_size=4).page(PAGE, POSTS, FIELDS)
    assert [r.query["limit"] for r in graph_requests(sandbox)] == [["4"], ["2"], ["1"]]


# -- throttling and pacing ----------------------------------------------------------------


def test_throttle_waits_for_the_estimated_time_then_continues(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.fail(4, eta_minutes=7)
    client = make_client(sandbox, http, sleeps, max_throttle_wait_seconds=600)
    assert client.get("me")["id"] == PAGE
    assert sleeps == [420.0]
    assert len(graph_requests(sandbox)) == 2


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_throttle_longer_than_the_run_may_wait_ends_it_as_throttled(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps, code: int
) -> None:
    """A1: each code with a 7-minute `estimated_time_to_regain_access`, default max wait 60s."""
    sandbox.graph.fail(code, eta_minutes=7)
    with pytest.raises(RateLimited) as caught:
        make_client(sandbox, http, sleeps).get("me")
    assert caught.value.retry_after_seconds is not None
    assert caught.value.retry_after_seconds >= 420
    assert len(graph_requests(sandbox)) == 1
    assert sleeps == []


def test_page_limit_is_never_waited_out_within_a_run(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.fail(32)
    with pytest.raises(RateLimited) as caught:
        make_client(sandbox, http, sleeps, max_throttle_wait_seconds=1800).get("me")
    assert caught.value.retry_after_seconds == 3600


def test_throttle_without_headers_backs_off_then_gives_up(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.fail(17, times=None)
    with pytest.raises(RateLimited, match="still rate limited after 3 waits"):
        make_client(sandbox, http, sleeps, max_throttle_wait_seconds=600).get("me")
    assert sleeps == NO_HINT_WAITS
    assert len(graph_requests(sandbox)) == 4


def test_throttle_wait_beyond_the_run_deadline_ends_the_run_as_throttled(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.fail(4, eta_minutes=7)
    http.deadline = time.monotonic() + 100
    with pytest.raises(RateLimited):
        make_client(sandbox, http, sleeps, max_throttle_wait_seconds=600).get("me")
    assert sleeps == []


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "3600"}])
def test_http_429_with_an_html_body_ends_the_run_throttled_not_as_a_parse_error(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps, headers: dict[str, str]
) -> None:
    """A proxy's 429 page (with or without Retry-After) is throttling, as on every platform."""
    sandbox.faults.add("status", "/v25.0/", status=429, headers=headers)
    with pytest.raises(RateLimited, match="HTTP 429"):
        make_client(sandbox, http, sleeps).get("me")
    assert sleeps == ([] if headers else NO_HINT_WAITS)


def test_http_429_retry_after_is_waited_out_when_it_fits_the_run(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.faults.add("status", "/v25.0/", status=429, headers={"Retry-After": "30"}, times=1)
    client = make_client(sandbox, http, sleeps, max_throttle_wait_seconds=600)
    assert client.get("me")["id"] == PAGE
    assert sleeps == [30.0]


def test_http_429_retry_after_beyond_the_run_deadline_ends_the_run_throttled(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.faults.add("status", "/v25.0/", status=429, headers={"Retry-After": "300"})
    http.deadline = time.monotonic() + 100
    with pytest.raises(RateLimited) as caught:
        make_client(sandbox, http, sleeps, max_throttle_wait_seconds=600).get("me")
    assert caught.value.retry_after_seconds == 300
    assert sleeps == []


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "120"}, 120.0),
        (
            {
                "Retry-After": "Fri, 04 Dec 2026 09:02:00 GMT",
                "Date": "Fri, 04 Dec 2026 09:00:00 GMT",
            },
            120.0,
        ),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after_seconds(headers) == seconds


@pytest.mark.parametrize("status", [502, 503])
def test_proxy_error_pages_are_retried_then_fail_as_fetch_errors(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps, status: int
) -> None:
    sandbox.faults.add("status", "/v25.0/", status=status)
    with pytest.raises(FetchError) as caught:
        make_client(sandbox, http, sleeps).get("me")
    assert not isinstance(caught.value, ParseError)
    assert len(graph_requests(sandbox)) == 3
    assert sleeps == [1.0, 2.0]


def test_high_usage_slows_down_before_the_next_call(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    """A2: usage at 85% (threshold 75%) inserts a logged pause, not an error."""
    sandbox.graph.usage_percent = 85
    client = make_client(sandbox, http, sleeps)
    caplog.set_level(logging.INFO, logger="connectors.graph.api")
    client.get("me")
    assert sleeps == []
    client.get("me")
    assert len(sleeps) == 1
    assert 1 <= sleeps[0] <= 60
    assert "X-App-Usage 85%" in caplog.text


def test_usage_near_the_limit_stops_before_the_next_call(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.graph.usage_percent = 97
    client = make_client(sandbox, http, sleeps)
    client.get("me")
    with pytest.raises(RateLimited, match="usage is at 97%"):
        client.get("me")
    assert len(graph_requests(sandbox)) == 1


# -- secrets --------------------------------------------------------------------------------


def test_urllib3_request_lines_are_redacted(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # the CLI quiets it to WARNING
    make_client(sandbox, http, sleeps).get("me")
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("/v25.0/me?access_token=REDACTED" in line for line in lines), lines
    assert not any(PAGE_TOKEN in line for line in lines)


def test_network_errors_never_show_the_query(
    sandbox: Sandbox, http: HttpClient, sleeps: Sleeps
) -> None:
    sandbox.faults.add("reset", "/v25.0/")
    with pytest.raises(FetchError, match="connection reset by the server") as caught:
        make_client(sandbox, http, sleeps).get("me")
    assert PAGE_TOKEN not in str(caught.value)
    assert "access_token" not in str(caught.value)


def test_oversized_answers_are_refused_by_the_size_cap(sandbox: Sandbox, sleeps: Sleeps) -> None:
    sandbox.faults.add("oversized", "/v25.0/", size=20_000)
    http = HttpClient(settings=HttpSettings(max_body_bytes=4096))
    with http.session, pytest.raises(FetchError, match="exceeds cap"):
        make_client(sandbox, http, sleeps).get("me")
