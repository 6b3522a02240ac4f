"""A missing token variable makes only its account unusable; every command still runs.

Real `aggregator` processes with `HANBIT_FACEBOOK_PAGE_TOKEN` unset, against the sandbox.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from aggregator.config import parse_settings
from aggregator.db import upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from tests.test_cli_process import free_port, spawned

AGGREGATOR = str(Path(sys.executable).with_name("aggregator"))
MISSING = "HANBIT_FACEBOOK_PAGE_TOKEN"


@pytest.fixture
def config(sandbox: Sandbox, tmp_path: Path) -> Path:
    path = sandbox.write_config(tmp_path / "config.yaml", database_url=str(tmp_path / "a.db"))
    upgrade(f"sqlite:///{tmp_path / 'a.db'}")
    return path


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGGREGATOR_", "HANBIT_"))}
    return env | {k: v for k, v in SANDBOX_ENV.items() if k != MISSING}


def aggregator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGGREGATOR, *args], capture_output=True, text=True, env=environment(), timeout=120
    )


@pytest.mark.parametrize(
    "command", [["status"], ["users", "list"], ["db", "upgrade"], ["checks", "list"]]
)
def test_commands_run_with_a_token_variable_unset(config: Path, command: list[str]) -> None:
    done = aggregator(*command, "--config", str(config))
    assert done.returncode == 0, done.stderr


def test_sync_stores_the_other_accounts_and_names_the_missing_variable(config: Path) -> None:
    done = aggregator("sync", "--config", str(config), "--json")
    assert done.returncode == 1, done.stderr
    results = {r["account"]: r for r in json.loads(done.stdout)["accounts"]}
    sharing = ("facebook-page", "instagram")  # Instagram is read with the Page's token
    for name in sharing:
        assert results[name]["status"] == "needs_configuration"
        assert MISSING in results[name]["error"]
    others = [r for name, r in results.items() if name not in sharing]
    assert others
    assert all(r["ok"] for r in others)


def test_status_shows_the_account_needs_configuration_and_check_fails(config: Path) -> None:
    aggregator("sync", "--config", str(config))
    done = aggregator("status", "--config", str(config), "--json")
    states = {entry["name"]: entry for entry in json.loads(done.stdout)}
    assert states["facebook-page"]["state"] == "needs_configuration"
    assert MISSING in states["facebook-page"]["detail"]
    assert states["naver-blog"]["state"] == "ok"
    check = aggregator("status", "--config", str(config), "--check")
    assert check.returncode == 1
    assert "needs configuration" in check.stdout
    assert "facebook-page" in check.stderr


def test_config_check_lists_the_missing_variable_and_fails(config: Path) -> None:
    done = aggregator("config", "check", str(config))
    assert done.returncode == 2
    assert f"(facebook-page).access_token: environment variable {MISSING} is not set" in (
        done.stderr
    )


def test_serve_starts_with_a_token_variable_unset(config: Path) -> None:
    port = free_port()
    command = [AGGREGATOR, "serve", "--config", str(config), "--port", str(port)]
    with spawned(command, stdout=subprocess.PIPE, env=environment()) as process:
        assert process.stdout is not None
        assert "inbox on" in process.stdout.readline()
        assert wait_for_page(f"http://127.0.0.1:{port}/login", process) == 200
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def wait_for_page(url: str, process: subprocess.Popen[str]) -> int:
    """The status of `url` once the server listens (while its process lives)."""
    while process.poll() is None:
        try:
            return requests.get(url, timeout=10).status_code
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"the server exited with {process.returncode}")


def test_an_unset_optional_app_secret_is_no_problem() -> None:
    text = (
        "accounts:\n  - {name: fb, platform: facebook, page_id: '1', "
        "access_token: {env: FB_TOKEN}, app_secret: {env: FB_APP_SECRET}}\n"
    )
    settings = parse_settings(text, environ={"FB_TOKEN": "token"})
    account = settings.account("fb")
    assert account.missing_secrets() == {}
    assert account.app_secret is None


def test_a_missing_required_token_is_the_accounts_problem_not_an_error() -> None:
    text = "accounts:\n  - {name: fb, platform: facebook, page_id: '1', access_token: {env: T}}\n"
    account = parse_settings(text, environ={}).account("fb")
    assert account.missing_secrets() == {"access_token": "T"}
