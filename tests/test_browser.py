"""The inbox in a real browser: Debian's Chromium driven by Playwright (never a download).

Skips when /usr/bin/chromium is missing, except in CI (CI set), where that fails:
`.ci/run` installs the `chromium` package.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from aggregator.db import create_db_engine
from aggregator.store import Store
from tests.conftest import FakeClock
from tests.fixtures_web import PASSWORD, T0, USERS, Web

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI is set but /usr/bin/chromium is missing (apt-get install chromium)")
    pytest.skip(
        "browser tests need Debian's chromium at /usr/bin/chromium", allow_module_level=True
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Web]]:
    """The inbox over seeded data, served by uvicorn on a loopback port."""
    shutil.copy(sqlite_template, tmp_path / "live.db")
    engine = create_db_engine(f"sqlite:///{tmp_path / 'live.db'}")
    web = Web(Store(engine, clock=FakeClock(T0 + timedelta(days=1))))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", web
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="ko-KR")
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert dialogs == [], f"a script ran: {dialogs}"


def _login(page: Page, base: str, role: str = "communications") -> None:
    page.goto(f"{base}/inbox")
    page.fill("input[name=username]", USERS[role][0])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/inbox")


def _texts(page: Page) -> list[str]:
    return page.locator("tr.row td.text a").all_inner_texts()


def test_login_filter_and_korean_search(page: Page, live: tuple[str, Web]) -> None:
    base, _web = live
    _login(page, base)
    assert len(_texts(page)) == 5
    page.select_option("select[name=answered]", "yes")
    page.click("form.filters button[type=submit]")
    assert _texts(page) == ["밤마다 공사 소음이 심해요"]
    page.goto(f"{base}/inbox")
    page.fill("#search", "주차")
    page.press("#search", "Enter")
    page.wait_for_url("**q=**")
    texts = _texts(page)
    assert len(texts) == 1
    assert "불법주차" in texts[0]
    assert "010-1234-5678" not in texts[0]  # masked in the list


def test_open_thread_change_status_and_assign(page: Page, live: tuple[str, Web]) -> None:
    base, web = live
    _login(page, base)
    page.click(f"a[href='/comments/{web.ids['c2']}']")
    page.wait_for_url(f"**/comments/{web.ids['c2']}")
    assert page.inner_text(".post h2") == "12월 행사"
    assert "확인해 보겠습니다" in page.inner_text(".thread")  # the district's reply
    page.select_option("#status-select", "확인중")
    page.click("form.panel:has(#status-select) button[type=submit]")
    page.wait_for_url("**saved=1")
    assert page.inner_text("aside.review dd .status") == "확인중"
    page.select_option("#assign-select", "청소행정과")
    page.click("form.panel:has(#assign-select) button[type=submit]")
    page.wait_for_url("**saved=1")
    review = page.inner_text("aside.review")
    assert "청소행정과" in review
    assert "부서배정" in review


def test_bulk_action_on_checked_rows(page: Page, live: tuple[str, Web]) -> None:
    base, web = live
    _login(page, base)
    for key in ("c1", "c5"):
        page.check(f"input[name=ids][value='{web.ids[key]}']")
    page.select_option("#bulk-kind", "status")
    page.select_option("#bulk-status", "확인중")
    page.click(".bulkbar button[type=submit]")
    page.wait_for_url("**done=2**")
    assert "처리 2건" in page.inner_text(".notice")
    assert page.locator("tr.row .status", has_text="확인중").count() == 2


def test_keyboard_navigation(page: Page, live: tuple[str, Web]) -> None:
    base, _web = live
    _login(page, base)
    page.keyboard.press("j")
    page.keyboard.press("j")
    rows = page.locator("tr.row")
    assert "selected" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "selected" in (rows.nth(0).get_attribute("class") or "")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert rows.nth(1).locator("input[name=ids]").is_checked()
    page.keyboard.press("o")
    page.wait_for_url("**/comments/*")
    page.keyboard.press("s")
    assert page.evaluate("document.activeElement.id") == "status-select"
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("u")
    page.wait_for_url(f"{base}/inbox")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"


def test_xss_corpus_stays_inert_in_the_browser(page: Page, live: tuple[str, Web]) -> None:
    base, web = live
    _login(page, base, "admin")
    for path in (
        "/inbox",
        f"/comments/{web.ids['c3']}",
        f"/comments/{web.ids['c4']}",
        "/inbox?q=alert",
        "/admin/access-log",
    ):
        page.goto(base + path)
        counts: Any = page.evaluate(
            "({scripts: [...document.scripts].filter("
            "s => !s.src.startsWith(location.origin + '/static/')).length,"
            " svg: document.querySelectorAll('svg').length,"
            " img: document.querySelectorAll('img').length,"
            " bad: [...document.links].filter(a => !/^https?:/.test(a.href)).length})"
        )
        assert counts == {"scripts": 0, "svg": 0, "img": 0, "bad": 0}, path
    page.goto(f"{base}/comments/{web.ids['c3']}")
    assert "<script>alert(1)</script>" in page.inner_text(".focus .text")


def test_answer_template_add_edit_and_deactivate(page: Page, live: tuple[str, Web]) -> None:
    base, web = live
    phones = {"office_phone": "02-2670-3000", "phones": {"주차관리과": "02-2670-3114"}}
    state = web.app.state.web
    state.settings = state.settings.model_copy(
        update={"answers": state.settings.answers.model_copy(update=phones)}
    )
    _login(page, base)
    page.click("nav a[href='/answers/templates']")
    page.click("details.template-add summary")
    page.fill("#template-title", "불법주차 신고 안내")
    page.select_option("#template-department", "주차관리과")
    page.fill("#template-body", "{부서명}입니다. 문의는 {전화번호}로 주세요. {접수번호} {연락처}")
    assert "알 수 없는 자리표시자 {연락처}" in page.inner_text("#preview-missing")
    page.fill("#template-body", "{부서명}입니다. 문의는 {전화번호}로 주세요. ({접수번호})")
    assert (
        page.inner_text("#preview-text")
        == "주차관리과입니다. 문의는 02-2670-3114로 주세요. (No.1234)"
    )
    assert page.is_hidden("#preview-missing")
    page.click("#template-form button[name=save]")
    page.wait_for_url("**saved=added**")
    row = page.locator("tr.template", has_text="불법주차 신고 안내")
    assert row.locator("td.scope").inner_text() == "주차관리과"
    row.locator("a", has_text="수정").click()
    page.wait_for_url("**/answers/templates/*")
    page.fill("#template-title", "불법주차 단속 안내")
    page.click("#template-form button[name=save]")
    page.wait_for_url("**saved=edited**")
    row = page.locator("tr.template", has_text="불법주차 단속 안내")
    assert "comm1" in row.locator("td").nth(4).inner_text()  # the last change
    row.locator("button", has_text="사용 중지").click()
    page.wait_for_url("**saved=deactivated**")
    assert page.locator("tr.template.retired", has_text="불법주차 단속 안내").count() == 1
    assert "사용 중 (0)" in page.inner_text("main")
