"""The inbox keeps its place: list context, 저장 후 다음, totals, 오늘, highlights,
assign with a note, "선택" dropdowns, bulk refusals per item and role-aware statuses.

Every test goes through the HTML forms (TestClient) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from aggregator.store import inbox_query
from aggregator.store.inbox_query import InboxFilter, Scope
from aggregator.web import views_inbox
from tests.conftest import FakeClock
from tests.fixtures_web import T0, Web, add_comments


def _post(web: Web, client: TestClient, url: str, **form: str) -> Response:
    data = {**form, "csrf_token": web.csrf(client)}
    return client.post(url, data=data, follow_redirects=False)


def _href(html: str, element_id: str) -> str:
    found = re.search(rf'<a href="([^"]*)" id="{element_id}"', html)
    assert found, f"no #{element_id}"
    return unescape(found.group(1))


def _options(html: str, select_id: str) -> list[str]:
    found = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no #{select_id}"
    return re.findall(r'<option value="([^"]*)"', found.group(1))


def _list_of(url: str) -> dict[str, list[str]]:
    """The list (its filters) an item URL carries in its `list=` parameter."""
    (listing,) = parse_qs(urlsplit(url).query)["list"]
    return parse_qs(listing)


def _item_link(html: str, comment_id: int) -> str:
    found = re.search(rf'<a href="(/comments/{comment_id}[^"]*)" class="open"', html)
    assert found, f"no link to {comment_id}"
    return unescape(found.group(1))


# the list travels with the item ----------------------------------------------------
def test_item_links_and_the_back_link_keep_filters_search_and_page(web: Web) -> None:
    client = web.client("communications")
    listing = "status=신규&q=소음&after=2026-11-20T00:00:00+00:00~999"
    html = client.get("/inbox?" + quote(listing, safe="=&~")).text
    link = _item_link(html, web.ids["c2"])
    assert _list_of(link) == {
        "status": ["신규"],
        "q": ["소음"],
        "after": ["2026-11-20T00:00:00+00:00~999"],
    }
    back = _href(client.get(link).text, "back")
    assert urlsplit(back).path == "/inbox"
    assert parse_qs(urlsplit(back).query) == {
        "status": ["신규"],
        "q": ["소음"],
        "after": ["2026-11-20T00:00:00+00:00~999"],
    }
    assert "공사 <mark>소음</mark>" in client.get(back).text


def test_a_forged_list_parameter_only_ever_leads_back_into_the_inbox(web: Web) -> None:
    client = web.client("communications")
    c2 = web.ids["c2"]
    for forged in ("https://evil.example/", "//evil.example", "next=https://evil.example"):
        page = client.get(f"/comments/{c2}", params={"list": forged})
        assert _href(page.text, "back") == "/inbox"
    page = client.get(f"/comments/{c2}", params={"list": 'q="><script>x</script>'})
    assert "<script>x" not in page.text
    assert _href(page.text, "back").startswith("/inbox?q=")


def test_a_saved_change_stays_in_the_same_list(web: Web) -> None:
    client = web.client("communications")
    c2 = web.ids["c2"]
    url = f"/comments/{c2}/action?list=" + quote("status=신규&q=소음")
    saved = _post(web, client, url, kind="status", status="확인중")
    assert saved.status_code == 303
    location = saved.headers["location"]
    assert location.startswith(f"/comments/{c2}?")
    assert parse_qs(urlsplit(location).query)["saved"] == ["1"]
    assert _list_of(location) == {"status": ["신규"], "q": ["소음"]}
    assert (
        _href(client.get(location).text, "back")
        == "/inbox?status=%EC%8B%A0%EA%B7%9C&q=%EC%86%8C%EC%9D%8C"
    )


# 저장 후 다음 ------------------------------------------------------------------------
def test_save_and_next_opens_the_next_item_of_the_same_list(web: Web) -> None:
    client = web.client("communications")
    c5, c4 = web.ids["c5"], web.ids["c4"]  # newest first: c5, c4, c3, c2, c1
    url = f"/comments/{c5}/action?list=" + quote("status=신규")
    moved = _post(web, client, url, kind="status", status="답변 불요", reason="감사", then="next")
    assert moved.status_code == 303
    location = moved.headers["location"]
    assert urlsplit(location).path == f"/comments/{c4}"
    assert parse_qs(urlsplit(location).query)["saved"] == ["before"]
    assert _list_of(location) == {"status": ["신규"]}
    page = client.get(location).text
    assert "앞 항목을 저장했습니다" in page
    found = web.store.inbox.thread(c5)
    assert found is not None
    assert found["item"]["status"] == "답변 불요"


def test_save_and_next_on_the_last_item_says_it_was_the_last(web: Web) -> None:
    client = web.client("communications")
    c1 = web.ids["c1"]  # the oldest
    url = f"/comments/{c1}/action?list=" + quote("status=신규")
    moved = _post(web, client, url, kind="status", status="확인중", then="next")
    location = moved.headers["location"]
    assert urlsplit(location).path == f"/comments/{c1}"
    assert parse_qs(urlsplit(location).query)["last"] == ["1"]
    assert "목록의 마지막 항목이라 다음 항목이 없습니다" in client.get(location).text


def test_save_and_next_follows_the_list_onto_its_next_page(web: Web) -> None:
    settings = web.app.state.web.settings
    small = settings.model_copy(update={"web": settings.web.model_copy(update={"page_size": 10})})
    web.app.state.web.settings = small
    newest = add_comments(web, 12)  # page 1: ten of these, page 2: two more, c5 ... c1
    client = web.client("communications")
    tenth, eleventh = newest[9], newest[10]
    url = f"/comments/{tenth}/action?list=" + quote("platform=facebook")
    location = _post(web, client, url, kind="status", status="확인중", then="next").headers[
        "location"
    ]
    assert urlsplit(location).path == f"/comments/{eleventh}"
    back = _href(client.get(location).text, "back")
    listed = client.get(back).text
    assert _item_link(listed, eleventh)  # the list page the next item is on
    assert f"/comments/{newest[0]}?" not in listed


def test_save_and_next_is_refused_like_a_save_when_the_change_is_refused(web: Web) -> None:
    client = web.client("communications")
    c5 = web.ids["c5"]
    url = f"/comments/{c5}/action?list=" + quote("status=신규")
    refused = _post(web, client, url, kind="status", status="답변 불요", then="next")
    assert refused.status_code == 409
    assert "답변 불요 처리에는 사유" in refused.text


# totals, 오늘, highlights -------------------------------------------------------------
def test_the_list_shows_the_total_and_overdue_count_of_its_filter(
    web: Web, clock: FakeClock
) -> None:
    client = web.client("communications")
    assert "이 목록 <b>5건</b>" in client.get("/inbox").text
    clock.advance(days=10)
    client = web.client("communications")  # a new session, ten days later
    html = client.get("/inbox").text
    assert "이 목록 <b>5건</b>" in html
    assert "기한초과 <b>4건</b>" in html  # c2 has the district's reply
    searched = client.get("/inbox", params={"q": "주차"}).text
    assert "이 목록 <b>1건</b>" in searched
    assert "기한초과 <b>1건</b>" in searched
    assert _href(searched, "overdue-link") == "/inbox?overdue=1&q=%EC%A3%BC%EC%B0%A8"


def test_totals_stop_counting_at_the_cap(web: Web) -> None:
    deadlines = web.app.state.web.deadlines()
    totals = web.store.inbox.inbox_totals
    assert totals(InboxFilter(), Scope(), deadlines, 3) == ((4, True), (0, True))
    assert totals(InboxFilter(), Scope(), deadlines, 10) == ((5, True), (0, True))
    assert totals(InboxFilter(query="주차"), Scope(), deadlines, 10) == ((1, True), (0, True))
    officer = Scope(department="주차관리과", restricted=True)
    assert totals(InboxFilter(), officer, deadlines, 10) == ((0, True), (0, True))


def test_a_common_search_word_is_counted_as_at_least_its_newest_hits(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_query, "SEARCH_WINDOW", 4)  # the newest 4 rows are probed
    monkeypatch.setattr(inbox_query, "COMMON_HITS", 1)
    add_comments(web, 6)  # "추가 댓글 n", the newest six
    deadlines = web.app.state.web.deadlines()
    common = web.store.inbox.inbox_totals(InboxFilter(query="댓글"), Scope(), deadlines, 10)
    assert common[0] == (4, False)  # at least the four in the window; never all matches
    rare = web.store.inbox.inbox_totals(InboxFilter(query="소음"), Scope(), deadlines, 10)
    assert rare[0] == (1, True)  # none in the window: its few matches are counted
    monkeypatch.setattr(views_inbox, "TOTALS_CAP", 10)
    html = web.client("communications").get("/inbox", params={"q": "댓글"}).text
    assert "이 목록 <b>4건 이상</b>" in html


def test_a_review_change_updates_the_totals_at_once(web: Web) -> None:
    client = web.client("communications")
    assert "이 목록 <b>5건</b>" in client.get("/inbox?status=신규").text
    _post(web, client, f"/comments/{web.ids['c1']}/action", kind="status", status="확인중")
    assert "이 목록 <b>4건</b>" in client.get("/inbox?status=신규").text


def test_today_shortcut_lists_todays_comments(web: Web, clock: FakeClock) -> None:
    clock.now = T0 + timedelta(hours=8)  # 17:00 KST on 16 November, the seed's day
    client = web.client("communications")
    html = client.get("/inbox").text
    assert _href(html, "today") == "/inbox?from=2026-11-16&to=2026-11-16"
    today = client.get("/inbox?from=2026-11-16&to=2026-11-16").text
    assert "이 목록 <b>5건</b>" in today
    clock.now = T0 + timedelta(days=1)
    client = web.client("communications")  # a new session the next day
    assert "이 목록 <b>0건</b>" in client.get(_href(client.get("/inbox").text, "today")).text


def test_search_terms_are_highlighted_and_never_become_html(web: Web) -> None:
    client = web.client("communications")
    html = client.get("/inbox", params={"q": "<script>"}).text
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in html
    assert "<script>alert" not in html
    assert "<mark>script</mark>" in html
    assert 'value="&lt;script&gt;"' in html
    mixed = client.get("/inbox", params={"q": "주차 <불법>"}).text
    assert "<mark>불법</mark><mark>주차</mark>" in mixed
    assert "<불법>" not in mixed


# assign with a note; "선택" -------------------------------------------------------------
def test_assign_and_note_in_one_step(web: Web) -> None:
    client = web.client("communications")
    c1 = web.ids["c1"]
    note = "주차단속 요청, 오늘 중 확인 부탁드립니다"
    response = _post(
        web,
        client,
        f"/comments/{c1}/action",
        kind="assign_department",
        department="주차관리과",
        note=note,
    )
    assert response.status_code == 303
    found = web.store.inbox.thread(c1)
    assert found is not None
    assert found["item"]["department"] == "주차관리과"
    assert [n["body"] for n in found["notes"]] == [note]
    assert [e["action"] for e in found["history"]] == ["assign_department", "note"]
    assert found["history"][-1]["to_status"] == "부서배정"


def test_department_dropdowns_start_at_choose_and_an_empty_choice_is_refused(web: Web) -> None:
    client = web.client("communications")
    c1 = web.ids["c1"]
    _post(web, client, f"/comments/{c1}/action", kind="assign_department", department="주차관리과")
    thread = client.get(f"/comments/{c1}").text
    for select_id in ("assign-select", "transfer-select", "handler-select"):
        assert _options(thread, select_id)[0] == "", select_id
    assert "주차관리과" not in _options(thread, "assign-select")  # already there
    assert _options(client.get("/inbox").text, "bulk-department")[0] == ""
    refused = _post(web, client, f"/comments/{c1}/action", kind="assign_department", department="")
    assert refused.status_code == 409
    assert "부서를 선택해 주세요" in refused.text
    refused = _post(
        web, client, f"/comments/{c1}/action", kind="transfer", department="", reason="x"
    )
    assert "부서를 선택해 주세요" in refused.text
    found = web.store.inbox.thread(c1)
    assert found is not None
    assert found["item"]["department"] == "주차관리과"
    assert [e["action"] for e in found["history"]] == ["assign_department"]


# bulk --------------------------------------------------------------------------------
def test_bulk_says_why_each_refused_item_was_refused(web: Web) -> None:
    client = web.client("communications")
    c1, c2, c5 = web.ids["c1"], web.ids["c2"], web.ids["c5"]
    _post(web, client, f"/comments/{c1}/action", kind="status", status="확인중")
    response = client.post(
        "/inbox/bulk",
        data={
            "ids": [str(c1), str(c2), str(c5)],
            "kind": "status",
            "status": "1차 답변",
            "csrf_token": web.csrf(client),
            "return_to": "/inbox?platform=facebook",
        },
        follow_redirects=False,
    )
    location = response.headers["location"]
    assert location.startswith("/inbox?platform=facebook&done=1&refused=2&result=")
    page = client.get(location).text
    assert "처리 1건, 처리하지 못함 2건" in page
    reason = "&#39;신규&#39;에서 &#39;1차 답변&#39;(으)로 바꿀 수 없습니다"
    keep = "?list=platform%3Dfacebook"  # each refused item opens within the same list
    assert (
        f'{reason}: <a href="/comments/{c2}{keep}">#{c2}</a>, '
        f'<a href="/comments/{c5}{keep}">#{c5}</a>' in page
    )
    other = web.client("admin")  # someone else's result is not shown to them
    assert reason not in other.get(location).text


def test_bulk_status_without_a_choice_is_refused_with_a_reason(web: Web) -> None:
    client = web.client("communications")
    c1 = web.ids["c1"]
    data = {"ids": [str(c1)], "kind": "status", "status": "", "csrf_token": web.csrf(client)}
    response = client.post("/inbox/bulk", data=data)
    assert "처리 0건, 처리하지 못함 1건" in response.text
    assert "상태를 선택해 주세요" in response.text


def test_bulk_fields_are_marked_with_the_action_they_belong_to(web: Web) -> None:
    html = web.client("communications").get("/inbox").text
    assert re.search(r'<select name="status" id="bulk-status"[^>]*data-kinds="status"', html)
    assert re.search(r'id="bulk-department"[^>]*data-kinds="assign_department"', html)
    assert re.search(r'id="bulk-tag"[^>]*data-kinds="add_tag"', html)
    assert 'data-statuses="답변 불요"' in html
    assert _options(html, "bulk-status")[0] == ""


# who may set what -------------------------------------------------------------------
def test_a_department_officer_is_offered_only_the_statuses_they_may_set(web: Web) -> None:
    office = web.client("communications")
    c1 = web.ids["c1"]
    _post(web, office, f"/comments/{c1}/action", kind="assign_department", department="주차관리과")
    office_thread = _options(office.get(f"/comments/{c1}").text, "status-select")
    assert {"숨김", "스팸", "답변 불요"} <= set(office_thread)
    officer = web.client("department")
    thread = _options(officer.get(f"/comments/{c1}").text, "status-select")
    assert thread == ["확인중", "1차 답변", "최종 답변", "종결", "답변 불요", "정식민원 전환"]
    bulk = _options(officer.get("/inbox").text, "bulk-status")
    assert not {"숨김", "스팸", "신규"} & set(bulk)
    assert "답변 불요" in bulk


def test_no_answer_from_the_item_page_with_a_configured_reason(web: Web) -> None:
    client = web.client("communications")
    c5 = web.ids["c5"]
    url = f"/comments/{c5}/action"
    refused = _post(web, client, url, kind="status", status="답변 불요", reason="바빠서")
    assert refused.status_code == 409
    assert "알 수 없는 사유 &#39;바빠서&#39;입니다" in refused.text
    assert (
        _post(web, client, url, kind="status", status="답변 불요", reason="감사").status_code == 303
    )
    page = client.get(f"/comments/{c5}").text
    assert "답변 불요</span> (감사)" in page
    assert "답변 불요 <b>1</b>" in client.get("/inbox").text


def test_save_and_next_in_a_search_list_skips_items_that_do_not_match(web: Web) -> None:
    newest = add_comments(web, 3)  # "추가 댓글 n", newer than every seeded comment
    client = web.client("communications")
    url = f"/comments/{newest[0]}/action?list=" + quote("q=추가 댓글")
    location = _post(web, client, url, kind="status", status="확인중", then="next").headers[
        "location"
    ]
    assert urlsplit(location).path == f"/comments/{newest[1]}"
    last = f"/comments/{newest[2]}/action?list=" + quote("q=추가 댓글")
    location = _post(web, client, last, kind="status", status="확인중", then="next").headers[
        "location"
    ]
    assert parse_qs(urlsplit(location).query)["last"] == ["1"]  # c5 ... c1 do not match


def test_whole_and_one_status_lists_show_exact_totals_past_the_cap(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_inbox, "TOTALS_CAP", 3)
    client = web.client("communications")
    assert "이 목록 <b>5건</b>" in client.get("/inbox").text
    assert "이 목록 <b>5건</b>" in client.get("/inbox?status=신규").text
    assert "이 목록 <b>3건 이상</b>" in client.get("/inbox?platform=facebook").text
