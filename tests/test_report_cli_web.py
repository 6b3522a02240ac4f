"""`aggregator report` on the command line and the 월간 보고서 page: reasons, roles,
errors, and the access log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.db import create_db_engine
from aggregator.store import Store
from aggregator.store.access_log import LogFilter
from tests.fixtures_report_jobs import made_report, use_output_dir
from tests.fixtures_reports import KEY, seed_month
from tests.fixtures_web import Web

runner = CliRunner()


@pytest.fixture
def cli_config(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AGGREGATOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("AGGREGATOR_PSEUDONYM_KEY", KEY)
    engine = create_db_engine(sqlite_url)
    seed_month(Store(engine, clock=lambda: datetime(2026, 11, 20, tzinfo=UTC)))
    engine.dispose()
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database: {{url: '{sqlite_url}'}}\n"
        "reports: {pseudonym_key: {env: AGGREGATOR_PSEUDONYM_KEY}}\n",
        encoding="utf-8",
    )
    return path


def test_cli_writes_a_report_and_logs_the_download(cli_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    args = ["report", "--month", "2026-10", "--format", "csv", "--out", str(out)]
    result = runner.invoke(app, [*args, "--reason", "보고", "--config", str(cli_config)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    store = Store(create_db_engine(f"sqlite:///{tmp_path / 'test.db'}"))
    entry = store.staff.access_log(LogFilter(action="report_download"))[0]
    assert entry["staff"].startswith("cli:")
    assert '"channel": "cli"' in entry["detail"]
    store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13", "--reason", "r"], "is out of range: the month must be 01 to 12"),
        (["--month", "10-2026", "--reason", "r"], "month must look like"),
        (["--month", "2026-10"], "--reason is required"),
        (["--reason", "r"], "--month YYYY-MM is required"),
        (["--month", "2026-10", "--reason", "r", "--format", "docx"], "format must be one of"),
        (["--month", "2026-10", "--reason", "r", "--no-pseudonymize"], "only an admin"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(
    cli_config: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["report", *args, "--config", str(cli_config)])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("args", "korean"),
    [
        (
            ["--month", "2026-13", "--reason", "r"],
            "월: 2026-13은 올바른 달이 아닙니다 (예: 2026-11)",
        ),
        (["--month", "2026-10"], "사유를 적어 주세요: 모든 내려받기는 사유와 함께 접속기록에"),
        (["--reason", "r"], "월을 적어 주세요, 예: --month 2026-11"),
        (["--month", "2026-10", "--reason", "r", "--format", "docx"], "형식: docx은(는) 쓸 수"),
        (["--month", "2026-10", "--reason", "r", "--no-pseudonymize"], "관리자만 할 수 있습니다"),
        (
            ["--month", "2026-10", "--reason", "r", "--staff", "nobody"],
            "계정 'nobody'이(가) 없습니다",
        ),
    ],
)
def test_cli_report_errors_say_it_in_korean_first(
    cli_config: Path, args: list[str], korean: str
) -> None:
    result = runner.invoke(app, ["report", *args, "--config", str(cli_config)])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert korean in said
    assert said.index(korean) < said.rindex(" (")  # the English follows in brackets


def test_cli_reopen_needs_an_admin_account(cli_config: Path) -> None:
    closed = runner.invoke(app, ["report", "close", "--month", "2026-10", "-c", str(cli_config)])
    assert closed.exit_code == 0, closed.output
    result = runner.invoke(
        app, ["report", "reopen", "--month", "2026-10", "--reason", "x", "-c", str(cli_config)]
    )
    assert result.exit_code == 2
    assert "only an admin" in result.output


def test_web_download_needs_a_reason_and_is_logged(sqlite_web: Web, tmp_path: Path) -> None:
    use_output_dir(sqlite_web, tmp_path / "reports")
    client = sqlite_web.client("communications")
    csrf = sqlite_web.csrf(client)
    form = {"csrf_token": csrf, "month": "2026-11", "format": "csv"}
    assert client.post("/reports/download", data=form).status_code == 400
    response = made_report(sqlite_web, client, month="2026-11", format="csv", reason="국장 보고")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert b"svg onload" not in response.content  # an author name, pseudonymised
    entry = sqlite_web.store.staff.access_log(LogFilter(action="report_download"))[0]
    assert entry["staff"] == "comm1"
    assert entry["client_ip"]
    refused = client.post("/reports/download", data={**form, "reason": "r", "identified": "1"})
    assert refused.status_code == 400


def test_viewers_have_no_exports(sqlite_web: Web) -> None:
    client = sqlite_web.client("viewer")
    assert client.get("/reports").status_code == 403
    form = {
        "csrf_token": sqlite_web.csrf(client),
        "month": "2026-11",
        "format": "csv",
        "reason": "r",
    }
    assert client.post("/reports/download", data=form).status_code == 403


def test_web_form_keeps_the_typed_reason_when_it_shows_an_error(sqlite_web: Web) -> None:
    client = sqlite_web.client("communications")
    form = {"csrf_token": sqlite_web.csrf(client), "month": "2026-13", "format": "csv"}
    response = client.post("/reports/download", data={**form, "reason": "구청장 보고용"})
    assert response.status_code == 400
    assert 'value="구청장 보고용"' in response.text


def test_a_missing_pseudonym_key_names_the_setup_command() -> None:
    from aggregator.config import parse_settings
    from aggregator.reports.data import ReportError
    from aggregator.reports.service import pseudonymizer_for

    with pytest.raises(ReportError, match="aggregator report init-key"):
        pseudonymizer_for(parse_settings("timezone: Asia/Seoul\n", environ={}))


def test_the_sandbox_config_can_pseudonymise_reports_at_once() -> None:
    from aggregator.config import parse_settings
    from aggregator.reports.service import pseudonymizer_for
    from aggregator.sandbox.config_writer import SANDBOX_ENV, render_config

    text = render_config("http://127.0.0.1:9")
    assert SANDBOX_ENV["AGGREGATOR_PSEUDONYM_KEY"] not in text  # referenced, never written
    settings = parse_settings(text, environ=SANDBOX_ENV)
    assert pseudonymizer_for(settings)("facebook:1").startswith("주민-")


def test_init_key_prints_a_fresh_key_and_where_to_keep_it() -> None:
    import subprocess
    import sys

    def run() -> str:
        args = [sys.executable, "-m", "aggregator", "report", "init-key"]
        done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=60)
        return done.stdout

    first, second = run(), run()
    keys = [line.split("=", 1)[1] for out in (first, second) for line in out.splitlines()
            if line.strip().startswith("AGGREGATOR_PSEUDONYM_KEY=")]  # fmt: skip
    assert len(keys) == 2
    assert keys[0] != keys[1]
    assert len(keys[0]) >= 32
    assert "secrets.env" in first
    assert "pseudonym_key: {env: AGGREGATOR_PSEUDONYM_KEY}" in first
