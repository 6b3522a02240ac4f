"""An Instagram Login token's age is the account's health: `token_expiring` (a warning that
alerts once and passes `status --check`) from `token_warn_days` after the syncs first saw
it, `needs_reauth` (a problem) from 60 days, when it has expired. A token refreshed by
`aggregator instagram refresh-token` counts from its refresh day once a sync uses it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from aggregator.alerts import Alert, notify_changes
from aggregator.cli import app
from aggregator.config import parse_settings
from aggregator.connector import SyncContext
from aggregator.db import create_db_engine
from aggregator.health import Health, assess
from aggregator.http import HttpClient
from aggregator.records import Batch
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.sandbox.instagram import USER_TOKEN, USER_TOKEN_ENV
from aggregator.sandbox.instagram_login import account_config
from aggregator.store import AccountStatus, Store
from connectors.common.fingerprint import fingerprint
from connectors.instagram.connector import InstagramConnector
from connectors.instagram.settings import InstagramAccount
from connectors.instagram.token import REFRESHED, TOKEN, token_note

NOW = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
ALERTS = parse_settings("accounts: []", environ={}).alerts
runner = CliRunner()


def login_account(**overrides: Any) -> InstagramAccount:
    data = {**account_config("http://127.0.0.1:9", 15), **overrides}
    return InstagramAccount.model_validate(data, context={"environ": SANDBOX_ENV})


def seen(days_ago: int, token: str = USER_TOKEN, now: datetime = NOW) -> dict[str, Any]:
    return {"fingerprint": fingerprint(token), "first_seen": f"{now - timedelta(days_ago):%F}"}


def health_of(cursors: dict[str, Any], account: InstagramAccount | None = None) -> Health:
    when = NOW - timedelta(minutes=10)
    status = AccountStatus(
        "instagram-login", "instagram", 3, 10, "ok", when, when, when, None, cursors
    )
    return assess(account or login_account(), status, ALERTS, "Asia/Seoul", NOW)


def test_a_token_younger_than_token_warn_days_is_ok() -> None:
    assert health_of({TOKEN: seen(49)}).state == "ok"


def test_from_token_warn_days_the_account_is_token_expiring_a_warning() -> None:
    expiring = health_of({TOKEN: seen(50)})
    assert (expiring.state, expiring.is_problem, expiring.is_warning) == (
        "token_expiring", False, True
    )  # fmt: skip
    assert expiring.label == "token expiring"
    assert f"${USER_TOKEN_ENV} was first seen" in expiring.detail
    assert f"refresh it before {NOW.date() + timedelta(days=10):%F}" in expiring.detail
    assert "aggregator instagram refresh-token --account instagram-login" in expiring.detail
    assert health_of({TOKEN: seen(30)}, login_account(token_warn_days=30)).state == (
        "token_expiring"
    )


def test_at_sixty_days_the_token_has_expired_and_needs_reauth() -> None:
    expired = health_of({TOKEN: seen(60)})
    assert (expired.state, expired.is_problem) == ("needs_reauth", True)
    assert "has expired" in expired.detail
    assert "log in with Instagram Login again" in expired.detail
    assert f"${USER_TOKEN_ENV}" in expired.detail
    assert health_of({TOKEN: seen(59)}).state == "token_expiring"


def test_a_failing_account_stays_failing_with_an_old_token() -> None:
    when = NOW - timedelta(hours=3)
    status = AccountStatus("instagram-login", "instagram", 3, 10, "failed", when, when, when,
                           "HTTP 503", {TOKEN: seen(55)}, consecutive_failures=5)  # fmt: skip
    failing = assess(login_account(), status, ALERTS, "Asia/Seoul", NOW)
    assert (failing.state, failing.detail) == ("failing", "HTTP 503")


def test_a_facebook_login_account_has_no_token_age() -> None:
    entry = {"platform": "instagram", "name": "ig", "ig_user_id": "17841452391708236",
             "access_token": {"env": "HANBIT_FACEBOOK_PAGE_TOKEN"}}  # fmt: skip
    page = InstagramAccount.model_validate(entry, context={"environ": SANDBOX_ENV})
    assert health_of({TOKEN: seen(70)}, page).state == "ok"


def test_a_disabled_account_is_disabled_whatever_its_token() -> None:
    assert health_of({TOKEN: seen(70)}, login_account(enabled=False)).state == "disabled"


# -- alerts -----------------------------------------------------------------------------------


@pytest.fixture
def store(sqlite_url: str) -> Any:
    made = Store(create_db_engine(sqlite_url), clock=lambda: NOW)
    made.sync.ensure_account("instagram-login", "instagram")
    yield made
    made.close()


def test_token_expiring_alerts_once_then_expiry_alerts_then_recovery(store: Store) -> None:
    sent: list[Alert] = []

    def check(days_ago: int) -> None:
        notify_changes(store, [health_of({TOKEN: seen(days_ago)})], [sent.append])

    check(10)
    check(50)
    check(51)
    check(60)
    check(0)  # a new token in use
    assert [a.subject for a in sent] == [
        "[aggregator] instagram-login: token expiring",
        "[aggregator] instagram-login: re-authorisation needed",
        "[aggregator] instagram-login: recovered",
    ]
    assert "aggregator instagram refresh-token" in sent[0].body


def test_a_refreshed_token_ends_token_expiring_without_an_alert(store: Store) -> None:
    sent: list[Alert] = []
    notify_changes(store, [health_of({TOKEN: seen(52)})], [sent.append])
    notify_changes(store, [health_of({TOKEN: seen(0)})], [sent.append])
    assert [a.subject for a in sent] == ["[aggregator] instagram-login: token expiring"]


# -- the refreshed token's day ------------------------------------------------------------


def pulled_token(sandbox: Sandbox, client: HttpClient, cursors: dict[str, Any]) -> Any:
    account = InstagramAccount.model_validate(
        account_config(sandbox.base_url, 15), context={"environ": SANDBOX_ENV}
    )
    context = SyncContext(http=client, clock=sandbox.now)
    batches = list(InstagramConnector(account, context, sleep=lambda s: None).pull(cursors))
    return batches[-1].cursor_updates[TOKEN]


def test_a_refreshed_token_put_in_place_counts_from_its_refresh_day(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    now = sandbox.now()
    cursors = {TOKEN: seen(55, "the-old-token", now), REFRESHED: seen(3, USER_TOKEN, now)}
    stored = pulled_token(sandbox, sandbox_client, cursors)
    assert stored == seen(3, USER_TOKEN, now)


def test_a_refresh_that_answered_the_same_token_extends_it(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    now = sandbox.now()
    cursors = {TOKEN: seen(55, now=now), REFRESHED: seen(1, now=now)}
    assert pulled_token(sandbox, sandbox_client, cursors) == seen(1, now=now)


def test_status_names_a_refreshed_token_that_is_not_in_use_yet() -> None:
    cursors = {TOKEN: seen(52), REFRESHED: seen(1, "the-refreshed-token")}
    note = token_note(login_account(), cursors)
    assert note is not None
    assert f"a token refreshed on {NOW.date() - timedelta(days=1):%F}" in note
    assert f"put it in ${USER_TOKEN_ENV}" in note
    expiring = health_of(cursors)
    assert expiring.state == "token_expiring"
    assert "is not in use yet" in expiring.detail


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    monkeypatch.delenv("AGGREGATOR_CONFIG", raising=False)
    for name, value in SANDBOX_ENV.items():
        monkeypatch.setenv(name, value)


def backdate(url: str, days: int) -> None:
    """Make the token the sync recorded `days` old (today's UTC date minus `days`)."""
    store = Store(create_db_engine(url))
    account_id = store.sync.ensure_account("instagram-login", "instagram")
    first_seen = f"{datetime.now(UTC).date() - timedelta(days=days):%F}"
    value = {"fingerprint": fingerprint(USER_TOKEN), "first_seen": first_seen}
    store.sync.apply_batch(account_id, Batch(TOKEN, cursor_updates={TOKEN: value}))
    store.close()


@pytest.mark.usefixtures("cli_env")
def test_status_check_passes_with_an_expiring_token_and_fails_once_it_expired(
    sandbox: Sandbox, tmp_path: Path, sqlite_url: str
) -> None:
    config = tmp_path / "config.yaml"
    document = build_config(sandbox.base_url, database_url=sqlite_url)
    document["accounts"] = [account_config(sandbox.base_url, 15)]
    config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    synced = runner.invoke(app, ["sync", "--config", str(config)])
    assert synced.exit_code == 0, synced.output

    backdate(sqlite_url, 51)
    checked = runner.invoke(app, ["status", "--check", "--config", str(config)])
    assert checked.exit_code == 0
    assert "token expiring" in checked.stdout
    [entry] = json.loads(runner.invoke(app, ["status", "--json", "--config", str(config)]).stdout)
    assert entry["state"] == "token_expiring"

    backdate(sqlite_url, 60)
    checked = runner.invoke(app, ["status", "--check", "--config", str(config)])
    assert checked.exit_code == 1
    assert "problem accounts: instagram-login" in checked.stderr
    [entry] = json.loads(runner.invoke(app, ["status", "--json", "--config", str(config)]).stdout)
    assert entry["state"] == "needs_reauth"
    assert "has expired" in entry["detail"]
