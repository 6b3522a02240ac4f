"""Every Graph error class through a whole sync: the run's status, message, stored data,
cursor and requests (RELIABILITY.md A1-A8, A23, E15), over real HTTP against the sandbox.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.config import load_settings
from aggregator.db import create_db_engine
from aggregator.http import HttpSettings
from aggregator.runner import select_accounts, sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.store import Store
from connectors.graph.api import appsecret_proof
from tests.facebook_harness import SECRET, FacebookHarness


@pytest.fixture
def fb(sandbox: Sandbox, sqlite_url: str) -> Iterator[FacebookHarness]:
    harness = FacebookHarness(sandbox, sqlite_url)
    yield harness
    harness.close()


def busiest_post(fb: FacebookHarness) -> str:
    counts = fb.counts()
    return max(counts, key=lambda p: counts[p])


# -- the run ends at once ---------------------------------------------------------------


def test_expired_token_needs_reauthorisation_while_other_accounts_still_run(
    sandbox: Sandbox, tmp_path: Path, sqlite_url: str
) -> None:
    """A3: one request, no retry, a message for the admin without the token."""
    settings = load_settings(sandbox.write_config(tmp_path / "c.yaml"), environ=SANDBOX_ENV)
    store = Store(create_db_engine(sqlite_url), clock=sandbox.now)
    sandbox.graph.fail(190, 463)
    accounts = select_accounts(settings, ["facebook-page", "naver-blog"])
    try:
        results = {r.account: r for r in sync_accounts(store, settings, accounts, "manual")}
        run = store.sync.run(results["facebook-page"].run_id or 0)
    finally:
        store.close()
    facebook = results["facebook-page"]
    assert facebook.status == "needs_reauth"
    assert "$HANBIT_FACEBOOK_PAGE_TOKEN" in (facebook.error or "")
    assert "expired" in (facebook.error or "")
    assert PAGE_TOKEN not in str(run)
    assert len(sandbox.requests.find("/v25.0/")) == 1
    assert results["naver-blog"].status == "ok"


@pytest.mark.parametrize(("code", "permission"), [(10, "pages_read_engagement"),
                                                  (283, "pages_read_user_content")])  # fmt: skip
def test_missing_permission_is_named_and_not_retried(
    fb: FacebookHarness, code: int, permission: str
) -> None:
    """A7."""
    fb.sandbox.graph.fail(code)
    result = fb.sync()
    assert result.status == "permission_missing"
    assert permission in (result.error or "")
    assert len(fb.graph_requests()) == 1


def test_comments_without_ids_fail_the_run_and_store_no_unkeyed_rows(
    fb: FacebookHarness,
) -> None:
    """E15: what an app without the MODERATE task gets; earlier data stays untouched."""
    fb.sync()
    before = fb.comments()
    fb.sandbox.advance(24 * 60)
    fb.sandbox.graph.omit_comment_ids = True
    result = fb.sync()
    assert result.status == "parse_error"
    assert "comment id missing" in (result.error or "")
    assert "MODERATE" in (result.error or "")
    assert fb.comments() == before


# -- throttling -------------------------------------------------------------------------


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_throttling_mid_run_ends_throttled_with_the_cursor_at_the_last_stored_page(
    fb: FacebookHarness, code: int
) -> None:
    """A1: the 6th comments read is throttled for 7 minutes (longer than the 60s allowed)."""
    fb.sandbox.graph.fail(code, eta_minutes=7, path_contains="/comments", skip=5)
    result = fb.sync()
    assert result.status == "throttled"
    assert fb.sleeps == []
    assert len(fb.graph_requests("/comments")) == 6
    cursors = fb.cursors()
    assert "posts" not in cursors, "the watermark waits for the end of the run"
    assert len(cursors["comments"]["read"]) == 5
    read = {r.path.split("/")[2] for r in fb.graph_requests("/comments")[:5]}
    assert {c["post_external_id"] for c in fb.comments().values()} == read

    resumed = fb.sync()
    assert resumed.ok, resumed.error
    assert not read & {r.path.split("/")[2] for r in fb.graph_requests("/comments")}
    assert set(fb.comments()) == set(fb.visible_comments())


def test_a_short_throttle_is_waited_out(fb: FacebookHarness) -> None:
    fb.sandbox.graph.fail(80001, eta_minutes=7, path_contains="/comments", times=2)
    result = fb.sync(max_throttle_wait_seconds=600)
    assert result.ok, result.error
    assert fb.sleeps == [420.0, 420.0]
    assert set(fb.comments()) == set(fb.visible_comments())


def test_high_usage_slows_the_run_down_and_says_why(
    fb: FacebookHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A2: pauses between calls once X-App-Usage reports 85% (threshold 75%)."""
    caplog.set_level(logging.WARNING, logger="connectors.graph.api")
    fb.sandbox.graph.usage_percent = 85
    result = fb.sync(max_throttle_wait_seconds=60)
    assert result.ok, result.error
    assert len(fb.sleeps) == result.api_calls - 1
    assert all(0 < s <= 60 for s in fb.sleeps)
    assert "X-App-Usage 85%" in caplog.text


def test_usage_near_the_limit_stops_the_run_cleanly(fb: FacebookHarness) -> None:
    fb.sandbox.graph.usage_percent = 96
    result = fb.sync()
    assert result.status == "throttled"
    assert "usage is at 96%" in (result.error or "")
    assert len(fb.graph_requests()) == 1
    assert fb.posts(), "the page read before stopping is stored"


# -- transient errors -------------------------------------------------------------------


def test_code_2_on_page_7_of_10_is_retried_from_the_same_cursor(fb: FacebookHarness) -> None:
    """A5: pages 1-6 are not fetched again and every comment is stored."""
    post = busiest_post(fb)
    for n in range(30 - fb.counts()[post]):
        fb.sandbox.graph.world.add_comment(post, f"댓글 {n}", fb.sandbox.now())
    fb.sandbox.graph.fail(2, path_contains=f"{post}/comments", skip=6, transient=True)
    result = fb.sync(page_size=3)
    assert result.ok, result.error
    afters = [(r.query.get("after") or [None])[0] for r in fb.graph_requests(f"{post}/comments")]
    assert len(afters) == 11
    assert afters[6] == afters[7]
    assert len(set(afters)) == 10
    assert fb.sleeps == [1.0]
    assert set(fb.comments()) == set(fb.visible_comments())


def test_reduce_the_amount_of_data_halves_the_page_size_for_the_rest_of_the_run(
    fb: FacebookHarness,
) -> None:
    """A6."""
    fb.sandbox.graph.reduce_data(path_contains="/comments")
    result = fb.sync(page_size=8)
    assert result.ok, result.error
    limits = [r.query["limit"][0] for r in fb.graph_requests("/comments")]
    assert limits[:2] == ["8", "4"]
    assert set(limits[2:]) == {"4"}
    assert set(fb.comments()) == set(fb.visible_comments())


def test_server_errors_are_retried_and_counted(fb: FacebookHarness) -> None:
    fb.sandbox.faults.add("status", "/v25.0/", status=502, times=1)
    fb.sandbox.faults.add("reset", "/v25.0/", times=1)
    result = fb.sync()
    assert result.ok, result.error
    assert result.api_calls == len(fb.graph_requests())
    assert set(fb.comments()) == set(fb.visible_comments())


def test_a_graph_server_that_never_answers_fails_the_run_within_its_timeouts(
    fb: FacebookHarness,
) -> None:
    """A8: the posts are stored, the hung comment reads time out, the run ends failed."""
    fb.sandbox.faults.add("hang", f"/v25.0/{busiest_post(fb)}/comments")
    result = fb.sync(http=HttpSettings(read_timeout=0.3, retries=1))
    assert result.status == "failed"
    assert "timed out" in (result.error or "")
    assert PAGE_TOKEN not in (result.error or "")
    assert fb.posts()


# -- secrets ----------------------------------------------------------------------------


def test_no_token_or_secret_in_any_log_record_or_run_record(
    fb: FacebookHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A23: DEBUG logs of every logger (urllib3 included) during full syncs with errors.

    The sandbox's own loggers (`aggregator.sandbox.*`) play Facebook's servers, which see
    the token by design, and are left out.
    """
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # the CLI quiets it to WARNING
    fb.sandbox.graph.app_secret = SECRET
    proof = appsecret_proof(PAGE_TOKEN, SECRET)
    fb.sandbox.graph.fail(2, path_contains="/comments", transient=True)
    fb.sandbox.faults.add("reset", "/v25.0/", times=1)
    runs = [fb.sync(app_secret={"env": "FB_SECRET"})]
    fb.sandbox.advance(24 * 60)
    runs.append(fb.sync(app_secret={"env": "FB_SECRET"}, reconcile=True))
    fb.sandbox.graph.fail(190, 467)
    runs.append(fb.sync(app_secret={"env": "FB_SECRET"}))
    assert [r.status for r in runs] == ["ok", "ok", "needs_reauth"]

    records = [r for r in caplog.records if not r.name.startswith("aggregator.sandbox")]
    assert any(r.name.startswith("urllib3") and "access_token=REDACTED" in r.getMessage()
               for r in records), "urllib3 DEBUG request lines were captured"  # fmt: skip
    stored = [str(fb.store.sync.run(r.run_id or 0)) for r in runs] + [str(fb.cursors())]
    for secret in (PAGE_TOKEN, SECRET, proof):
        assert not [r.getMessage() for r in records if secret in r.getMessage()]
        assert not [r for r in records if r.exc_text and secret in r.exc_text]
        assert not [text for text in stored if secret in text]


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "3600"}])
def test_a_proxy_429_page_ends_the_run_throttled_not_parse_error(
    fb: FacebookHarness, headers: dict[str, str]
) -> None:
    fb.sandbox.faults.add("status", "/v25.0/", status=429, headers=headers)
    result = fb.sync()
    assert result.status == "throttled", result.error
