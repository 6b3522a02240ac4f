"""The notification pages in real Chromium: the admin sets a department's addresses, an
officer chooses their notifications, and an assignment then reaches both at a real SMTP
server and webhook receiver."""

from __future__ import annotations

from playwright.sync_api import Page

from aggregator.notify import jobs
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.fixtures_notify import PUBLIC_URL, Receiver, SmtpServer, notify_settings
from tests.fixtures_web import PASSWORD, USERS, Web
from tests.test_browser import browser, live, page  # noqa: F401  (fixtures)


def _login(tab: Page, base: str, role: str) -> None:
    tab.goto(f"{base}/inbox")
    tab.fill("input[name=username]", USERS[role][0])
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{base}/inbox")


def test_addresses_and_choices_set_in_the_browser_route_an_assignment(
    page: Page,  # noqa: F811
    live: tuple[str, Web],  # noqa: F811
    smtp_server: SmtpServer,
    webhook: Receiver,
) -> None:
    base, web = live
    _login(page, base, "admin")
    page.click("nav a[href='/admin/departments']")
    row = page.locator("form.contact:has(input[name=department][value='주차관리과'])")
    row.locator("input[name=emails]").fill("parking@hanbit-gu.example")
    row.locator("input[name=webhook_url]").fill("http://10.0.0.9/hook")
    row.locator("button[type=submit]").click()
    assert "내부망·로컬 주소를 가리킵니다 (10.0.0.9)" in page.inner_text("[role=alert]")
    row = page.locator("form.contact:has(input[name=department][value='주차관리과'])")
    row.locator("input[name=webhook_url]").fill(webhook.url)
    row.locator("button[type=submit]").click()
    page.wait_for_url("**saved=1")

    officer = page.context.browser.new_context(locale="ko-KR").new_page()  # type: ignore[union-attr]
    _login(officer, base, "department")
    officer.click("nav a[href='/settings/notifications']")
    officer.fill("input[name=email]", "dept1@hanbit-gu.example")
    officer.check("input[name=kinds][value=department]")
    officer.check("input[name=digest]")
    officer.click("form.panel button[type=submit]")
    officer.wait_for_url("**saved=1")
    assert officer.is_checked("input[name=kinds][value=department]")
    officer.context.close()

    ctx = ReviewContext(now=web.store.clock(), departments=tuple(web.settings.departments))
    action = ReviewAction("assign_department", department="주차관리과")
    web.store.inbox.review(Actor("comm1", Role.COMMUNICATIONS), [web.ids["c1"]], action, ctx)
    jobs.notify(web.store, notify_settings(smtp_server.port))

    link = f"{PUBLIC_URL}/comments/{web.ids['c1']}"
    for address in ("parking@hanbit-gu.example", "dept1@hanbit-gu.example"):
        [mail] = smtp_server.handler.to(address)
        assert link in mail.get_content()
        assert "010-1234-5678" not in mail.get_content()
    assert link in webhook.posts[0]["text"]
