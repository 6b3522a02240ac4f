"""Account health, `status --check`, and alerts that fire once per state change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aggregator.alerts import Alert, notify_changes, senders
from aggregator.cli import app
from aggregator.config import parse_settings
from aggregator.db import create_db_engine
from aggregator.health import Health, assess
from aggregator.runner import account_health
from aggregator.store import AccountStatus, Store
from tests.conftest import FakeClock

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
SETTINGS = parse_settings(
    """
    alerts: {failing_after: 3, stale_after_intervals: 3}
    accounts:
      - name: blog-a
        platform: blog
        feed_url: "http://127.0.0.1:9/a"
        schedule: {interval_minutes: 30}
    """,
    environ={},
)


def status(**values: Any) -> AccountStatus:
    defaults: dict[str, Any] = {
        "name": "blog-a", "platform": "blog", "posts": 1, "comments": 2,
        "last_run_status": "ok", "last_run_started_at": NOW - timedelta(minutes=20),
        "last_run_finished_at": NOW - timedelta(minutes=19),
        "last_success_at": NOW - timedelta(minutes=19), "last_error": None, "cursors": {},
    }  # fmt: skip
    return AccountStatus(**{**defaults, **values})


def health(**values: Any) -> Health:
    return assess(SETTINGS.accounts[0], status(**values), SETTINGS.alerts, "Asia/Seoul", NOW)


def test_a_fresh_account_is_ok_with_its_next_run() -> None:
    fresh = health()
    assert (fresh.state, fresh.lag, fresh.is_problem) == ("ok", None, False)
    assert fresh.next_run_at == NOW + timedelta(minutes=10)


def test_three_failures_in_a_row_is_failing() -> None:
    assert health(last_run_status="failed", consecutive_failures=2).state == "ok"
    failing = health(last_run_status="failed", consecutive_failures=3, last_error="HTTP 503")
    assert (failing.state, failing.is_problem, failing.detail) == ("failing", True, "HTTP 503")


def test_no_success_for_three_intervals_is_stale_with_its_lag() -> None:
    old = NOW - timedelta(hours=2)
    stale = health(last_success_at=old, last_run_started_at=old)
    assert stale.state == "stale"
    assert stale.lag == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("last", "state"),
    [("needs_reauth", "needs_reauth"), ("budget_exhausted", "budget_exhausted"),
     ("throttled", "throttled")],
)  # fmt: skip
def test_the_last_run_status_names_the_state(last: str, state: str) -> None:
    assert health(last_run_status=last).state == state


def test_never_synced_and_disabled_are_not_problems() -> None:
    never = assess(SETTINGS.accounts[0], None, SETTINGS.alerts, "Asia/Seoul", NOW)
    assert (never.state, never.is_problem) == ("never", False)


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    clock = FakeClock(NOW)
    store = Store(create_db_engine(sqlite_url), clock=clock)
    store.sync.ensure_account("blog-a", "blog")
    yield store
    store.close()


def test_alerts_fire_once_per_state_change_and_on_recovery(store: Store) -> None:
    sent: list[Alert] = []
    stale = health(last_success_at=NOW - timedelta(hours=2))
    assert [a.subject for a in notify_changes(store, [stale], [sent.append])] == [
        "[aggregator] blog-a: stale"
    ]
    assert notify_changes(store, [stale], [sent.append]) == [], "no second alert"
    failing = health(last_run_status="failed", consecutive_failures=5)
    notify_changes(store, [failing], [sent.append])
    notify_changes(store, [health()], [sent.append])
    assert [a.subject for a in sent] == [
        "[aggregator] blog-a: stale",
        "[aggregator] blog-a: failing",
        "[aggregator] blog-a: recovered",
    ]


def test_reauthorisation_alert_says_what_to_do(store: Store) -> None:
    [alert] = notify_changes(
        store, [health(last_run_status="needs_reauth", last_error="token expired")], []
    )
    assert "re-authorisation needed: token expired" in alert.body
    assert "Renew the token" in alert.body


def test_a_broken_channel_never_breaks_the_caller(store: Store) -> None:
    def broken(_alert: Alert) -> None:
        raise OSError("smtp down")

    assert len(notify_changes(store, [health(last_run_status="needs_reauth")], [broken])) == 1


def test_email_alerts_go_through_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            sent.append((host, port))

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def starttls(self) -> None:
            sent.append("starttls")

        def login(self, user: str, password: str) -> None:
            sent.append((user, password))

        def send_message(self, message: Any) -> None:
            sent.append((message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    section = parse_settings(
        """
        alerts:
          email: {smtp_host: mail.gu.example, sender: sns@gu.example,
                  recipients: [admin@gu.example], username: sns, password: {env: SMTP_PW}}
        """,
        environ={"SMTP_PW": "pw-123"},
    ).alerts
    [channel] = senders(section)
    channel(Alert("[aggregator] blog-a: stale", "블로그 동기화 지연"))
    assert sent == [
        ("mail.gu.example", 587), "starttls", ("sns", "pw-123"),
        ("admin@gu.example", "[aggregator] blog-a: stale", "블로그 동기화 지연\n"),
    ]  # fmt: skip


def test_webhook_alerts_post_json(sandbox: Any) -> None:
    section = parse_settings(
        f"alerts: {{webhook_url: '{sandbox.url('/hooks/alerts')}'}}", environ={}
    ).alerts
    [channel] = senders(section)
    sandbox.faults.add("status", "/hooks/", status=200, body=b"ok")
    channel(Alert("[aggregator] blog-a: failing", "3회 연속 실패"))
    [request] = sandbox.requests.find("/hooks/alerts")
    assert request.method == "POST"


def test_status_check_exits_1_for_a_failing_account(tmp_path: Path) -> None:
    runner = CliRunner()
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: {url: t.db}\nhttp: {retries: 0}\nalerts: {failing_after: 1}\n"
        "accounts: [{name: blog-a, platform: blog, feed_url: 'http://127.0.0.1:9/feed'}]\n",
        encoding="utf-8",
    )
    runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert runner.invoke(app, ["status", "--check", "--config", str(config)]).exit_code == 0
    runner.invoke(app, ["sync", "--config", str(config)])
    result = runner.invoke(app, ["status", "--check", "--config", str(config)])
    assert result.exit_code == 1
    assert "failing" in result.output
    assert "problem accounts: blog-a" in result.output


def test_account_health_covers_configured_accounts(store: Store) -> None:
    [only] = account_health(store, SETTINGS)
    assert (only.account, only.state) == ("blog-a", "never")
