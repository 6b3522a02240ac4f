"""`aggregator notify send|digest|status` as real processes against a real SMTP server
and webhook receiver; exit codes like `sync`; config errors name the key."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aggregator.db import create_db_engine, upgrade
from aggregator.deadlines import is_business_day
from aggregator.notify import addresses
from aggregator.notify.kinds import OFFICE
from aggregator.store import Store
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.fixtures_notify import PUBLIC_URL, Receiver, SmtpServer
from tests.fixtures_web import add_users, seed, web_settings

AGGREGATOR = str(Path(sys.executable).with_name("aggregator"))


def _config(tmp_path: Path, smtp_port: int, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
database: {{url: {tmp_path / "agg.db"}}}
departments: [주차관리과, 청소행정과, 환경과]
http: {{allow_private_networks: [127.0.0.1/32]}}
alerts:
  email: {{smtp_host: 127.0.0.1, smtp_port: {smtp_port}, starttls: false,
          sender: sns@hanbit-gu.example, recipients: [it@hanbit-gu.example]}}
web: {{public_url: {PUBLIC_URL}}}
{extra}
""",
        encoding="utf-8",
    )
    return path


def _assigned(tmp_path: Path, webhook_url: str) -> int:
    """A database with staff, the parking department's addresses, and one assignment."""
    url = f"sqlite:///{tmp_path / 'agg.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    store = Store(engine)
    try:
        ids = seed(store)
        add_users(store)
        addresses.save_contact(
            store, web_settings(), "주차관리과", "parking@hanbit-gu.example", webhook_url, "admin1"
        )
        ctx = ReviewContext(now=store.clock(), departments=("주차관리과",))
        action = ReviewAction("assign_department", department="주차관리과")
        store.inbox.review(Actor("comm1", Role.COMMUNICATIONS), [ids["c1"]], action, ctx)
        return ids["c1"]
    finally:
        engine.dispose()


def _office_address(tmp_path: Path) -> None:
    """The communications office's digest address (its place is `@office`)."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'agg.db'}")
    try:
        addresses.save_contact(
            Store(engine), web_settings(), OFFICE, "sns@hanbit-gu.example", "", "admin1"
        )
    finally:
        engine.dispose()


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [AGGREGATOR, "notify", *args, "--config", str(config)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_notify_send_delivers_and_status_counts(
    tmp_path: Path, smtp_server: SmtpServer, webhook: Receiver
) -> None:
    config = _config(tmp_path, smtp_server.port)
    comment = _assigned(tmp_path, webhook.url)

    sent = _run(config, "send", "--json")

    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout) == {"queued": 2, "outcomes": {"sent": 2}}
    [mail] = smtp_server.handler.to("parking@hanbit-gu.example")
    assert f"{PUBLIC_URL}/comments/{comment}" in mail.get_content()
    assert len(webhook.posts) == 1
    again = _run(config, "send")
    assert (again.returncode, again.stdout) == (0, "")  # silent when nothing to do
    status = _run(config, "status", "--json")
    assert json.loads(status.stdout) == {"counts": {"sent": 2}, "failed": []}


def test_a_message_failing_for_good_exits_1_and_shows_in_status(
    tmp_path: Path, smtp_server: SmtpServer, webhook: Receiver
) -> None:
    config = _config(tmp_path, smtp_server.port, "notifications: {max_attempts: 1}")
    _assigned(tmp_path, webhook.url)
    webhook.statuses = [503]

    sent = _run(config, "send")

    assert sent.returncode == 1
    assert "보냄 1건" in sent.stdout
    assert "실패 1건" in sent.stdout
    status = _run(config, "status")
    assert "실패 1건" in status.stdout
    assert "웹훅이 HTTP 503 로 거부했습니다" in status.stdout


def test_notify_digest_runs_on_business_days_only(
    tmp_path: Path, smtp_server: SmtpServer, webhook: Receiver
) -> None:
    config = _config(tmp_path, smtp_server.port)
    _assigned(tmp_path, webhook.url)
    _office_address(tmp_path)  # a digest nobody would read is not written
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Seoul")).date()

    digest = _run(config, "digest", "--json")

    assert digest.returncode == 0, digest.stderr
    report = json.loads(digest.stdout)
    assert report["business_day"] == is_business_day(today)
    if report["business_day"]:
        assert report["places"][:2] == ["@office", "주차관리과"]
        assert _run(config, "digest", "--json").stdout.count('"queued": 0') == 1
    else:
        assert report["queued"] == 0
        assert "근무일이 아니어서" in _run(config, "digest").stdout


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("notifications: {digest_time: '25:00'}", "notifications.digest_time"),
        ("notifications: {excerpt: full}", "notifications.excerpt"),
        ("notifications: {max_attempts: 0}", "notifications.max_attempts"),
    ],
)
def test_bad_notification_config_exits_2_naming_the_key(
    tmp_path: Path, extra: str, named: str
) -> None:
    config = _config(tmp_path, 25, extra)
    result = _run(config, "send")
    assert result.returncode == 2
    assert named in result.stderr
