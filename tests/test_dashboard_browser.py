"""The dashboard in Debian's Chromium: it shows the figures, a number's link opens the
inbox filtered to exactly that many items, and it fits a 390 px wide phone."""

from __future__ import annotations

import re

from tests.test_browser import _login, browser, live, page  # noqa: F401 (its fixtures)
from tests.test_dashboard_web import two_weeks_of_comments

try:
    from playwright.sync_api import Page
except ImportError:  # pragma: no cover - test_browser skipped the module already
    Page = object  # type: ignore[assignment,misc]

from tests.fixtures_web import PASSWORD, Web


def _figure(tab: Page, name: str) -> int:
    return int(tab.locator(f"[data-figure={name}] b").inner_text())


def test_dashboard_number_opens_the_inbox_with_that_many_items(
    page: Page,  # noqa: F811 (the fixture)
    live: tuple[str, Web],  # noqa: F811
) -> None:
    base, web = live
    two_weeks_of_comments(web)
    _login(page, base)
    page.goto(f"{base}/")
    assert page.locator("h1").inner_text().startswith("오늘의 소통 현황")
    overdue = _figure(page, "overdue")
    assert overdue > 0
    cell = page.locator("a[data-due=overdue]").first
    department = cell.get_attribute("data-department")
    expected = int(cell.inner_text())
    cell.click()
    page.wait_for_url(re.compile(r".*/inbox\?.*due=overdue.*"))
    assert page.locator("tr.row").count() == expected
    assert "기한초과" in page.locator("[data-dashboard-filter]").inner_text()
    if department != "미배정":
        assert page.locator("tr.row", has_text=str(department)).count() == expected
    page.go_back()
    page.locator("[data-figure=tomorrow]").click()
    page.wait_for_url(re.compile(r".*due=tomorrow.*"))
    page.go_back()
    assert _figure(page, "overdue") == overdue


def test_dashboard_fits_a_phone(page: Page, live: tuple[str, Web]) -> None:  # noqa: F811
    base, web = live
    two_weeks_of_comments(web)
    _login(page, base)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/dashboard")
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('main section, main h1, .card')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .map(e => e.className || e.tagName)"""
    )
    assert overflowing == []
    width = page.locator(".card").first.bounding_box()
    assert width is not None
    assert width["width"] >= 120  # cards keep a readable width, two per row


def test_login_lands_on_the_dashboard_and_a_deep_link_on_its_page(
    page: Page,  # noqa: F811 (the fixture)
    live: tuple[str, Web],  # noqa: F811
) -> None:
    base, web = live
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "comm1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("h1").inner_text().startswith("오늘의 소통 현황")
    page.click("header form button[type=submit]")  # 로그아웃
    page.wait_for_url(f"{base}/login")
    wanted = f"{base}/comments/{web.ids['c2']}"
    page.goto(wanted)
    page.wait_for_url(f"{base}/login?next=*")
    page.fill("input[name=username]", "comm1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(wanted)
    assert page.inner_text(".post h2") == "12월 행사"
