"""`aggregator answers send` as a real process against the sandbox: it carries out the
hide requests staff made, prints their outcomes, and exits 1 when one failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aggregator.config import load_settings
from aggregator.db import upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.write_errors import inject
from tests.test_platform_hide_sandbox import (
    hidden_upstream,
    resident_comment,
    set_status,
    synced_store,
)

AGGREGATOR = str(Path(sys.executable).with_name("aggregator"))


def _send(config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **SANDBOX_ENV}
    env.pop("AGGREGATOR_DATABASE_URL", None)
    return subprocess.run(
        [AGGREGATOR, "answers", "send", "--json", "--config", str(config)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_answers_send_hides_and_reports_a_failed_request(sandbox: Sandbox, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    config = sandbox.write_config(tmp_path / "config.yaml", database_url=url)
    settings = load_settings(config, environ=SANDBOX_ENV)
    with synced_store(settings, url) as store:
        facebook = resident_comment(store, "facebook-page")
        set_status(store, facebook["id"], "숨김", upstream="hide")
        done = _send(config)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["outcomes"] == {"platform_hide_done": 1}
        assert hidden_upstream(sandbox, settings, "facebook-page", facebook["external_id"])

        wordpress = resident_comment(store, "wordpress-news")
        set_status(store, wordpress["id"], "숨김", upstream="hide")
        inject(sandbox.faults, "wordpress", "permission")
        failed = _send(config)
        assert failed.returncode == 1, failed.stderr
        assert json.loads(failed.stdout)["outcomes"] == {"platform_hide_failed": 1}
