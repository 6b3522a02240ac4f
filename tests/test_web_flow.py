"""The inbox through its HTML forms: filters, actions, bulk, manual entry, access log."""

from __future__ import annotations

from httpx2 import Response
from starlette.testclient import TestClient

from tests.fixtures_web import Web


def _post(web: Web, client: TestClient, url: str, **form: str) -> Response:
    data = {**form, "csrf_token": web.csrf(client)}
    return client.post(url, data=data, follow_redirects=False)


def test_inbox_lists_residents_comments_newest_first_with_counts(web: Web) -> None:
    html = web.client("communications").get("/inbox").text
    assert html.index("답변 감사합니다") < html.index("밤마다 공사 소음")
    assert "확인해 보겠습니다" not in html  # the district's own reply is not an inbox item
    assert "신규 <b>5</b>" in html


def test_korean_search_and_filters_from_the_query_string(web: Web) -> None:
    client = web.client("communications")
    html = client.get("/inbox?q=주차").text
    assert "불법<mark>주차</mark>" in html  # the search word is highlighted
    assert "공사 소음" not in html
    assert "공사 소음" in client.get("/inbox?answered=yes").text
    assert "조건에 맞는 댓글이 없습니다" in client.get("/inbox?platform=blog").text
    assert client.get("/inbox?from=garbage&after=nonsense&status=bogus").status_code == 200


def test_status_change_and_refusal_re_renders_with_the_reason(web: Web) -> None:
    client = web.client("communications")
    url = f"/comments/{web.ids['c2']}/action"
    response = _post(web, client, url, kind="status", status="확인중")
    assert response.status_code == 303
    refused = _post(web, client, url, kind="status", status="스팸")
    assert refused.status_code == 409
    assert "사유" in refused.text
    assert "확인중" in client.get(f"/comments/{web.ids['c2']}").text


def test_assign_then_department_sees_and_answers(web: Web) -> None:
    office = web.client("communications")
    url = f"/comments/{web.ids['c1']}/action"
    _post(web, office, url, kind="assign_department", department="주차관리과")
    officer = web.client("department")
    assert "불법주차" in officer.get("/inbox").text
    assert _post(web, officer, url, kind="assign_handler", assignee="dept1").status_code == 303
    assert _post(web, officer, url, kind="status", status="1차 답변").status_code == 303
    moved = _post(web, officer, url, kind="transfer", department="환경과", reason="소관 아님")
    assert moved.headers["location"].startswith("/inbox")
    assert officer.get(f"/comments/{web.ids['c1']}").status_code == 404


def test_bulk_action_reports_done_and_refused(web: Web) -> None:
    client = web.client("communications")
    ids = [str(web.ids["c1"]), str(web.ids["c2"])]
    response = client.post(
        "/inbox/bulk",
        data={
            "ids": ids,
            "kind": "status",
            "status": "확인중",
            "csrf_token": web.csrf(client),
            "return_to": "/inbox?platform=facebook",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/inbox?platform=facebook&done=2&refused=0"
    evil = client.post(
        "/inbox/bulk",
        data={
            "ids": ids,
            "kind": "claim",
            "csrf_token": web.csrf(client),
            "return_to": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert evil.headers["location"].startswith("/inbox?")


def test_accepting_a_suggestion_in_one_click(web: Web) -> None:
    client = web.client("communications")
    page = client.get(f"/comments/{web.ids['c1']}").text
    assert "자동 분류 추천" in page
    _post(web, client, f"/comments/{web.ids['c1']}/action", kind="accept_suggestion")
    page = client.get(f"/comments/{web.ids['c1']}").text
    assert "부서배정" in page
    assert "#주차" in page
    assert "자동 분류 추천" not in page


def test_manual_entry_form_adds_a_searchable_comment(web: Web) -> None:
    client = web.client("communications")
    form = {
        "platform": "facebook",
        "post": "https://facebook.example/p1",
        "author": "손님",
        "text": "가로등 고장 신고",
        "created_at": "2026-11-16 20:00",
    }
    assert _post(web, client, "/manual", **form).headers["location"] == "/manual?added=1"
    assert "<mark>가로등</mark> 고장" in client.get("/inbox?q=가로등&manual=1").text
    bad = _post(web, client, "/manual", **{**form, "created_at": "어제"})
    assert bad.status_code == 400


def test_admin_filters_the_access_log(web: Web) -> None:
    web.client("viewer").get(f"/comments/{web.ids['c2']}")
    admin = web.client("admin")
    html = admin.get("/admin/access-log?staff=viewer1&action=view_comment").text
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert f"댓글 {web.ids['c2']}" in body
    assert "댓글 조회" in body
    assert "로그인" not in body
