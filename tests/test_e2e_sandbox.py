"""End to end: the `aggregator` command syncing the sandbox over real HTTP into a real store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.db import create_db_engine, upgrade
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.store.tables import ACCOUNT, ANSWER, COMMENT, EVENT
from tests.fixtures_sandbox import SandboxFactory

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    monkeypatch.delenv("AGGREGATOR_CONFIG", raising=False)
    for name, value in SANDBOX_ENV.items():
        monkeypatch.setenv(name, value)


def prepared(sandbox: Sandbox, tmp_path: Path, db_url: str) -> Path:
    config = sandbox.write_config(tmp_path / "config.yaml", database_url=db_url)
    upgrade(db_url)
    return config


def sync_json(config: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["sync", "--config", str(config), "--json", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def by_account(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["account"]: entry for entry in summary["accounts"]}


def stored_items(db_url: str) -> dict[str, set[tuple[Any, ...]]]:
    """Every stored post and comment by its source fields (what must survive any crash)."""
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as conn:
            posts = conn.execute(sa.text("SELECT platform, external_id, content_hash FROM post"))
            comments = conn.execute(
                sa.text(
                    "SELECT platform, external_id, content_hash, parent_external_id, "
                    "post_external_id, kind FROM comment"
                )
            )
            return {"posts": {tuple(r) for r in posts}, "comments": {tuple(r) for r in comments}}
    finally:
        engine.dispose()


def test_first_sync_stores_every_account_and_a_resync_changes_nothing(
    sandbox: Sandbox, tmp_path: Path, db_url: str
) -> None:
    config = prepared(sandbox, tmp_path, db_url)
    first = by_account(sync_json(config))
    assert {"naver-blog", "wordpress-news", "tistory-blog", "x-account"} <= set(first)
    youtube = first.pop("youtube")
    assert all(entry["status"] == "ok" for entry in first.values()), first
    assert youtube["status"] == "ok_with_warnings", "the notes on videos with comments off"
    assert all("comments are turned off" in w for w in youtube["warnings"])
    first["youtube"] = youtube
    assert all(entry["posts"]["new"] > 0 for entry in first.values())
    assert first["wordpress-news"]["comments"]["new"] > 0
    assert first["naver-blog"]["comments"]["new"] == 0, "Naver Blog gives no comments"

    second = by_account(sync_json(config))
    for entry in second.values():
        assert entry["posts"]["new"] == entry["comments"]["new"] == 0
        assert entry["posts"]["updated"] == entry["comments"]["updated"] == 0
    assert second["naver-blog"]["api_calls"] == 1
    assert second["wordpress-news"]["api_calls"] == 2, "posts + site comments feed, both 304"
    assert first["x-account"]["units_read"] > 0
    assert second["x-account"]["units_read"] == 0, "a no-change X sync reads no posts"
    assert second["x-account"]["cost"] == 0
    assert first["facebook-page"]["comments"]["new"] > 0
    assert second["facebook-page"]["api_calls"] == 1, "a no-change Graph sync lists posts only"
    assert first["youtube"]["comments"]["new"] > 0
    assert second["youtube"]["api_calls"] == 2, "a no-change YouTube sync: playlist, statistics"
    assert second["youtube"]["status"] == "ok", "the comments-off notes are given once"


def test_comments_that_appear_later_are_picked_up_incrementally(
    sandbox: Sandbox, tmp_path: Path, db_url: str
) -> None:
    config = prepared(sandbox, tmp_path, db_url)
    sync_json(config, "--account", "wordpress-news")
    before = stored_items(db_url)["comments"]
    sandbox.advance(3 * 24 * 60)
    later = by_account(sync_json(config, "--account", "wordpress-news"))["wordpress-news"]
    after = stored_items(db_url)["comments"]
    assert later["comments"]["new"] > 0
    assert before < after
    assert len(after) - len(before) == later["comments"]["new"]


def test_a_failing_account_does_not_stop_the_others(
    sandbox: Sandbox, tmp_path: Path, sqlite_url: str
) -> None:
    config = prepared(sandbox, tmp_path, sqlite_url)
    sandbox.faults.add("status", "/naver/", status=500)
    result = runner.invoke(app, ["sync", "--config", str(config), "--json"])
    assert result.exit_code == 1
    accounts = by_account(json.loads(result.stdout))
    assert accounts["naver-blog"]["status"] == "failed"
    assert "HTTP 500" in accounts["naver-blog"]["error"]
    assert accounts["wordpress-news"]["status"] == "ok"
    assert accounts["tistory-blog"]["status"] == "ok"


def test_malformed_feed_ends_with_parse_error_and_keeps_what_was_stored(
    sandbox: Sandbox, tmp_path: Path, sqlite_url: str
) -> None:
    config = prepared(sandbox, tmp_path, sqlite_url)
    sync_json(config, "--account", "tistory-blog")
    before = stored_items(sqlite_url)
    sandbox.advance(60 * 24 * 5)
    sandbox.faults.add("malformed", "/tistory/", mode="garbage")
    result = runner.invoke(app, ["sync", "--config", str(config), "-a", "tistory-blog", "--json"])
    assert result.exit_code == 1
    assert by_account(json.loads(result.stdout))["tistory-blog"]["status"] == "parse_error"
    assert stored_items(sqlite_url) == before


def test_status_shows_each_account_after_a_sync(
    sandbox: Sandbox, tmp_path: Path, sqlite_url: str
) -> None:
    config = prepared(sandbox, tmp_path, sqlite_url)
    sync_json(config)
    result = runner.invoke(app, ["status", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    statuses = {s["name"]: s for s in json.loads(result.stdout)}
    assert statuses["wordpress-news"]["last_run_status"] == "ok"
    assert statuses["wordpress-news"]["comments"] > 0
    assert "posts" in statuses["wordpress-news"]["cursors"]
    assert statuses["naver-blog"]["last_success_at"] is not None


def _spawn_sync(config: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")}
    env |= SANDBOX_ENV  # the written config names these variables
    env.update(SANDBOX_ENV)
    command = [sys.executable, "-m", "aggregator", "sync", "--config", str(config)]
    return subprocess.Popen(
        [*command, "--account", "wordpress-news"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_comments(db_url: str, at_least: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if len(stored_items(db_url)["comments"]) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"sync did not store {at_least} comments before it ended")


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_loses_nothing_and_duplicates_nothing(
    make_sandbox: SandboxFactory, tmp_path: Path, db_url: str, sqlite_template: Path
) -> None:
    """E8/E11 with a real process: SIGKILL while per-post comment feeds are being read."""
    sandbox = make_sandbox(comments=400)
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    reference = prepared(sandbox, tmp_path / "ref", reference_url)
    sync_json(reference, "--account", "wordpress-news")
    expected = stored_items(reference_url)

    config = prepared(sandbox, tmp_path, db_url)
    sandbox.faults.add("delay", "/wordpress/news/2", seconds=0.4)  # each per-post feed
    sandbox.faults.add("delay", "/wordpress/news/wp-json/", seconds=0.4)  # each REST page
    killed_at = []
    for threshold in (1, len(expected["comments"]) // 3, len(expected["comments"]) // 2):
        process = _spawn_sync(config)
        try:
            _wait_for_comments(db_url, threshold, process)
        finally:  # killed mid-run, also when waiting for comments failed
            process.send_signal(signal.SIGKILL)
            process.wait()
        killed_at.append(len(stored_items(db_url)["comments"]))
    assert killed_at[-1] < len(expected["comments"]), "the kills must land mid-run"

    sandbox.faults.clear()
    final = by_account(sync_json(config, "--account", "wordpress-news"))["wordpress-news"]
    assert final["ok"], f"the dead process's lock was taken over: {final}"
    assert stored_items(db_url) == expected


def test_comments_beyond_the_wordpress_feed_window_are_reported_not_hidden(
    make_sandbox: SandboxFactory, tmp_path: Path, sqlite_url: str
) -> None:
    sandbox = make_sandbox(comments=2000)
    sandbox.wordpress_rest.enabled = False  # a site with its REST API off: feeds only
    config = prepared(sandbox, tmp_path, sqlite_url)
    result = runner.invoke(app, ["sync", "--config", str(config), "-a", "wordpress-news", "--json"])
    assert result.exit_code == 0, result.output
    entry = by_account(json.loads(result.stdout))["wordpress-news"]
    assert entry["status"] == "ok_with_warnings"
    assert any("cannot be read from feeds" in w for w in entry["warnings"])


def test_wordpress_rest_reads_the_comments_beyond_the_feed_window(
    make_sandbox: SandboxFactory, tmp_path: Path, sqlite_url: str
) -> None:
    sandbox = make_sandbox(comments=2000)
    config = prepared(sandbox, tmp_path, sqlite_url)
    result = runner.invoke(app, ["sync", "--config", str(config), "-a", "wordpress-news", "--json"])
    assert result.exit_code == 0, result.output
    entry = by_account(json.loads(result.stdout))["wordpress-news"]
    assert entry["status"] == "ok", entry["warnings"]


def test_demo_replays_days_of_syncs_into_its_own_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGGREGATOR_DATABASE_URL", str(tmp_path / "must-not-be-used.db"))
    args = ["demo", "--directory", str(tmp_path / "demo"), "--comments", "150", "--days", "2"]
    result = runner.invoke(app, [*args, "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "17 syncs of every account over 2 simulated days" in result.output
    assert "demo-office" in result.output  # the demo logins are printed
    assert "Answers by state: 승인 대기" in result.output
    database = f"sqlite:///{tmp_path / 'demo' / 'demo.db'}"
    stored = stored_items(database)
    assert len(stored["comments"]) > 0
    assert not (tmp_path / "must-not-be-used.db").exists()
    answers = demo_answers(database)
    by_state = {(a["state"], a["platform"]) for a in answers}
    for platform in ("facebook", "twitter", "blog"):
        assert ("posted", platform) in by_state  # Facebook, X and WordPress by the worker
    assert {"pending_approval", "approved"} <= {a["state"] for a in answers}
    by_hand = {a["account"] for a in answers if a["state"] == "confirmed_manual"}
    assert "naver-blog" in by_hand  # the comment entered by hand
    assert by_hand <= {"naver-blog", "instagram", "youtube"}  # accounts without a writer
    assert any(c[0] == "youtube" for c in stored["comments"])  # the demo shows YouTube
    assert any(a["text"].startswith("주차관리과에 전달했습니다.") for a in answers)  # a 상용구
    assert demo_events(database) >= {"answer_send_back", "answer_resubmit", "answer_approve"}
    for answer in (a for a in answers if a["state"] == "posted"):
        replies = [r for r in answers_read_back(database, answer) if r["text"] == answer["text"]]
        assert len(replies) == 1, answer  # on the platform exactly once, as the sync read it
        assert answer["reply_comment_id"] == replies[0]["id"]  # linked, not a second answer
        # one clock: the reply the platform stored and our posted_at agree (deadlines)
        assert abs(replies[0]["created_at"] - answer["posted_at"]).total_seconds() <= 60
        assert answer["comment_created_at"] <= answer["posted_at"]


def _rows(db_url: str, query: sa.Select[Any]) -> list[dict[str, Any]]:
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
    finally:
        engine.dispose()


def demo_answers(db_url: str) -> list[dict[str, Any]]:
    """Every answer of the demo with its comment's platform, account and time."""
    query = sa.select(
        ANSWER, COMMENT.c.platform, ACCOUNT.c.name.label("account"),
        COMMENT.c.created_at.label("comment_created_at"),
    ).select_from(
        ANSWER.join(COMMENT, COMMENT.c.id == ANSWER.c.comment_id).join(
            ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id
        )
    )  # fmt: skip
    return _rows(db_url, query)


def demo_events(db_url: str) -> set[str]:
    return {r["action"] for r in _rows(db_url, sa.select(EVENT.c.action).distinct())}


def answers_read_back(db_url: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The district's replies the sync stored on the answered comment's post (or, for an
    X mention, which has no post of ours, under the mention itself)."""
    resident = COMMENT.alias("resident")
    same_place = (resident.c.post_external_id == COMMENT.c.post_external_id) | (
        resident.c.external_id == COMMENT.c.parent_external_id
    )
    query = (
        sa.select(COMMENT.c.id, COMMENT.c.text, COMMENT.c.created_at)
        .join(resident, same_place & (resident.c.platform == COMMENT.c.platform))
        .where(resident.c.id == answer["comment_id"], COMMENT.c.by_account_owner.is_(True))
    )
    return _rows(db_url, query)


def test_sandbox_command_serves_until_interrupted(tmp_path: Path) -> None:
    import requests

    from aggregator.config import load_settings

    config = tmp_path / "sandbox.yaml"
    command = [sys.executable, "-m", "aggregator", "sandbox", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--write-config", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first_lines = []
        for line in process.stdout:  # the config is complete once it says it serves
            first_lines.append(line)
            if b"sandbox serving on" in line:
                break
        feed = str(load_settings(config, environ=SANDBOX_ENV).account("naver-blog").feed_url)
        with requests.get(feed, timeout=5) as response:
            assert response.status_code == 200
            assert "한빛구청" in response.text
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:  # never leave the sandbox serving, also on a failure or timeout
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert b"sandbox serving on http://127.0.0.1:" in b"".join(first_lines) + out
