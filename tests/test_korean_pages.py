"""Every page a staff member can reach is Korean: the English-word check over every GET
route for every role (new routes are walked automatically), with a history and an
access log holding every kind of event, and over the error and refusal states.

To cover a new page state, add a request to `STATES` (or a GET route to `ROUTES`,
which is walked by itself)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from httpx2 import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from aggregator.store.access_log import AccessEntry
from aggregator.store.tables import EVENT
from aggregator.web import ROUTES, history_text, labels
from aggregator.web.security import MAX_BODY
from connectors.common.reply import WriteErrorKind
from tests.english_words import english_words
from tests.fixtures_web import USERS, Web, login

DATA_WORDS = ("parking", "ads", "testclient")
"""Routing rule names from the config and the test client's address: data, not words."""
ANSWER_EVENTS: dict[str, dict[str, Any]] = {
    "answer_write": {"answer": 1, "kind": "first", "state": "pending_approval"},
    "answer_resubmit": {"answer": 1, "state": "pending_approval"},
    "answer_approve": {"answer": 1, "edited": True},
    "answer_send_back": {"answer": 1, "note_length": 12},
    "answer_confirm_manual": {"answer": 1, "url": "https://blog.example/1#c"},
    "answer_retry": {"answer": 1},
    "answer_cancel": {"answer": 1},
    "answer_posted": {"answer": 1, "kind": "final", "url": "https://facebook.example/r1"},
    "platform_hide_failed": {
        "platform_action": 1,
        "requested_by": "comm1",
        "requested_at": "2026-12-04T05:30:00+00:00",
        "reason": "광고",
        "error": "rate_limited",
        "message": "호출 한도를 넘었습니다",
    },
}
SAMPLE_DETAIL: dict[str, Any] = {
    "reason": "민원인 요청 확인",
    "rows": 12,
    "format": "csv",
    "channel": "web",
    "pseudonymized": True,
    "closed": False,
    "kind": "first",
    "state": "needs_check",
    "route": "thread",
    "status": 403,
    "locked": True,
    "refused": False,
    "kinds": ["전화번호"],
    "added": 1,
    "q": "주차",
    "platform": "facebook",
    "overdue": "1",
    "answered": "yes",
    "role": "department",
    "generated": True,
    "target": "comment:3",
    "action": "view_comment",
}


def _post(client: TestClient, url: str, csrf: str, **form: str) -> Response:
    return client.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)


def _review_everything(web: Web) -> None:
    """Every review action through the web, so the history holds each kind."""
    client = web.client("communications")
    csrf = web.csrf(client)
    c1, c2, c4, c5 = (web.ids[k] for k in ("c1", "c2", "c4", "c5"))
    steps: list[tuple[int, dict[str, str]]] = [
        (c1, {"kind": "accept_suggestion"}),
        (c4, {"kind": "dismiss_suggestion"}),
        (c2, {"kind": "status", "status": "확인중"}),
        (c2, {"kind": "assign_department", "department": "주차관리과"}),
        (c2, {"kind": "assign_handler", "assignee": "dept1"}),
        (c2, {"kind": "add_tag", "tag": "소음"}),
        (c2, {"kind": "add_tag", "tag": "야간"}),
        (c2, {"kind": "remove_tag", "tag": "야간"}),
        (c2, {"kind": "note", "note": "현장 확인 예정입니다"}),
        (c2, {"kind": "priority", "priority": "높음"}),
        (c2, {"kind": "claim"}),
        (c2, {"kind": "release"}),
        (c2, {"kind": "transfer", "department": "환경과", "reason": "소음은 환경과 소관"}),
        (c5, {"kind": "status", "status": "숨김", "reason": "광고"}),
        (c5, {"kind": "status", "status": "확인중"}),
        (c5, {"kind": "status", "status": "정식민원 전환", "reference": "1AA-2611-000123"}),
    ]
    for comment_id, form in steps:
        response = _post(client, f"/comments/{comment_id}/action", csrf, **form)
        assert response.status_code == 303, (form, response.text[:300])
    with web.store.engine.begin() as conn:
        for action, detail in ANSWER_EVENTS.items():
            conn.execute(
                sa.insert(EVENT).values(
                    comment_id=c2, at=web.store.clock(), actor="answers-worker", action=action,
                    from_status="확인중", to_status="확인중", detail=detail,
                )
            )  # fmt: skip


def _ask_for_reports(web: Web) -> None:
    """A queued report request each for the office and the admin (listed with status)."""
    for role in ("communications", "admin"):
        client = web.client(role)
        form = {"month": "2026-11", "format": "pdf", "reason": "국장 보고"}
        assert _post(client, "/reports/download", web.csrf(client), **form).status_code == 303


def _log_everything(web: Web) -> None:
    """One access record per known action (with every detail field), and real refusals."""
    for action in [*labels.ACTIONS, *labels.ACTIONS]:  # more than one page
        web.store.staff.log_access(
            AccessEntry(
                staff="comm1", action=action, role="communications", client_ip="10.0.0.7",
                target="report:2026-11", subject="주민", detail=SAMPLE_DETAIL,
            )
        )  # fmt: skip
    web.client("viewer").post("/inbox/bulk", data={})  # refused (role)
    web.client("department").get(f"/comments/{web.ids['c1']}")  # not_found (department)
    web.client().get("/inbox", follow_redirects=False)  # unauthenticated
    login(web.client(), "admin1", "wrong-password-1")  # login_failed


@pytest.fixture
def walked(sqlite_web: Web) -> Web:
    """The web app after every kind of review event and access record."""
    _review_everything(sqlite_web)
    _log_everything(sqlite_web)
    _ask_for_reports(sqlite_web)
    sqlite_web.store.clock.advance(days=40)  # type: ignore[attr-defined]
    return sqlite_web


def _url(web: Web, path: str) -> str:
    return path.replace("{comment_id:int}", str(web.ids["c2"])).replace("{item_id:int}", "1")


def _strings(value: Any) -> list[str]:
    """Every string value in decoded JSON (keys are names, not words)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _check(response: Response, where: str) -> None:
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/json"):  # what a page's script shows
        shown = " · ".join(html.escape(text) for text in _strings(response.json()))
        assert english_words(shown, DATA_WORDS) == [], where
        return
    assert kind.startswith(("text/html", "text/plain")), (where, kind)
    words = english_words(response.text, DATA_WORDS)
    assert words == [], f"English on {where} ({response.status_code}): {words}"


@pytest.mark.parametrize("role", list(USERS))
def test_every_get_route_is_korean_for_every_role(walked: Web, role: str) -> None:
    client = walked.client(role)
    for spec, _handler in ROUTES:
        if spec.method == "GET":
            url = _url(walked, spec.path)
            _check(client.get(url), f"{role} GET {url}")


def test_the_history_reads_as_korean_sentences(walked: Web) -> None:
    page = walked.client("admin").get(f"/comments/{walked.ids['c2']}").text
    history = page.split('class="history"')[1].split("</ol>")[0]
    assert "부서 배정: 확인중 → 부서배정 · 주차관리과" in history
    assert "메모 (11자)" in history
    assert "이송 · 주차관리과 → 환경과 · 사유: 소음은 환경과 소관" in history
    assert "태그 추가 · #소음" in history
    answer = "답변 게시 작업: 답변 작성 · 답변 번호: 1 · 종류: 1차 답변 · 답변 상태: 승인 대기"
    assert answer in history
    assert "=" not in history
    failed = "플랫폼 숨김 실패 · 플랫폼 요청 번호: 1 · 요청한 사람: comm1 · "
    failed += "요청 시각: 2026년 12월 4일 (금) 14:30 · 사유: 광고 · "
    failed += "오류 종류: 호출 한도 초과 (잠시 후 자동 재시도)"
    assert failed in history
    assert "rate_limited" not in history
    assert "2026-12-04T" not in history
    hidden = walked.client("admin").get(f"/comments/{walked.ids['c5']}").text
    assert "상태 변경: 신규 → 숨김 · 사유: 광고" in hidden
    assert "접수번호: 1AA-2611-000123" in hidden
    _check(walked.client("admin").get(f"/comments/{walked.ids['c5']}"), "hidden thread")


def test_every_access_log_page_is_korean(walked: Web) -> None:
    client = walked.client("admin")
    url: str | None = "/admin/access-log"
    pages = 0
    while url:
        response = client.get(url)
        _check(response, url)
        pages += 1
        more = response.text.split('<nav class="pager"><a href="')
        url = more[1].split('"')[0].replace("&amp;", "&") if len(more) > 1 else None
    assert pages >= 2
    first = client.get("/admin/access-log").text
    expected = ("관리자", "소통담당관", "보고서 2026-11", "형식: CSV", "경로: 웹")
    for words in (*expected, "화면: 댓글 화면"):
        assert words in first


STATES: list[tuple[str, str, str, dict[str, str]]] = [
    ("communications", "GET", "/inbox?status=숨김&platform=facebook&overdue=1&q=주차", {}),
    ("communications", "GET", "/inbox?after=garbage&from=2026-11-01&to=bad", {}),
    ("communications", "GET", "/reports?done=closed:2026-10", {}),
    ("admin", "GET", "/reports?done=reopened:2026-10", {}),
    ("communications", "GET", "/manual?added=1", {}),
    ("communications", "GET", "/manual?added=0", {}),
    ("admin", "GET", "/admin/access-log?failed=1&subject=주민", {}),
    ("communications", "POST", "/manual", {"platform": "myspace", "created_at": "tomorrow"}),
    (
        "communications",
        "POST",
        "/manual",
        {"platform": "facebook", "post": "nope", "author": "주민", "created_at": "2099-01-01"},
    ),
    ("communications", "POST", "/reports/download", {"month": "2026-13", "format": "csv"}),
    ("communications", "POST", "/reports/download", {"month": "2026-10", "format": "doc"}),
    ("communications", "POST", "/reports/close", {"month": "2099-01"}),
    ("communications", "POST", "/reports/close", {"month": "November"}),
    ("communications", "POST", "/reports/reopen", {"month": "2026-10"}),
    ("admin", "POST", "/reports/reopen", {"month": "2026-10", "reason": ""}),
    ("admin", "POST", "/admin/access-log/export", {"reason": ""}),
    ("communications", "POST", "/comments/{c2}/action", {"kind": "status", "status": "신규"}),
    ("communications", "POST", "/comments/{c2}/action", {"kind": "bogus"}),
    ("department", "GET", "/comments/{c1}", {}),
    ("viewer", "GET", "/admin/access-log", {}),
    ("viewer", "POST", "/inbox/bulk", {}),
    ("communications", "GET", "/no-such-page", {}),
    ("communications", "POST", "/inbox", {}),
    ("communications", "GET", "/comments/999999", {}),
    ("admin", "GET", "/admin/users?done=added&name=kim1", {}),
    ("admin", "POST", "/admin/users", {"name": "kim1", "role": "viewer"}),
    ("admin", "POST", "/admin/users", {"name": "x", "role": "department"}),
    ("admin", "POST", "/admin/users/change", {"name": "admin1", "op": "role", "role": "viewer"}),
    ("admin", "POST", "/admin/users/change", {"name": "dept1", "op": "password"}),
    ("admin", "POST", "/admin/users/change", {"name": "dept1", "op": "unlock"}),
    ("admin", "POST", "/admin/users/change", {"name": "dept1", "op": "bogus"}),
]
"""(role, method, path, form): error and notice states beyond the plain GET pages."""


@pytest.mark.parametrize(("role", "method", "path", "form"), STATES)
def test_every_state_is_korean(
    walked: Web, role: str, method: str, path: str, form: dict[str, str]
) -> None:
    client = walked.client(role)
    url = path.format(**{key: str(value) for key, value in walked.ids.items()})
    if method == "GET":
        response = client.get(url)
    else:
        response = _post(client, url, walked.csrf(client), **form)
    if response.status_code == 303:
        response = client.get(response.headers["location"])
    _check(response, f"{role} {method} {url}")


def test_a_report_closed_and_reopened_says_so_in_korean(walked: Web) -> None:
    admin = walked.client("admin")
    csrf = walked.csrf(admin)
    closed = _post(admin, "/reports/close", csrf, month="2026-11")
    assert closed.headers["location"] == "/reports?done=closed:2026-11"
    assert "2026년 11월 보고서를 마감했습니다" in admin.get(closed.headers["location"]).text
    again = admin.get(_post(admin, "/reports/close", csrf, month="2026-11").headers["location"])
    assert "2026년 11월 보고서는 이미 마감되어 있습니다" in again.text
    reopened = _post(admin, "/reports/reopen", csrf, month="2026-11", reason="수치 정정")
    assert "2026년 11월 보고서를 다시 열었습니다" in admin.get(reopened.headers["location"]).text


def test_hand_entry_errors_name_the_field_in_korean(walked: Web) -> None:
    client = walked.client("communications")
    form = {"platform": "facebook", "post": "p1", "author": "주민", "text": "글",
            "created_at": "어제"}  # fmt: skip
    response = _post(client, "/manual", walked.csrf(client), **form)
    assert response.status_code == 400
    assert "작성 시각: 날짜와 시각이 아닙니다 (예: 2026-11-20 14:30)" in response.text
    empty = _post(client, "/manual", walked.csrf(client), **{**form, "author": ""})
    assert "작성자: 비어 있습니다" in empty.text


def test_dates_are_written_the_korean_way(walked: Web) -> None:
    page = walked.client("communications").get(f"/comments/{walked.ids['c2']}").text
    assert "2026년 11월 16일 (월) 11:00" in page  # c2, 02:00 UTC
    listing = walked.client("communications").get("/inbox").text
    assert "11월 16일 (월) 11:00" in listing


ERRORS: list[tuple[int, Callable[[Web, TestClient], Response]]] = [
    (404, lambda web, client: client.get("/no-such-page")),
    (405, lambda web, client: client.put("/inbox")),
    (403, lambda web, client: client.get("/admin/access-log")),
    (401, lambda web, client: TestClient(web.app).post("/inbox/bulk", data={})),
    (413, lambda web, client: client.post("/manual", content=b"x" * (MAX_BODY + 1))),
    (500, lambda web, client: client.get("/boom")),
]


@pytest.mark.parametrize(("status", "request_"), ERRORS, ids=[str(s) for s, _ in ERRORS])
def test_error_pages_are_korean_in_the_base_layout(
    sqlite_web: Web, status: int, request_: Callable[[Web, TestClient], Response]
) -> None:
    def boom(_request: Any) -> Response:
        raise RuntimeError("internal detail that must not reach the page")

    sqlite_web.app.router.routes.append(Route("/boom", boom))
    client = TestClient(sqlite_web.app, raise_server_exceptions=False)
    assert login(client, USERS["communications"][0]).status_code == 303
    response = request_(sqlite_web, client)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="ko">' in response.text
    assert "SNS 소통 검토함" in response.text
    assert "internal detail" not in response.text
    _check(response, str(status))


def test_unknown_labels_fall_back_to_something_readable() -> None:
    assert labels.action_label("frobnicate") == "기타 작업 (frobnicate)"
    assert history_text.history_line({"action": "x", "from_status": "신규", "to_status": "신규"})
    assert history_text.detail_text('{"zzz": 1}') == "zzz: 1"
    assert labels.target_label("comment:5") == "댓글 5"
    assert labels.target_code("댓글 5") == "comment:5"
    assert english_words("<p>기타 작업 (frobnicate)</p>") == ["frobnicate"]


def test_the_login_page_and_its_refusals_are_korean(sqlite_web: Web) -> None:
    client = sqlite_web.client()
    _check(client.get("/login"), "GET /login")
    _check(login(client, "admin1", "wrong-password-1"), "failed login")
    _check(login(client, "nobody", "wrong-password-1"), "unknown account")
    for _ in range(sqlite_web.settings.web.max_failed_logins):
        locked = login(client, "dept1", "wrong-password-1")
    _check(locked, "locked account")
    assert "잠겼습니다" in locked.text
    stale = client.post("/login", data={"username": "admin1", "password": "x"})
    assert stale.status_code == 403
    _check(stale, "login without its token")


def test_details_read_as_korean_fields() -> None:
    listed = {"status": "신규", "platform": "facebook", "overdue": "1", "answered": "yes"}
    expected = "상태: 신규 · 플랫폼: 페이스북 · 기한초과만: 예 · 구청 답글: 있음"
    assert history_text.detail_text(listed) == expected
    acted = {"kind": "status", "status": "확인중", "refused": False}
    assert history_text.detail_text(acted) == "종류: 상태 변경 · 상태: 확인중 · 결과: 처리됨"
    refused = '{"route": "thread", "status": 404}'
    assert history_text.detail_text(refused) == "화면: 댓글 화면 · 상태: 404"
    note = {"action": "note", "from_status": "신규", "to_status": "신규", "detail": {"length": 49}}
    assert history_text.history_line(note) == "메모 (49자)"


@pytest.mark.parametrize("kind", [*(k.value for k in WriteErrorKind), "no_writer"])
def test_every_write_error_kind_reads_as_korean(kind: str) -> None:
    shown = history_text.value_label("error", kind)
    assert kind not in shown
    assert english_words(f"<p>{shown}</p>") == []
    assert history_text.value_label("error_kind", kind) == shown


def test_recorded_times_read_the_korean_way_in_the_office_zone() -> None:
    line = history_text.detail_text({"requested_at": "2026-12-04T05:30:00+00:00"})
    assert line == "요청 시각: 2026년 12월 4일 (금) 14:30"
    utc = history_text.detail_text({"requested_at": "2026-12-04T05:30:00"}, "UTC")
    assert utc == "요청 시각: 2026년 12월 4일 (금) 05:30"
    assert history_text.detail_text({"requested_at": "어제"}) == "요청 시각: 어제"
