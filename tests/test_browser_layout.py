"""Layout in real Chromium at a desk (1366×768) and on a phone (390×844): no page is
wider than the screen, no element sticks out to the right, and a comment's text gets
a readable width. Screenshots go to a temporary directory (path printed on failure;
`AGGREGATOR_SCREENSHOTS=dir` keeps them somewhere else), never into the repository.

Also the admin's 사용자 관리 flow in the browser."""

# ruff: noqa: F811 (the `browser` and `live` fixtures come from tests.test_browser)

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from aggregator.records import Batch
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.web import ROUTES
from aggregator.workflow import Actor, Role
from tests.fixtures_web import PASSWORD, USERS, Web, _comment
from tests.test_browser import browser, live  # noqa: F401 (fixtures)

VIEWPORTS = {"desk": (1366, 768), "phone": (390, 844)}
MIN_TEXT_WIDTH = 250
OVERFLOW = """() => {
  const width = window.innerWidth;
  const sticking = [...document.querySelectorAll("body *")]
    .filter((el) => { const r = el.getBoundingClientRect();
                      return r.width > 0 && r.height > 0 && r.right > width + 0.5; })
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} right=${
      Math.round(el.getBoundingClientRect().right)}`);
  return {scroll: document.scrollingElement.scrollWidth, width, sticking: sticking.slice(0, 8)};
}"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("AGGREGATOR_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")


@contextmanager
def _page_at(browser: Browser, viewport: str) -> Iterator[Page]:
    width, height = VIEWPORTS[viewport]
    phone = viewport == "phone"
    context = browser.new_context(
        locale="ko-KR",
        viewport={"width": width, "height": height},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


@pytest.fixture(params=list(VIEWPORTS))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    with _page_at(browser, request.param) as opened:
        yield request.param, opened


def _login(page: Page, base: str, role: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", USERS[role][0])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _fits(page: Page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    measured: Any = page.evaluate(OVERFLOW)
    assert measured["scroll"] <= measured["width"], (name, measured, str(shots))
    assert measured["sticking"] == [], (name, measured, str(shots))


def _width(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["width"])


def _long_comment(web: Web) -> int:
    """A resident's long comment with an unbroken URL and a long name."""
    text = "주차장 입구 차단기가 고장 나서 " * 12 + "https://example.org/" + "a" * 120
    record = _comment("long", 7, text, author="긴이름을가진주민" * 3)
    account = web.store.sync.ensure_account("fb-page", "facebook")
    web.store.sync.apply_batch(account, Batch(stream="t", comments=(record,)))
    with web.store.engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT id FROM comment WHERE external_id = 'long'").scalar()
    assert found is not None
    return int(found)


def _every_get_page() -> list[tuple[str, str]]:
    """Each GET route once, as the least privileged role it admits (office roles before
    admin), so pages added later are checked by themselves."""
    preference = ["communications", "department", "viewer", "admin"]
    pages = []
    for spec, _handler in ROUTES:
        if spec.method != "GET" or spec.roles is None:
            continue
        role = next(r for r in preference if USERS[r][1] in spec.roles)
        path = spec.path.replace("{comment_id:int}", "{long}").replace("{item_id:int}", "1")
        path = path.replace("{template_id:int}", "1").replace("{answer_id:int}", "1")
        pages.append((role, path))
    return pages


PAGES = [*_every_get_page(), ("department", "/inbox"), ("department", "/comments/{long}")]


def test_the_login_page_fits(sized: tuple[str, Page], live: tuple[str, Web], shots: Path) -> None:
    viewport, page = sized
    base, _web = live
    page.goto(f"{base}/login")
    _fits(page, shots, f"{viewport}-login")
    assert _width(page, "input[name=username]") >= (250 if viewport == "phone" else 200)


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_every_page_fits_the_screen(
    sized: tuple[str, Page],
    live: tuple[str, Web],
    shots: Path,
    role: str,
    path: str,
) -> None:
    viewport, page = sized
    base, web = live
    long_id = _long_comment(web)
    if role == "department":
        _assign(web, long_id)
    _login(page, base, role)
    page.goto(base + path.format(long=long_id))
    name = f"{viewport}-{role}-{re.sub(r'[^a-z0-9]+', '-', path).strip('-')}"
    _fits(page, shots, name)


def test_comment_text_is_readable_on_a_phone(
    browser: Browser,
    live: tuple[str, Web],
    shots: Path,
) -> None:
    base, web = live
    long_id = _long_comment(web)
    with _page_at(browser, "phone") as page:
        _login(page, base, "communications")
        page.goto(f"{base}/inbox")
        assert _width(page, "tr.row td.text") > MIN_TEXT_WIDTH
        page.goto(f"{base}/comments/{long_id}")
        assert _width(page, ".focus .comment .text") > MIN_TEXT_WIDTH
        assert _width(page, "aside.review") > MIN_TEXT_WIDTH
        assert _width(page, "aside.review textarea[name=note]") > MIN_TEXT_WIDTH
        page.screenshot(path=str(shots / "phone-thread-text.png"), full_page=True)


def _assign(web: Web, comment_id: int) -> None:
    """Route the comment to the department officer's department (주차관리과)."""
    actor = Actor("comm1", Role.COMMUNICATIONS)
    action = ReviewAction(kind="assign_department", department="주차관리과")
    ctx = ReviewContext(now=web.store.clock(), claim_minutes=30, departments=("주차관리과",))
    assert web.store.inbox.review(actor, [comment_id], action, ctx).done


def test_an_admin_adds_an_account_in_the_browser_and_it_logs_in(
    browser: Browser,
    live: tuple[str, Web],
) -> None:
    base, web = live
    with _page_at(browser, "phone") as page:
        _login(page, base, "admin")
        page.click("a[href='/admin/users']")
        page.fill("#add-user input[name=name]", "choi.my")
        page.select_option("#add-user select[name=role]", "department")
        page.select_option("#add-user select[name=department]", "환경과")
        page.click("#add-user button[type=submit]")
        password = page.inner_text("#shown-password code")
        assert "choi.my 계정을 만들었습니다" in page.inner_text(".notice")
        assert "부서 담당자 · 환경과" in page.inner_text("#user-choi\\.my")
        page.click("header form button[type=submit]")  # 로그아웃
        page.wait_for_url(f"{base}/login")
        page.fill("input[name=username]", "choi.my")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert "choi.my (부서 담당자 · 환경과)" in page.inner_text("header .who")
    assert [u.department for u in web.store.staff.users() if u.name == "choi.my"] == ["환경과"]
