"""`aggregator instagram refresh-token` end to end against the sandbox's graph.instagram.com
over real HTTP: the new token goes into the env file (its line replaced, the others and the
file's mode kept, atomically) or alone on stdout, never into a log, stderr or the database;
its fingerprint and day are recorded, so once a sync uses it the account's age counts from
the refresh. Every refusal is named, and bad input is refused before Meta is asked."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.db import create_db_engine, upgrade
from aggregator.records import Batch
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.sandbox.instagram import LOGIN_PREFIX, USER_TOKEN, USER_TOKEN_ENV
from aggregator.sandbox.instagram_login import account_config
from aggregator.store import Store
from connectors.common.fingerprint import fingerprint
from connectors.instagram.token import REFRESHED, TOKEN

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "instagram-login"
REFRESH_PATH = f"{LOGIN_PREFIX}/refresh_access_token"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    monkeypatch.delenv("AGGREGATOR_CONFIG", raising=False)
    for name, value in SANDBOX_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def config(sandbox: Sandbox, tmp_path: Path) -> Path:
    """A config with the Instagram Login account and the Facebook-Login one, upgraded."""
    url = f"sqlite:///{tmp_path / 'aggregator.db'}"
    document = build_config(sandbox.base_url, database_url=url)
    page = next(a for a in document["accounts"] if a["platform"] == "instagram")
    document["accounts"] = [account_config(sandbox.base_url, 15), page]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    upgrade(url)
    return path


def database(config: Path) -> str:
    return f"sqlite:///{config.parent / 'aggregator.db'}"


def refresh(config: Path, *args: str) -> Any:
    return runner.invoke(
        app, ["instagram", "refresh-token", "--account", ACCOUNT, "--config", str(config), *args]
    )


def issued(sandbox: Sandbox) -> list[str]:
    """The tokens the sandbox's refresh endpoint handed out."""
    login = sandbox.instagram.instagram_login
    assert login is not None
    return list(login.refreshed)  # type: ignore[attr-defined]


def cursors(config: Path) -> dict[str, Any]:
    store = Store(create_db_engine(database(config)))
    try:
        return store.sync.cursors(store.sync.ensure_account(ACCOUNT, "instagram"))
    finally:
        store.close()


def today() -> str:
    return f"{datetime.now(UTC):%Y-%m-%d}"


def test_write_replaces_the_variables_line_and_keeps_the_rest_and_the_mode(
    sandbox: Sandbox, config: Path
) -> None:
    secrets = config.parent / "secrets.env"
    secrets.write_text(
        f"# tokens\nHANBIT_FACEBOOK_PAGE_TOKEN=page\n{USER_TOKEN_ENV}={USER_TOKEN}\nOTHER=x",
        encoding="utf-8",
    )
    secrets.chmod(0o640)
    done = refresh(config, "--write", str(secrets))
    assert done.exit_code == 0, done.output
    [token] = issued(sandbox)
    assert secrets.read_text(encoding="utf-8") == (
        f"# tokens\nHANBIT_FACEBOOK_PAGE_TOKEN=page\n{USER_TOKEN_ENV}={token}\nOTHER=x"
    )  # every other line as it was, even the last without its line break
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o640
    assert f"{USER_TOKEN_ENV}=… replaced in {secrets}" in done.stdout
    assert "restart aggregator-scheduler" in done.stdout
    assert token not in done.output
    assert [p.name for p in config.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_new_env_file_is_created_readable_by_its_owner_only(
    sandbox: Sandbox, config: Path
) -> None:
    target = config.parent / "instagram-token.env"
    done = refresh(config, "--write", str(target))
    assert done.exit_code == 0, done.output
    assert target.read_text(encoding="utf-8") == f"{USER_TOKEN_ENV}={issued(sandbox)[0]}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_print_puts_the_token_alone_on_stdout_and_the_message_on_stderr(
    sandbox: Sandbox, config: Path
) -> None:
    done = refresh(config, "--print")
    assert done.exit_code == 0, done.output
    [token] = issued(sandbox)
    assert done.stdout == f"{token}\n"
    assert "refreshed the Instagram User token of instagram-login" in done.stderr
    assert token not in done.stderr


def test_the_database_records_the_new_tokens_fingerprint_and_day_never_the_token(
    sandbox: Sandbox, config: Path
) -> None:
    assert refresh(config, "--print").exit_code == 0
    [token] = issued(sandbox)
    stored = cursors(config)
    assert stored[REFRESHED] == {"fingerprint": fingerprint(token), "first_seen": today()}
    raw = (config.parent / "aggregator.db").read_bytes()
    assert token.encode() not in raw
    assert USER_TOKEN.encode() not in raw


def test_once_a_sync_uses_the_refreshed_token_its_age_counts_from_the_refresh(
    sandbox: Sandbox, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        runner.invoke(app, ["sync", "--account", ACCOUNT, "--config", str(config)]).exit_code == 0
    )
    old = f"{datetime.now(UTC) - timedelta(days=55):%Y-%m-%d}"
    store = Store(create_db_engine(database(config)))
    account_id = store.sync.ensure_account(ACCOUNT, "instagram")
    aged = {"fingerprint": fingerprint(USER_TOKEN), "first_seen": old}
    store.sync.apply_batch(account_id, Batch(TOKEN, cursor_updates={TOKEN: aged}))
    store.close()
    assert state(config) == "token_expiring"

    secrets = config.parent / "secrets.env"
    assert refresh(config, "--write", str(secrets)).exit_code == 0
    assert state(config) == "token_expiring", "the syncs still use the old token"
    shown = json.loads(runner.invoke(app, ["status", "--json", "--config", str(config)]).stdout)
    [entry] = [e for e in shown if e["name"] == ACCOUNT]
    assert "is not in use yet" in entry["usage_note"]

    monkeypatch.setenv(USER_TOKEN_ENV, secrets.read_text(encoding="utf-8").split("=", 1)[1].strip())
    synced = runner.invoke(app, ["sync", "--account", ACCOUNT, "--config", str(config)])
    assert synced.exit_code == 0, synced.output
    assert cursors(config)[TOKEN]["first_seen"] == today()
    assert state(config) == "ok"


def state(config: Path) -> str:
    shown = runner.invoke(app, ["status", "--json", "--config", str(config)])
    entry = next(e for e in json.loads(shown.stdout) if e["name"] == ACCOUNT)
    return str(entry["state"])


# -- refusals --------------------------------------------------------------------------------


def refresh_calls(sandbox: Sandbox) -> int:
    return len(sandbox.requests.find(REFRESH_PATH))


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--account", "nobody", "--print"], "no account named 'nobody'"),
        (["--account", "instagram", "--print"], "reads through Facebook Login"),
        (["--account", ACCOUNT], "give --write FILE or --print"),
        ([ "--print"], "--account is required"),
        (["--account", ACCOUNT, "--write", "/nonexistent-dir/x.env"], "is not a directory"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_before_meta_is_asked(
    sandbox: Sandbox, config: Path, args: list[str], said: str
) -> None:
    done = runner.invoke(app, ["instagram", "refresh-token", "--config", str(config), *args])
    assert done.exit_code == 2
    assert said in done.stderr
    assert refresh_calls(sandbox) == 0


def test_an_unset_token_variable_is_named(
    sandbox: Sandbox, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(USER_TOKEN_ENV)
    done = refresh(config, "--print")
    assert done.exit_code == 2
    assert f"environment variable {USER_TOKEN_ENV} is not set" in done.stderr
    assert refresh_calls(sandbox) == 0


def test_a_file_of_another_directory_that_cannot_be_written_is_refused_first(
    sandbox: Sandbox, config: Path
) -> None:
    locked = config.parent / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: every directory is writable")
        done = refresh(config, "--write", str(locked / "secrets.env"))
    finally:
        locked.chmod(0o700)
    assert done.exit_code == 2
    assert "cannot create files in" in done.stderr
    assert refresh_calls(sandbox) == 0


def test_a_token_instagram_refuses_says_to_log_in_again(
    sandbox: Sandbox, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(USER_TOKEN_ENV, PAGE_TOKEN)  # not an Instagram User token: 190
    target = config.parent / "instagram-token.env"
    done = refresh(config, "--write", str(target))
    assert done.exit_code == 1
    assert "Instagram refused to refresh the token of instagram-login" in done.stderr
    assert "log in" in done.stderr
    assert f"${USER_TOKEN_ENV}" in done.stderr
    assert not target.exists()
    assert PAGE_TOKEN not in done.output
    assert REFRESHED not in cursors(config)


def test_no_answer_from_meta_is_a_clear_failure(sandbox: Sandbox, config: Path) -> None:
    sandbox.faults.add("reset", REFRESH_PATH, times=1)
    done = refresh(config, "--print")
    assert done.exit_code == 1
    assert "refreshing the token of instagram-login failed" in done.stderr
    assert done.stdout == ""


# -- in a real process: nothing in the logs ---------------------------------------------------


def test_no_token_reaches_stderr_even_with_verbose_logs(sandbox: Sandbox, config: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **SANDBOX_ENV}
    command = [sys.executable, "-m", "aggregator", "instagram", "refresh-token", "--account",
               ACCOUNT, "--config", str(config), "-v"]  # fmt: skip
    printed = subprocess.run(
        [*command, "--print"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert printed.returncode == 0, printed.stderr
    target = config.parent / "secrets.env"
    written = subprocess.run(
        [*command, "--write", str(target)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    first, second = issued(sandbox)
    assert printed.stdout == f"{first}\n"
    assert " INFO " in printed.stderr, "logs were on (-v)"
    for secret in (USER_TOKEN, first, second):
        assert secret not in printed.stderr
        assert secret not in written.stderr
        assert secret not in written.stdout
