"""Inbox web security: role x route matrix, CSRF, no state change by GET, XSS corpus,
headers and cookies, login throttling, sessions, PII reveal logging."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from aggregator.answers.service import AnswerService
from aggregator.config_review import AnswersSection
from aggregator.web import ROUTES
from aggregator.web.security import HEADERS, MAX_BODY, RouteSpec
from aggregator.workflow import Actor, Role
from tests.fixtures_web import PASSWORD, USERS, Web, login

ROLES = [None, *USERS]
STATE_TABLES = (
    "review",
    "review_tag",
    "review_note",
    "review_event",
    "routing_suggestion",
    "comment",
    "post",
    "staff_user",
    "check_item",
    "answer_template",
)


def _url(web: Web, spec: RouteSpec) -> str:
    return (
        spec.path.replace("{comment_id:int}", str(web.ids["c1"]))
        .replace("{item_id:int}", "1")
        .replace("{answer_id:int}", "1")
        .replace("{template_id:int}", "1")
    )


def _form(spec: RouteSpec, csrf: str) -> dict[str, Any]:
    forms: dict[str, dict[str, Any]] = {
        "bulk": {"kind": "add_tag", "tag": "t"},
        "act": {"kind": "add_tag", "tag": "t"},
        "manual_add": {
            "platform": "facebook",
            "post": "p1",
            "author": "a",
            "text": "t",
            "created_at": "2026-11-16 10:00",
        },
        "reports_download": {"month": "2026-11", "format": "csv", "reason": "matrix"},
        "reports_close": {"month": "2026-10"},
        "reports_reopen": {"month": "2026-10", "reason": "matrix"},
        "answer_write": {"kind": "first", "text": "matrix"},
        "answer_step": {"do": "cancel"},
        "answer_template_add": {"title": "matrix", "body": "{부서명} 안내"},
        "answer_template_save": {"title": "matrix", "body": "{부서명} 안내"},
        "answer_template_active": {"active": "0"},
        "access_log_export": {"reason": "matrix"},
        "user_add": {"name": "matrix1", "role": "viewer", "password": "matrix-pass-1"},
        "user_change": {"name": "viewer1", "op": "unlock"},
        "departments_save": {"department": "환경과", "emails": "env@hanbit-gu.example"},
    }
    return {**forms.get(spec.name, {}), "csrf_token": csrf}


def _expected(spec: RouteSpec, role: str | None) -> set[int]:
    if role is None:
        return {303} if spec.method == "GET" else {401}
    assert spec.roles is not None
    if USERS[role][1] not in spec.roles:
        return {403}
    return {200, 303, 404}


@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(sqlite_web: Web, role: str | None) -> None:
    client = sqlite_web.client(role)
    csrf = sqlite_web.csrf(client) if role else "none"
    for spec, _handler in ROUTES:
        if spec.name == "logout":
            continue
        url = _url(sqlite_web, spec)
        if spec.method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = client.post(url, data=_form(spec, csrf), follow_redirects=False)
        assert response.status_code in _expected(spec, role), (spec, role, response.text[:200])


def test_every_route_is_in_the_matrix(sqlite_web: Web) -> None:
    declared = {(s.path, s.method) for s in sqlite_web.app.state.web.routes}
    for route in sqlite_web.app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        for method in route.methods or ():
            if method != "HEAD":
                assert (route.path, method) in declared, route.path


def test_post_without_or_with_a_foreign_csrf_token_is_refused(sqlite_web: Web) -> None:
    alice, bob = sqlite_web.client("communications"), sqlite_web.client("admin")
    bobs_token = sqlite_web.csrf(bob)
    url = f"/comments/{sqlite_web.ids['c1']}/action"
    form = {"kind": "add_tag", "tag": "x"}
    assert alice.post(url, data=form).status_code == 403
    assert alice.post(url, data={**form, "csrf_token": bobs_token}).status_code == 403
    assert (
        alice.post(
            url, data={**form, "csrf_token": sqlite_web.csrf(alice)}, follow_redirects=False
        ).status_code
        == 303
    )


def _snapshot(web: Web) -> list[list[Any]]:
    with web.store.engine.connect() as conn:
        return [
            [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1")).all()]
            for t in STATE_TABLES
        ]


def test_no_get_changes_state(sqlite_web: Web) -> None:
    client = sqlite_web.client("admin")
    AnswerService(sqlite_web.store, AnswersSection()).add_template(
        Actor("admin1", Role.ADMIN), "안내", "{부서명} 안내"
    )  # /answers/templates/1 exists
    before = _snapshot(sqlite_web)
    for spec, _ in ROUTES:
        if spec.method == "GET":
            assert client.get(_url(sqlite_web, spec)).status_code == 200
    client.get("/inbox?q=주차&overdue=1&answered=no&status=신규")
    assert _snapshot(sqlite_web) == before


def _pages(web: Web) -> list[str]:
    client = web.client("admin")
    ids = web.ids
    csrf = web.csrf(client)
    return [
        client.get("/inbox").text,
        client.get("/inbox?q=alert").text,
        client.get(f"/comments/{ids['c3']}").text,
        client.get(f"/comments/{ids['c4']}").text,
        client.get(f"/comments/{ids['c5']}").text,
        client.post(f"/comments/{ids['c3']}/reveal", data={"csrf_token": csrf}).text,
        client.get("/admin/access-log").text,
    ]


def test_xss_corpus_renders_inert(sqlite_web: Web) -> None:
    for html in _pages(sqlite_web):
        body = html.split("<body", 1)[1]
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert "<svg" not in body
        assert not re.search(r'href="\s*(javascript|data|vbscript):', body, re.IGNORECASE)
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts  # /static/app.js, and answers.js on a thread
        assert all(re.fullmatch(r'<script src="/static/\w+\.js" defer>', s) for s in scripts)
    thread = _pages(sqlite_web)[2]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in thread
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in thread


def test_external_links_are_http_only_and_noopener(sqlite_web: Web) -> None:
    html = sqlite_web.client("admin").get(f"/comments/{sqlite_web.ids['c1']}").text
    links = re.findall(r"<a href=\"(https?://[^\"]+)\" rel=\"([^\"]+)\"", html)
    assert links
    assert all("noopener" in rel and "noreferrer" in rel for _url, rel in links)


def test_security_headers_and_cookie_flags(sqlite_web: Web) -> None:
    client = sqlite_web.client()
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    response = login(client, "comm1")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_repeated_failed_logins_lock_the_account_and_are_logged(sqlite_web: Web) -> None:
    client = sqlite_web.client()
    for _ in range(sqlite_web.settings.web.max_failed_logins - 1):
        assert login(client, "dept1", "wrong-password").status_code == 401
    assert login(client, "dept1", "wrong-password").status_code == 429  # now locked
    assert login(client, "dept1", PASSWORD).status_code == 429
    actions = [r["action"] for r in sqlite_web.store.staff.access_log(_log_filter("dept1"))]
    assert actions.count("login_failed") == 5
    assert "login_locked" in actions


def _log_filter(staff: str) -> Any:
    from aggregator.store.access_log import LogFilter

    return LogFilter(staff=staff)


def test_logout_ends_the_server_side_session(sqlite_web: Web) -> None:
    client = sqlite_web.client("viewer")
    cookie = client.cookies.get("aggregator_session")
    client.post("/logout", data={"csrf_token": sqlite_web.csrf(client)})
    stale = sqlite_web.client()
    stale.cookies.set("aggregator_session", cookie or "")
    assert stale.get("/inbox", follow_redirects=False).status_code == 303


def test_disabled_accounts_lose_their_sessions(sqlite_web: Web) -> None:
    client = sqlite_web.client("department")
    sqlite_web.store.staff.set_user_disabled("dept1", True)
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_pii_is_masked_in_lists_and_showing_it_is_logged(sqlite_web: Web) -> None:
    client = sqlite_web.client("communications")
    assert "010-1234-5678" not in client.get("/inbox").text
    c1 = sqlite_web.ids["c1"]
    assert "010-1234-5678" not in client.get(f"/comments/{c1}").text
    shown = client.post(f"/comments/{c1}/reveal", data={"csrf_token": sqlite_web.csrf(client)})
    assert "010-1234-5678" in shown.text
    log = sqlite_web.store.staff.access_log(_log_filter("comm1"))
    assert [r["target"] for r in log if r["action"] == "reveal_pii"] == [f"comment:{c1}"]
    viewer = sqlite_web.client("viewer")
    assert (
        viewer.post(
            f"/comments/{c1}/reveal",
            data={"csrf_token": sqlite_web.csrf(viewer)},
            follow_redirects=False,
        ).status_code
        == 403
    )


def test_views_and_searches_are_logged_with_ip(sqlite_web: Web) -> None:
    client = sqlite_web.client("viewer")
    client.get("/inbox?q=주차")
    client.get(f"/comments/{sqlite_web.ids['c2']}")
    log = sqlite_web.store.staff.access_log(_log_filter("viewer1"))
    by_action = {r["action"]: r for r in log}
    assert by_action["search"]["detail"] == '{"q": "주차"}'
    assert by_action["view_comment"]["subject"] == "주민"
    assert by_action["view_comment"]["client_ip"] == "testclient"


def test_department_officers_cannot_open_other_departments_items(sqlite_web: Web) -> None:
    client = sqlite_web.client("department")
    assert client.get(f"/comments/{sqlite_web.ids['c1']}").status_code == 404
    assert "조건에 맞는 댓글이 없습니다" in client.get("/inbox").text


def _chunks() -> Iterator[bytes]:
    """A body sent in chunks, without a Content-Length."""
    for _ in range(4):
        yield b"x" * (MAX_BODY // 2)


def _status_walk(web: Web) -> list[tuple[str, int, Any]]:
    """A request producing each status the app can answer, with its expected status."""
    anonymous = web.client()
    viewer = web.client("viewer")
    officer = web.client("department")
    admin = web.client("admin")
    csrf = web.csrf(admin)
    c1 = web.ids["c1"]
    token = {"csrf_token": csrf}
    form = {"content-type": "application/x-www-form-urlencoded"}
    return [
        ("login page", 200, lambda: anonymous.get("/login")),
        ("static file", 200, lambda: anonymous.get("/static/app.css")),
        ("redirect", 303, lambda: anonymous.get("/", follow_redirects=False)),
        ("bad action", 400, lambda: admin.post(f"/comments/{c1}/action", data=token)),
        ("no session", 401, lambda: anonymous.post("/logout")),
        ("role", 403, lambda: viewer.post(f"/comments/{c1}/reveal", data={"csrf_token": "x"})),
        ("csrf", 403, lambda: admin.post(f"/comments/{c1}/reveal", data={"csrf_token": "x"})),
        ("unknown path", 404, lambda: anonymous.get("/nowhere")),
        ("missing static", 404, lambda: anonymous.get("/static/nothing.css")),
        ("other department", 404, lambda: officer.get(f"/comments/{c1}")),
        ("method", 405, lambda: anonymous.delete("/inbox")),
        ("oversized", 413, lambda: anonymous.post("/login", content=b"x" * (MAX_BODY + 1))),
        (
            "oversized, streamed",
            413,
            lambda: anonymous.post("/login", content=_chunks(), headers=form),
        ),
    ]


def test_every_response_of_every_status_carries_the_security_headers(sqlite_web: Web) -> None:
    for what, status, request in _status_walk(sqlite_web):
        response = request()
        assert response.status_code == status, what
        missing = [name for name in HEADERS if name not in response.headers]
        assert not missing, f"{what} ({status}) lacks {missing}"


def test_a_server_error_carries_the_security_headers(sqlite_web: Web) -> None:
    client = TestClient(sqlite_web.app, raise_server_exceptions=False)
    assert login(client, "admin1").status_code == 303
    with sqlite_web.store.engine.begin() as conn:  # the search index is gone: /inbox?q= fails
        conn.exec_driver_sql("DROP TABLE comment_search")
    response = client.get("/inbox?q=주차")
    assert response.status_code == 500
    assert [name for name in HEADERS if name not in response.headers] == []
