"""The `aggregator` command without a sandbox: config, db, status, errors, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aggregator.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def write_config(tmp_path: Path, body: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        "database: {url: test.db}\n"
        "accounts:\n"
        "  - {name: blog-a, platform: blog, feed_url: 'http://127.0.0.1:9/feed'}\n" + body,
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def _no_database_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    monkeypatch.delenv("AGGREGATOR_CONFIG", raising=False)


def test_config_check_accepts_a_valid_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "check", str(write_config(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "config ok: 1 accounts (1 enabled)" in result.output


def test_config_check_names_every_problem_and_exits_2(tmp_path: Path) -> None:
    path = write_config(tmp_path, "colour: blue\nhttp: {retries: many}\n")
    result = runner.invoke(app, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert "colour: unknown key" in result.output
    assert "http.retries" in result.output
    assert "Traceback" not in result.output


def test_config_show_redacts_the_database_password(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace("test.db", "postgresql://u:hunter2@db/agg"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["config", "show", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert "resolved_url: postgresql+psycopg://u:***@db/agg" in result.output


def test_sync_before_db_upgrade_says_how_to_fix_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", "--config", str(write_config(tmp_path))])
    assert result.exit_code == 2
    assert "run `aggregator db upgrade`" in result.output


def test_db_upgrade_then_status_shows_no_accounts_yet(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    upgraded = runner.invoke(app, ["db", "upgrade", "--config", str(path)])
    assert upgraded.exit_code == 0, upgraded.output
    assert (tmp_path / "test.db").exists()
    status = runner.invoke(app, ["status", "--config", str(path)])
    assert status.exit_code == 0, status.output
    assert "never synced" in status.output


def test_database_url_environment_variable_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("AGGREGATOR_DATABASE_URL", str(other))
    result = runner.invoke(app, ["db", "upgrade", "--config", str(write_config(tmp_path))])
    assert result.exit_code == 0, result.output
    assert other.exists()
    assert not (tmp_path / "test.db").exists()


def test_sync_of_an_unknown_account_is_a_clear_error(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    runner.invoke(app, ["db", "upgrade", "--config", str(path)])
    result = runner.invoke(app, ["sync", "--config", str(path), "--account", "nope"])
    assert result.exit_code == 2
    assert "no account named 'nope'" in result.output
    assert "known: blog-a" in result.output


def test_sync_of_an_unreachable_feed_fails_with_exit_1_and_json(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http: {retries: 0, connect_timeout_seconds: 1}\n")
    runner.invoke(app, ["db", "upgrade", "--config", str(path)])
    result = runner.invoke(app, ["sync", "--config", str(path), "--json"])
    assert result.exit_code == 1
    assert '"status": "failed"' in result.output
    assert "connection refused by 127.0.0.1:9" in result.output


def test_bad_trigger_is_rejected(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", "--config", str(write_config(tmp_path)), "--trigger", "x"])
    assert result.exit_code == 2
    assert "--trigger must be" in result.output


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [
        "sync", "status", "db upgrade", "config check", "config show", "sandbox", "demo",
        "comments add", "comments import", "checks list", "checks dismiss",
        "serve", "users add", "users list", "users disable", "users enable", "users set-password",
        "instagram refresh-token",
    ]  # fmt: skip
    missing = [c for c in commands if not re.search(rf"aggregator {c}\b", readme)]
    assert missing == []


def test_scheduler_with_a_bad_config_exits_2_naming_the_problem(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = write_config(tmp_path, "scheduler: {max_workers: 0}\n")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scheduler.py"), "--config", str(config)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "scheduler.max_workers" in done.stderr
    assert "Traceback" not in done.stderr


def test_sync_of_a_locked_account_exits_3_with_a_clear_message(tmp_path: Path) -> None:
    from datetime import timedelta

    from aggregator.db import create_db_engine
    from aggregator.store import Store
    from aggregator.store.locks import Holder

    path = write_config(tmp_path)
    runner.invoke(app, ["db", "upgrade", "--config", str(path)])
    store = Store(create_db_engine(f"sqlite:///{tmp_path / 'test.db'}"))
    account_id = store.sync.ensure_account("blog-a", "blog")
    store.sync.acquire_lock(account_id, Holder("scheduler-host", 4242, "x"), timedelta(minutes=30))
    store.close()
    result = runner.invoke(app, ["sync", "--config", str(path)])
    assert result.exit_code == 3
    assert "already being synced by scheduler-host pid 4242" in result.output
