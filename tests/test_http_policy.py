"""The one retry / 429 / deadline policy, its header reading and the one URL redaction.

Table-driven: (what happened, what the platform said, time left) -> outcome. Every
adapter asks this policy, so a row here is the behaviour of every platform.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import tweepy

from aggregator.errors import DeadlineExceeded, FetchError, RateLimited, RunStatus
from aggregator.http import HttpClient, HttpSettings
from aggregator.http_retry import Attempts, RetryPolicy, throttle_hint
from aggregator.redaction import MASK, REDACTOR, Redactor, redact, redact_url
from connectors.twitter.session import XSession

NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
SETTINGS = HttpSettings(retries=2, backoff_seconds=1.0, throttle_waits=3, jitter=0.0)
Outcome = float | type[Exception]


def policy(settings: HttpSettings = SETTINGS, draw: float = 0.0) -> RetryPolicy:
    return RetryPolicy(settings, random=lambda: draw)


def failure_outcome(failures_before: int, left: float | None) -> Outcome:
    attempts = Attempts(failures=failures_before, reasons=["HTTP 503"])
    try:
        return policy().after_failure(attempts, "GET /x", left)
    except (FetchError, DeadlineExceeded) as exc:
        return type(exc)


@pytest.mark.parametrize(
    ("failures_before", "left", "outcome"),
    [
        (0, None, 1.0),  # first retry: the base backoff
        (1, None, 2.0),  # second: doubled
        (2, None, FetchError),  # retries used up: the run fails
        (0, 100.0, 1.0),  # fits the run's remaining time
        (1, 1.5, DeadlineExceeded),  # 2 s of backoff would pass the deadline
        (0, 1.0, DeadlineExceeded),  # a wait ending exactly at the deadline is too late
        (2, 0.5, FetchError),  # used up beats the deadline: the cause is the failures
    ],
)
def test_server_errors_timeouts_and_connection_errors(
    failures_before: int, left: float | None, outcome: Outcome
) -> None:
    assert failure_outcome(failures_before, left) == outcome


def throttle_outcome(
    waits_before: int, asked: float | None, left: float | None, max_wait: float | None = 60
) -> Outcome:
    attempts = Attempts(throttle_waits=waits_before, reasons=["HTTP 429"])
    try:
        return policy().after_throttle(attempts, "GET /x", asked, left, max_wait)
    except RateLimited as exc:
        return type(exc)


@pytest.mark.parametrize(
    ("waits_before", "asked", "left", "max_wait", "outcome"),
    [
        (0, 30.0, None, 60, 30.0),  # asked and fits: wait exactly that
        (0, 60.0, None, 60, 60.0),  # the longest allowed wait is allowed
        (0, 61.0, None, 60, RateLimited),  # longer than the platform's longest wait
        (0, 45.0, 20.0, 300, RateLimited),  # fits the platform, not the run's time
        (0, 45.0, 46.0, 300, 45.0),
        (0, None, None, 60, 5.0),  # nothing asked: the throttle backoff
        (2, None, None, 60, 20.0),  # ... doubling
        (2, None, None, 12, 12.0),  # ... capped at the longest wait
        (3, 1.0, None, 60, RateLimited),  # three waits did not help: a longer limit
        (0, 0.0, 0.5, 60, 0.0),  # "come back now" fits any run
        (0, 10.0, None, None, 10.0),  # no platform limit: the settings' max_wait_seconds
        (0, 61.0, None, None, RateLimited),
    ],
)
def test_throttling(
    waits_before: int, asked: float | None, left: float | None, max_wait: float, outcome: Outcome
) -> None:
    assert throttle_outcome(waits_before, asked, left, max_wait) == outcome


def test_each_outcome_is_the_run_status_of_the_table() -> None:
    assert FetchError("x").status == RunStatus.FAILED
    assert DeadlineExceeded("x").status == RunStatus.DEADLINE == "deadline_exceeded"
    assert RateLimited("x").status == RunStatus.THROTTLED == "throttled"


def test_a_refused_wait_carries_what_was_asked_for_the_next_run() -> None:
    with pytest.raises(RateLimited, match="longer than the 60s this run may wait") as caught:
        policy().after_throttle(Attempts(reasons=["HTTP 429"]), "X users/tweets", 900.0, None, 60)
    assert caught.value.retry_after_seconds == 900.0
    assert "the next run resumes" in str(caught.value)


def test_messages_name_the_deadline_when_it_is_the_limit() -> None:
    with pytest.raises(RateLimited, match="would pass the run deadline"):
        policy().after_throttle(Attempts(reasons=["HTTP 429"]), "X", 45.0, 20.0, 300)
    with pytest.raises(DeadlineExceeded, match="run deadline reached while retrying GET /x"):
        policy().after_failure(Attempts(reasons=["HTTP 503"]), "GET /x", 0.5)


def test_a_spent_call_lists_every_failure() -> None:
    attempts = Attempts()
    for reason in ("HTTP 503", "timed out waiting for an answer", "HTTP 500"):
        attempts.reasons.append(reason)
        try:
            policy().after_failure(attempts, "GET /x", None)
        except FetchError as exc:
            message = str(exc)
    assert message == ("GET /x failed 3 times: HTTP 503; timed out waiting for an answer; HTTP 500")


def test_without_retries_the_single_failure_is_the_message() -> None:
    no_retries = policy(HttpSettings(retries=0))
    with pytest.raises(FetchError) as caught:
        no_retries.after_failure(Attempts(reasons=["connection refused"]), "GET /x", None)
    assert str(caught.value) == "GET /x: connection refused"


@pytest.mark.parametrize(("draw", "expected"), [(0.0, 1.0), (0.5, 1.25), (0.999, 1.4995)])
def test_backoff_is_stretched_by_the_jitter_never_shortened(draw: float, expected: float) -> None:
    jittered = policy(HttpSettings(backoff_seconds=1.0, jitter=0.5), draw)
    assert jittered.after_failure(Attempts(reasons=["HTTP 503"]), "x", None) == pytest.approx(
        expected
    )


def test_a_wait_the_platform_asked_for_is_never_jittered() -> None:
    jittered = policy(HttpSettings(jitter=0.5), draw=0.9)
    assert jittered.after_throttle(Attempts(reasons=["429"]), "x", 30.0, None, 60) == 30.0


def test_jitter_defaults_to_the_module_value(monkeypatch: pytest.MonkeyPatch) -> None:
    import aggregator.http_retry as http_retry

    monkeypatch.setattr(http_retry, "DEFAULT_JITTER", 0.5)
    default = policy(HttpSettings(backoff_seconds=2.0), draw=1.0)
    assert default.after_failure(Attempts(reasons=["HTTP 503"]), "x", None) == 3.0


# ---------------------------------------------------------------- what the platform asked


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "12", "x-ratelimit-reset": "90"}, 12.0),  # Retry-After wins
        ({"Retry-After": "Fri, 20 Nov 2026 00:00:45 GMT"}, 45.0),  # an HTTP date
        (
            {
                "Retry-After": "Fri, 04 Dec 2026 09:02:00 GMT",
                "Date": "Fri, 04 Dec 2026 09:00:00 GMT",
            },
            120.0,  # counted from the platform's own clock
        ),
        ({"x-ratelimit-reset": "90"}, 90.0),  # Pinterest: seconds
        ({"x-ratelimit-reset": str(int(NOW.timestamp()) + 120)}, 121.0),  # ... or a Unix time
        ({"x-rate-limit-reset": str(int(NOW.timestamp()) + 30)}, 31.0),  # X: a Unix time
        (
            {"x-rate-limit-reset": "1796374830", "Date": "Fri, 04 Dec 2026 09:00:00 GMT"},
            1796374830 - datetime(2026, 12, 4, 9, tzinfo=UTC).timestamp() + 1,
        ),
        ({"x-ratelimit-reset": str(int(NOW.timestamp()) - 5)}, 0.0),  # already past
        ({}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan", "x-ratelimit-reset": "inf"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "-5"}, 0.0),
    ],
)
def test_the_wait_a_429_asks_for(headers: dict[str, str], seconds: float | None) -> None:
    assert throttle_hint(headers, NOW) == seconds


# ---------------------------------------------------------------------- one redaction


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://graph.facebook.com/v25.0/me?access_token=EAAB&appsecret_proof=ab",
         "https://graph.facebook.com/v25.0/me"),
        ("https://api.pinterest.com/v5/boards?bookmark=b1#x", "https://api.pinterest.com/v5/boards"),
        ("https://editor:app-pass@blog.example/wp-json/wp/v2/comments",
         "https://blog.example/wp-json/wp/v2/comments"),
        ("http://127.0.0.1:8080/feed", "http://127.0.0.1:8080/feed"),
    ],
)  # fmt: skip
def test_urls_are_shown_without_query_fragment_or_user_info(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    "text",
    [
        "GET /v25.0/me?fields=id&access_token=S3cr3tT0k HTTP/1.1",
        "POST /oauth/access_token client_secret=S3cr3tT0k&code=1",
        "GET /youtube/v3/commentThreads?part=snippet&key=S3cr3tT0k",
        "headers: {'Authorization': 'Bearer S3cr3tT0k'}",
        "headers: {'Authorization': 'Basic S3cr3tT0k'}",
        "input_token=S3cr3tT0k&fb_exchange_token=S3cr3tT0k",
    ],
)
def test_credential_shapes_leave_no_token_in_text(text: str) -> None:
    cleaned = redact(text)
    assert "S3cr3tT0k" not in cleaned
    assert MASK in cleaned


def test_given_secrets_are_redacted_anywhere_in_the_text() -> None:
    assert redact("failed for page-token-123456 on /me", ["page-token-123456"]) == (
        f"failed for {MASK} on /me"
    )


def test_a_registered_secret_is_redacted_also_percent_encoded() -> None:
    redactor = Redactor()
    redactor.add(["tok/en+123=="])
    assert redactor.clean("a tok/en+123== b tok%2Fen%2B123%3D%3D c") == f"a {MASK} b {MASK} c"


def test_a_token_an_adapter_registers_is_redacted_from_every_log_record(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokens without a recognisable shape (a bearer token in an error text, say)."""
    monkeypatch.setattr(REDACTOR, "_secrets", set())
    client = HttpClient()
    try:
        client.protect(["plain-token-0123456789", None])
        caplog.set_level(logging.DEBUG)
        logging.getLogger("tests.adapter").debug("answer for plain-token-0123456789: 401")
    finally:
        client.session.close()
    assert "plain-token-0123456789" not in caplog.text
    assert f"answer for {MASK}: 401" in caplog.text


def test_tweepy_is_served_by_our_session_and_never_sleeps_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(REDACTOR, "_secrets", set())
    client = tweepy.Client(bearer_token="bearer-0123456789", wait_on_rate_limit=True)
    http = HttpClient()
    session = XSession(http, "http://127.0.0.1:9")
    try:
        session.serve(client)
    finally:
        session.close()
        http.session.close()
    assert client.session is session
    assert client.wait_on_rate_limit is False
    assert REDACTOR.clean("Bearer? bearer-0123456789") == f"Bearer? {MASK}"


def test_http_stands_without_the_connector_protocol() -> None:
    """The connector <-> http import cycle is gone: errors and statuses have their module."""
    code = (
        "import sys, aggregator.http, aggregator.errors; "
        "print('aggregator.connector' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_connector_module_still_exports_every_error() -> None:
    import aggregator.connector as connector
    import aggregator.errors as errors

    for name in ("ConnectorError", "FetchError", "ParseError", "RateLimited", "DeadlineExceeded",
                 "AuthExpired", "PermissionMissing", "BudgetExhausted", "NeedsConfiguration",
                 "RunStatus"):  # fmt: skip
        assert getattr(connector, name) is getattr(errors, name)
