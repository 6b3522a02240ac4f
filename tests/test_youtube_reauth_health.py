"""A YouTube channel whose OAuth refresh token Google refused to the answers worker is an
account health problem (`needs_reauth`, naming the variable to renew): it alerts and fails
`aggregator status --check` while its reads run fine, and it clears once a refresh works
again, also with no answer waiting. Over real HTTP against the sandbox's token endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from aggregator.alerts import Alert, notify_changes
from aggregator.cli import app
from aggregator.config import Settings, parse_settings
from aggregator.db import create_db_engine
from aggregator.health import assess
from aggregator.http import HttpClient
from aggregator.records import Batch
from aggregator.runner import account_health, sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.sandbox.youtube import account_config as youtube_config
from aggregator.sandbox.youtube_oauth import OAUTH_ENV, REFRESH_TOKEN_ENV, TOKEN_PATH
from aggregator.store import AccountStatus, Store
from connectors.common.reply import ReplyTarget, WriteError
from connectors.youtube.oauth_state import OAUTH, write_health
from connectors.youtube.settings import YouTubeAccount
from connectors.youtube.write import YouTubeWriter
from tests.test_answers_ig_yt_sandbox import open_comment, write

ENVIRON = {**SANDBOX_ENV, **OAUTH_ENV}
runner = CliRunner()


def settings_for(sandbox: Sandbox, database: str, environ: dict[str, str]) -> Settings:
    """A config with the sandbox's YouTube channel writing through the refresh flow."""
    config = build_config(sandbox.base_url, database_url=database)
    config["accounts"] = [youtube_config(sandbox.base_url, 15, refresh=True)]
    return parse_settings(yaml.safe_dump(config, allow_unicode=True), environ=environ)


def channel(sandbox: Sandbox, environ: dict[str, str] = ENVIRON) -> YouTubeAccount:
    data = youtube_config(sandbox.base_url, 15, refresh=True)
    return YouTubeAccount.model_validate(data, context={"environ": environ})


def opened(
    sandbox: Sandbox, client: HttpClient, saved: dict[str, Any], account: YouTubeAccount
) -> YouTubeWriter:
    writer = YouTubeWriter(account, client)
    writer.open_quota(dict(saved), sandbox.now, saved.__setitem__)
    return writer


def refused_cursor(sandbox: Sandbox, client: HttpClient) -> dict[str, Any]:
    """The cursors after a write Google refused the refresh token of (invalid_grant)."""
    saved: dict[str, Any] = {}
    sandbox.youtube.tokens.revoke_refresh_token()
    writer = opened(sandbox, client, saved, channel(sandbox))
    with pytest.raises(WriteError):
        writer.set_hidden(ReplyTarget("youtube", "Ugx-any", "Ugx-any"), True)
    return saved


def stored(cursors: dict[str, Any], last: str = "ok") -> AccountStatus:
    when = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    return AccountStatus("youtube", "youtube", 3, 10, last, when, when, when, None, cursors)


def token_requests(sandbox: Sandbox) -> int:
    return len(sandbox.requests.find(TOKEN_PATH, method="POST"))


def test_a_refused_refresh_token_makes_the_account_need_reauth_naming_its_variable(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    cursors = refused_cursor(sandbox, sandbox_client)
    settings = settings_for(sandbox, "t.db", ENVIRON)
    health = assess(channel(sandbox), stored(cursors), settings.alerts, "Asia/Seoul", sandbox.now())
    assert (health.state, health.is_problem) == ("needs_reauth", True)
    assert f"${REFRESH_TOKEN_ENV}" in health.detail
    assert "invalid_grant" in health.detail
    assert "answers and hiding on YouTube stopped since" in health.detail
    assert OAUTH_ENV[REFRESH_TOKEN_ENV] not in json.dumps(cursors)  # a fingerprint, no token


def test_a_refused_client_names_the_client_secret_variable(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    environ = {**ENVIRON, "HANBIT_YOUTUBE_CLIENT_SECRET": "GOCSPX-not-the-right-one"}
    account = channel(sandbox, environ)
    saved: dict[str, Any] = {}
    with pytest.raises(WriteError):
        opened(sandbox, sandbox_client, saved, account).set_hidden(
            ReplyTarget("youtube", "Ugx-any", "Ugx-any"), True
        )
    flag = write_health(account, saved, sandbox.now())
    assert flag is not None
    assert "invalid_client" in flag.detail
    assert "$HANBIT_YOUTUBE_CLIENT_SECRET" in flag.detail


def test_the_runs_state_wins_when_worse_and_a_tie_keeps_both_details(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    cursors = refused_cursor(sandbox, sandbox_client)
    settings = settings_for(sandbox, "t.db", ENVIRON)
    account, now = channel(sandbox), sandbox.now()
    unset = assess(account, stored(cursors, "needs_configuration"), settings.alerts, "UTC", now)
    assert unset.state == "needs_configuration"
    reads = replace(stored(cursors, "needs_reauth"), last_error="key refused")
    both = assess(account, reads, settings.alerts, "UTC", now)
    assert both.state == "needs_reauth"
    assert both.detail.startswith("key refused; answers and hiding")


def test_same_refused_credentials_are_not_asked_again_by_the_next_worker_run(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    saved = refused_cursor(sandbox, sandbox_client)
    before = token_requests(sandbox)
    opened(sandbox, sandbox_client, saved, channel(sandbox)).recheck_auth()
    assert token_requests(sandbox) == before
    assert saved[OAUTH]["state"] == "needs_reauth"


def test_new_credentials_are_tried_at_once_and_clear_the_state(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    saved = refused_cursor(sandbox, sandbox_client)
    renewed = {**ENVIRON, REFRESH_TOKEN_ENV: sandbox.youtube.tokens.consent()}
    account = channel(sandbox, renewed)
    before = token_requests(sandbox)
    opened(sandbox, sandbox_client, saved, account).recheck_auth()
    assert token_requests(sandbox) == before + 1
    assert saved[OAUTH]["state"] == "ok"
    assert write_health(account, saved, sandbox.now()) is None
    opened(sandbox, sandbox_client, saved, account).recheck_auth()
    assert token_requests(sandbox) == before + 1  # nothing to check any more


def test_new_credentials_refused_too_are_stored_and_asked_once(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    saved = refused_cursor(sandbox, sandbox_client)
    first = dict(saved[OAUTH])
    wrong = channel(sandbox, {**ENVIRON, REFRESH_TOKEN_ENV: "1//0e-a-mistyped-token"})
    before = token_requests(sandbox)
    opened(sandbox, sandbox_client, saved, wrong).recheck_auth()
    opened(sandbox, sandbox_client, saved, wrong).recheck_auth()
    assert token_requests(sandbox) == before + 1
    assert saved[OAUTH]["state"] == "needs_reauth"
    assert saved[OAUTH]["grant"] != first["grant"]


def test_a_fixed_token_account_ignores_an_old_refusal(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    cursors = refused_cursor(sandbox, sandbox_client)
    fixed = YouTubeAccount.model_validate(
        youtube_config(sandbox.base_url, 15), context={"environ": SANDBOX_ENV}
    )
    assert write_health(fixed, cursors, sandbox.now()) is None


@pytest.fixture
def synced(sandbox: Sandbox, sqlite_url: str) -> Iterator[tuple[Store, Settings]]:
    """The channel synced (its reads are fine), on the sandbox's clock."""
    settings = settings_for(sandbox, sqlite_url, ENVIRON)
    store = Store(create_db_engine(sqlite_url), clock=sandbox.now)
    [result] = sync_accounts(store, settings, settings.accounts, "test")
    assert result.status in ("ok", "ok_with_warnings"), result
    yield store, settings
    store.close()


def hide_through_writer(
    store: Store, settings: Settings, client: HttpClient, target: ReplyTarget
) -> None:
    """What the answers worker does for one hide request: open the writer on the
    account's cursors (stored back through the store), then write."""
    account_id = store.sync.ensure_account("youtube", "youtube")

    def save(stream: str, value: Any) -> None:
        store.sync.apply_batch(account_id, Batch(stream, cursor_updates={stream: value}))

    writer = YouTubeWriter(settings.accounts[0], client)
    writer.open_quota(store.sync.cursors(account_id), store.clock, save)
    writer.set_hidden(target, True)


def test_it_alerts_once_naming_the_variable_then_says_recovered(
    sandbox: Sandbox, sandbox_client: HttpClient, synced: tuple[Store, Settings]
) -> None:
    store, settings = synced
    comment = open_comment(sandbox, store, "youtube")["external_id"]
    target = ReplyTarget("youtube", comment, comment)
    sent: list[Alert] = []
    notify_changes(store, account_health(store, settings), [sent.append])
    assert sent == []
    sandbox.youtube.tokens.revoke_refresh_token()
    with pytest.raises(WriteError):
        hide_through_writer(store, settings, sandbox_client, target)
    notify_changes(store, account_health(store, settings), [sent.append])
    notify_changes(store, account_health(store, settings), [sent.append])
    [alert] = sent
    assert alert.subject == "[aggregator] youtube: re-authorisation needed"
    assert f"${REFRESH_TOKEN_ENV}" in alert.body
    assert "Renew the token" in alert.body
    sandbox.youtube.tokens.revoke_refresh_token(False)  # (as if Google took it again)
    hide_through_writer(store, settings, sandbox_client, target)
    notify_changes(store, account_health(store, settings), [sent.append])
    assert [a.subject for a in sent][1:] == ["[aggregator] youtube: recovered"]


# -- the command --------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    monkeypatch.delenv("AGGREGATOR_CONFIG", raising=False)
    for name, value in ENVIRON.items():
        monkeypatch.setenv(name, value)


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.mark.usefixtures("cli_env")
def test_status_check_fails_while_google_refuses_the_refresh_token_until_a_new_one_works(
    sandbox: Sandbox, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    document = build_config(sandbox.base_url, database_url=sqlite_url)
    document["accounts"] = [youtube_config(sandbox.base_url, 15, refresh=True)]
    config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert invoke("sync", "--config", str(config)).exit_code == 0
    assert invoke("status", "--check", "--config", str(config)).exit_code == 0
    store = Store(create_db_engine(sqlite_url))
    settings = settings_for(sandbox, sqlite_url, ENVIRON)
    write(store, settings, open_comment(sandbox, store, "youtube")["id"], "한빛구청입니다.")
    store.close()

    sandbox.youtube.tokens.revoke_refresh_token()
    assert invoke("answers", "send", "--config", str(config)).exit_code == 1  # the answer failed
    checked = invoke("status", "--check", "--config", str(config))
    assert checked.exit_code == 1
    assert "re-authorisation needed" in checked.stdout
    assert "problem accounts: youtube" in checked.stderr
    [entry] = json.loads(invoke("status", "--json", "--config", str(config)).stdout)
    assert entry["state"] == "needs_reauth"
    assert entry["last_run_status"] in ("ok", "ok_with_warnings")  # reads are fine
    assert f"${REFRESH_TOKEN_ENV}" in entry["detail"]

    monkeypatch.setenv(REFRESH_TOKEN_ENV, sandbox.youtube.tokens.consent())
    sent = invoke("answers", "send", "--config", str(config))
    assert sent.exit_code == 0, sent.output
    assert invoke("status", "--check", "--config", str(config)).exit_code == 0
