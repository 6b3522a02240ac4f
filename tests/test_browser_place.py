"""The inbox keeps its place, in Debian's Chromium: the back link and `u` return to the
filtered, searched page the officer came from; 저장 후 다음 opens the next item of that
list; the bulk bar shows only the fields of the chosen action.

Reuses the browser, server and page fixtures of `tests/test_browser.py`.
"""

from __future__ import annotations

from playwright.sync_api import Page

from tests.fixtures_web import Web, add_comments
from tests.test_browser import _login, browser, live, page  # noqa: F401  (fixtures)


def _small_pages(web: Web) -> None:
    state = web.app.state.web
    web_section = state.settings.web.model_copy(update={"page_size": 10})
    state.settings = state.settings.model_copy(update={"web": web_section})


def _visible(tab: Page, selector: str) -> bool:
    return tab.locator(selector).is_visible()


def test_back_link_and_u_return_to_the_filtered_searched_page(
    page: Page,  # noqa: F811
    live: tuple[str, Web],  # noqa: F811
) -> None:
    base, web = live
    _small_pages(web)
    newest = add_comments(web, 14, "가로등 민원 {n}번째")
    _login(page, base)
    page.select_option("select[name=platform]", "facebook")
    page.fill("#search", "민원")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=**")
    assert "이 목록 14건" in page.inner_text("#totals")
    page.keyboard.press("n")  # the second page
    page.wait_for_url("**after=**")
    list_url = page.url
    assert page.locator("tr.row").count() == 4
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/comments/{newest[10]}?list=**")
    page.keyboard.press("u")
    page.wait_for_url(list_url)
    assert page.input_value("#search") == "민원"
    assert page.locator("tr.row").count() == 4
    assert page.locator("tr.row mark").first.inner_text() == "민원"
    page.click(f"tr.row a[href^='/comments/{newest[11]}?']")
    page.wait_for_url(f"**/comments/{newest[11]}?list=**")
    page.select_option("#status-select", "확인중")
    page.click("form.panel:has(#status-select) button:not([value=next])")
    page.wait_for_url("**saved=1**")
    page.click("#back")  # still the same list after a save
    page.wait_for_url(list_url)


def test_save_and_next_walks_the_list_and_says_when_it_ends(
    page: Page,  # noqa: F811
    live: tuple[str, Web],  # noqa: F811
) -> None:
    base, web = live
    _login(page, base)
    page.goto(f"{base}/inbox?status=%EC%8B%A0%EA%B7%9C")  # 신규: c5, c4, c3, c2, c1
    page.click(f"a[href^='/comments/{web.ids['c2']}?']")
    page.wait_for_url(f"**/comments/{web.ids['c2']}?list=**")
    assert not _visible(page, "#status-reason")
    page.select_option("#status-select", "답변 불요")
    assert _visible(page, "#status-reason")
    visible = page.locator("#status-reason optgroup:not([hidden])")
    assert visible.count() == 1
    assert visible.get_attribute("label") == "답변 불요 사유"
    page.select_option("#status-reason", "대화 종료")
    page.click("form.panel:has(#status-select) button[value=next]")
    page.wait_for_url(f"**/comments/{web.ids['c1']}?**saved=before**")
    assert "앞 항목을 저장했습니다" in page.inner_text("main")
    page.select_option("#status-select", "확인중")
    page.click("form.panel:has(#status-select) button[value=next]")
    page.wait_for_url("**last=1**")
    assert "목록의 마지막 항목이라 다음 항목이 없습니다" in page.inner_text("main")
    page.keyboard.press("u")
    page.wait_for_url(f"{base}/inbox?status=%EC%8B%A0%EA%B7%9C")
    texts = page.locator("tr.row td.text a").all_inner_texts()
    assert "밤마다 공사 소음이 심해요" not in texts  # c2 is 답변 불요 now


def test_bulk_bar_shows_only_the_fields_of_the_chosen_action(
    page: Page,  # noqa: F811
    live: tuple[str, Web],  # noqa: F811
) -> None:
    base, web = live
    _login(page, base)
    assert _visible(page, "#bulk-status")
    assert not _visible(page, "#bulk-department")
    assert not _visible(page, "#bulk-tag")
    assert not _visible(page, "#bulk-reason")
    page.keyboard.press("a")  # the shortcut picks the action and shows its field
    assert page.evaluate("document.activeElement.id") == "bulk-department"
    assert page.input_value("#bulk-kind") == "assign_department"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("s")
    assert page.evaluate("document.activeElement.id") == "bulk-status"
    page.evaluate("document.activeElement.blur()")
    page.select_option("#bulk-kind", "assign_department")
    assert _visible(page, "#bulk-department")
    assert not _visible(page, "#bulk-status")
    assert page.input_value("#bulk-department") == ""
    page.check(f"input[name=ids][value='{web.ids['c1']}']")
    page.click(".bulkbar button[type=submit]")  # no department chosen: the browser refuses
    assert page.evaluate("document.getElementById('bulk-department').validity.valueMissing")
    assert "done=" not in page.url
    page.select_option("#bulk-kind", "add_tag")
    assert _visible(page, "#bulk-tag")
    assert not _visible(page, "#bulk-department")
    page.select_option("#bulk-kind", "status")
    page.select_option("#bulk-status", "숨김")
    assert _visible(page, "#bulk-reason")
    labels = page.locator("#bulk-reason optgroup:not([hidden])").evaluate_all(
        "groups => groups.map(g => g.label)"
    )
    assert labels == ["숨김·스팸 사유"]


def test_bulk_refusals_are_listed_per_item_in_the_browser(
    page: Page,  # noqa: F811
    live: tuple[str, Web],  # noqa: F811
) -> None:
    base, web = live
    _login(page, base)
    for key in ("c1", "c5"):
        page.check(f"input[name=ids][value='{web.ids[key]}']")
    page.select_option("#bulk-status", "1차 답변")
    page.click(".bulkbar button[type=submit]")
    page.wait_for_url("**refused=2**")
    notice = page.inner_text(".notice")
    assert "처리 0건, 처리하지 못함 2건" in notice
    c5, c1 = web.ids["c5"], web.ids["c1"]  # in list order, newest first
    assert f"'신규'에서 '1차 답변'(으)로 바꿀 수 없습니다: #{c5}, #{c1}" in notice
    page.click(f".refusals a[href='/comments/{c1}']")
    page.wait_for_url(f"**/comments/{c1}")
