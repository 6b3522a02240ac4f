"""The 월간 보고서 page in real Chromium: an officer asks for a PDF, the page follows the
background job by itself, and the download link appears and gives the file."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page

from aggregator.db import create_db_engine
from aggregator.store import Store
from tests.conftest import FakeClock
from tests.fixtures_report_jobs import use_output_dir
from tests.fixtures_web import PASSWORD, T0, USERS, Web
from tests.test_browser import _free_port, browser, page  # noqa: F401  (fixtures)


@pytest.fixture
def served(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Web, Path]]:
    """The app (its report worker running, files in a private folder) on a loopback port."""
    shutil.copy(sqlite_template, tmp_path / "live.db")
    engine = create_db_engine(f"sqlite:///{tmp_path / 'live.db'}")
    web = Web(Store(engine, clock=FakeClock(T0 + timedelta(days=1))))
    directory = tmp_path / "reports"
    use_output_dir(web, directory)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", web, directory
    server.should_exit = True
    thread.join(timeout=20)
    engine.dispose()


def test_a_requested_pdf_shows_its_link_when_ready_without_reloading(
    page: Page,  # noqa: F811
    served: tuple[str, Web, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, web, directory = served
    worker = web.app.state.web.report_worker
    gate, run = threading.Event(), worker._run
    monkeypatch.setattr(worker, "_run", lambda job: (gate.wait(60), run(job)))
    page.goto(f"{base}/reports")
    page.fill("input[name=username]", USERS["communications"][0])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/reports")
    form = page.locator("#report-request")
    form.locator("input[name=month]").fill("2026-11")
    form.locator("select[name=format]").select_option("pdf")
    form.locator("input[name=reason]").fill("구청장 보고")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/reports?done=queued:2026-11**")
    assert "보고서를 만들기 시작했습니다" in page.inner_text("[role=status]")
    assert page.get_attribute("#report-jobs", "data-active") == "yes"  # not made yet
    status = page.inner_text("#report-jobs tbody tr:first-child .job-status")
    assert status in ("대기", "작성 중")
    gate.set()  # the worker may make it now
    link = page.locator("#report-jobs a.job-file")
    link.wait_for(state="visible", timeout=60_000)  # drawn by the page's script
    assert page.url.startswith(f"{base}/reports?done=queued")  # no reload on the way
    assert "완료" in page.inner_text("#report-jobs tbody tr:first-child .job-status")
    with page.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename == "sns-report-2026-11.pdf"
    saved = tmp_path / "got.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    [kept] = [p for p in directory.iterdir() if p.suffix == ".pdf"]
    assert kept.read_bytes() == saved.read_bytes()
