"""Same situation, same outcome: every platform's sync against the sandbox's faults.

Each row of the README's table ("Failures and what a run does") is run for every
platform (a blog, the Facebook Page, X, Pinterest) through the real sync path, with
every logger captured at DEBUG: the run's status is the table's, and no token reaches a
log record or the run's error, even without the CLI's `protect_secrets` (each adapter
registers its own tokens with the one redaction).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from aggregator import redaction
from aggregator.config import Settings, parse_settings
from aggregator.db import create_db_engine
from aggregator.http import HttpSettings
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.store import Store
from aggregator.sync import RunResult, SyncOptions, sync_account
from connectors import factory_for

PLATFORMS = {
    "naver-blog": "/naver/",
    "facebook-page": "/v25.0/",
    "x-account": "/2/",
    "pinterest": "/v5/",
}
"""Sandbox account -> the path prefix of its platform's API (where faults are injected)."""
TOKENS = [value for name, value in SANDBOX_ENV.items() if name != "AGGREGATOR_PSEUDONYM_KEY"]
LIBRARY_LOGGERS = ("urllib3", "tweepy", "oauthlib", "requests_oauthlib", "facebook")


@dataclass(frozen=True)
class Situation:
    """A fault, the limits of the run, and the status the table promises."""

    faults: tuple[dict[str, Any], ...]
    status: str
    http: dict[str, Any] = field(default_factory=dict)
    deadline_seconds: float = 900


SITUATIONS = {
    "429 asking longer than the longest wait": Situation(
        ({"status": 429, "headers": {"Retry-After": "3600"}},), "throttled"
    ),
    "429 asking a wait that fits the platform but not the run": Situation(
        ({"status": 429, "headers": {"Retry-After": "45"}},), "throttled", deadline_seconds=20
    ),
    "429 asking a wait that fits: waited, then the run goes on": Situation(
        ({"status": 429, "headers": {"Retry-After": "0"}, "times": 1},), "ok"
    ),
    "5xx once, a retry left: retried, then the run goes on": Situation(
        ({"status": 503, "times": 1},), "ok", {"retries": 1, "backoff_seconds": 0.0}
    ),
    "5xx with no retry left": Situation(({"status": 502},), "failed", {"retries": 0}),
    "5xx whose backoff would pass the run deadline": Situation(
        ({"status": 503},), "deadline_exceeded", {"retries": 2, "backoff_seconds": 5.0}, 2
    ),
    "connection reset once, a retry left: retried, then the run goes on": Situation(
        ({"kind": "reset", "times": 1},), "ok", {"retries": 1, "backoff_seconds": 0.0}
    ),
    "a server that never answers, no retry left": Situation(
        ({"kind": "hang"},), "failed", {"retries": 0, "read_timeout": 0.5}
    ),
    "a body dripping past the run deadline": Situation(
        ({"kind": "drip", "seconds": 0.2, "chunk": 1},), "deadline_exceeded", {}, 1
    ),
}


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    text = sandbox.write_config(tmp_path / "config.yaml").read_text("utf-8")
    return parse_settings(text, environ=SANDBOX_ENV)


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    made = Store(create_db_engine(sqlite_url))
    yield made
    made.close()


@pytest.fixture
def debug_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG; the redactor knows no secret until an adapter registers one."""
    monkeypatch.setattr(redaction.REDACTOR, "_secrets", set())
    caplog.set_level(logging.DEBUG)
    for name in LIBRARY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def run(store: Store, settings: Settings, account_name: str, situation: Situation) -> RunResult:
    account = next(a for a in settings.accounts if a.name == account_name)
    options = SyncOptions(
        http=HttpSettings(**{"connect_timeout": 2, "read_timeout": 5, **situation.http}),
        deadline_seconds=situation.deadline_seconds,
    )
    return sync_account(store, account, factory_for(account.platform), options)


def assert_no_token(text: str) -> None:
    for token in TOKENS:
        for form in {token, quote(token, safe=""), quote(quote(token, safe=""), safe="")}:
            assert form not in text, f"a token ({token[:4]}...) reached the text"


@pytest.mark.parametrize("account", list(PLATFORMS))
@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_the_same_situation_ends_the_same_way_on_every_platform(
    sandbox: Sandbox,
    settings: Settings,
    store: Store,
    debug_logs: pytest.LogCaptureFixture,
    account: str,
    situation: str,
) -> None:
    case = SITUATIONS[situation]
    for fault in case.faults:
        options = {"kind": "status", **fault}
        sandbox.faults.add(options.pop("kind"), PLATFORMS[account], **options)
    result = run(store, settings, account, case)
    assert result.status == case.status, result.error
    records = [r for r in debug_logs.records if not r.name.startswith("aggregator.sandbox")]
    assert records, "DEBUG records were captured"
    assert_no_token("\n".join(debug_logs.handler.format(r) for r in records))
    assert_no_token(result.error or "")


@pytest.mark.parametrize("account", list(PLATFORMS))
def test_a_refused_429_tells_the_next_run_and_makes_no_further_call(
    sandbox: Sandbox, settings: Settings, store: Store, account: str
) -> None:
    sandbox.faults.add("status", PLATFORMS[account], status=429, headers={"Retry-After": "3600"})
    result = run(store, settings, account, SITUATIONS["429 asking longer than the longest wait"])
    assert result.status == "throttled"
    assert "a wait of 3600s is longer than the 60s this run may wait" in (result.error or "")
    assert "the next run resumes" in (result.error or "")
    assert len(sandbox.requests.find(PLATFORMS[account])) == 1, "no call after the refusal"


@pytest.mark.parametrize("account", list(PLATFORMS))
def test_a_waited_429_repeats_the_same_request(
    sandbox: Sandbox, settings: Settings, store: Store, account: str
) -> None:
    sandbox.faults.add(
        "status", PLATFORMS[account], status=429, headers={"Retry-After": "0"}, times=1
    )
    result = run(
        store,
        settings,
        account,
        SITUATIONS["429 asking a wait that fits: waited, then the run goes on"],
    )
    assert result.ok, result.error
    first, second = sandbox.requests.find(PLATFORMS[account])[:2]
    assert (second.path, second.query) == (first.path, first.query), "the refused call again"
