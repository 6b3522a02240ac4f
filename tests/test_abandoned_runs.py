"""Runs whose process died (SIGKILL, shutdown exit 4) are closed as `abandoned`, truthfully."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.db import create_db_engine, upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.store import Store
from aggregator.store.locks import Holder
from aggregator.sync import sync_account
from tests.conftest import FakeClock
from tests.test_sync import FakeAccount, factory

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

HOLD_A_RUN = """
import sys, time
from datetime import timedelta
from aggregator.db import create_db_engine
from aggregator.store import Store
from aggregator.store.locks import Holder
store = Store(create_db_engine(sys.argv[1]))
account_id = store.sync.ensure_account("fake", "blog")
assert store.sync.acquire_lock(account_id, Holder.this_process(), timedelta(hours=1)) is None
print(store.sync.start_run(account_id, "cron"), flush=True)
time.sleep(60)
"""


def kill_a_process_mid_run(db_url: str) -> int:
    """A real process takes the account's lock, starts a run and is SIGKILLed; its run id."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_RUN, db_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        return int(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)


def last_run(store: Store) -> dict[str, object]:
    (status,) = store.sync.account_statuses()
    return {"status": status.last_run_status, "finished_at": status.last_run_finished_at}


def test_a_run_killed_by_sigkill_is_abandoned_when_its_lock_is_taken_over(
    store: Store, db_url: str, clock: FakeClock
) -> None:
    killed_run = kill_a_process_mid_run(db_url)
    result = sync_account(store, FakeAccount(), factory(pages=1))
    assert result.ok
    killed = store.sync.run(killed_run)
    assert killed["status"] == "abandoned"
    assert killed["finished_at"] == clock.now
    assert "stopped before the run finished" in killed["error"]


def test_a_run_whose_lock_expired_elsewhere_is_abandoned(store: Store, clock: FakeClock) -> None:
    account_id = store.sync.ensure_account("fake", "blog")
    elsewhere = Holder("another-host", 4242, "t0")
    assert store.sync.acquire_lock(account_id, elsewhere, timedelta(minutes=20)) is None
    store.sync.start_run(account_id, "scheduler")
    clock.advance(minutes=21)
    assert store.sync.close_abandoned_runs() == 1
    assert last_run(store) == {"status": "abandoned", "finished_at": clock.now}


def test_a_live_run_is_left_running(store: Store, clock: FakeClock) -> None:
    account_id = store.sync.ensure_account("fake", "blog")
    alive = Holder("another-host", 1, "t")
    assert store.sync.acquire_lock(account_id, alive, timedelta(hours=1)) is None
    store.sync.start_run(account_id, "scheduler")
    clock.advance(minutes=5)
    assert store.sync.close_abandoned_runs() == 0
    assert last_run(store)["status"] == "running"


def test_status_shows_a_killed_run_as_abandoned(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: '{db_url}'}}\n"
        "accounts:\n  - {name: fake, platform: blog, feed_url: 'http://127.0.0.1:9/feed'}\n",
        encoding="utf-8",
    )
    kill_a_process_mid_run(db_url)
    result = runner.invoke(app, ["status", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)
    assert entry["last_run_status"] == "abandoned"
    assert entry["last_run_finished_at"] is not None
    assert entry["state"] == "abandoned"
    table = runner.invoke(app, ["status", "--config", str(config)])
    assert "last run abandoned" in table.stdout


def test_a_run_left_by_the_schedulers_forced_exit_4_is_shown_abandoned(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SANDBOX_ENV.items():  # `status` below reads the same config
        monkeypatch.setenv(name, value)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    written = sandbox.write_config(tmp_path / "sandbox.yaml", database_url=url)
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    data["accounts"] = [a for a in data["accounts"] if a["name"] == "wordpress-news"]
    data["scheduler"] = {"shutdown_timeout_seconds": 1}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    upgrade(url)
    sandbox.faults.add("delay", "/wordpress/news/", seconds=20)  # the sync hangs in a request
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")}
    env |= SANDBOX_ENV  # the written config names these variables
    command = [sys.executable, str(ROOT / "scheduler.py"), "--config", str(config)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    store = Store(create_db_engine(url))
    try:
        while process.poll() is None and not store.sync.account_statuses():
            time.sleep(0.05)
        (status,) = store.sync.account_statuses()
        assert status.last_run_status == "running"
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    finally:
        store.close()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 4, err
    result = runner.invoke(app, ["status", "--config", str(config), "--json"])
    (entry,) = json.loads(result.stdout)
    assert (entry["last_run_status"], entry["state"]) == ("abandoned", "abandoned")
