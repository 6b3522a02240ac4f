"""Refused attempts are in the access log (issue 13, item 8), on SQLite and PostgreSQL:
a role refused (403), an item outside the officer's department (404) and a request
without a session, each once per user (or address), route and outcome a minute."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.testclient import TestClient

from aggregator.store.access_log import LogFilter
from aggregator.web import create_app
from tests.fixtures_web import FAST_HASHER, Web


def _records(web: Web, **filters: Any) -> list[dict[str, Any]]:
    return web.store.staff.access_log(LogFilter(**filters), 1000)


def _refused(web: Web, client: Any, comment_id: int) -> int:
    response = client.post(
        f"/comments/{comment_id}/reveal",
        data={"csrf_token": web.csrf(client)},
        follow_redirects=False,
    )
    return int(response.status_code)


def test_a_role_refused_is_logged_with_who_route_item_and_role(web: Web) -> None:
    viewer = web.client("viewer")
    c1 = web.ids["c1"]
    assert _refused(web, viewer, c1) == 403
    (record,) = _records(web, staff="viewer1", action="refused")
    assert record["role"] == "viewer"
    assert record["target"] == f"comment:{c1}"
    assert record["client_ip"] == "testclient"
    assert json.loads(record["detail"]) == {"route": "reveal", "status": 403}


def test_a_wrong_csrf_token_is_logged_as_refused(web: Web) -> None:
    admin = web.client("admin")
    c1 = web.ids["c1"]
    forged = admin.post(f"/comments/{c1}/reveal", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    (record,) = _records(web, staff="admin1", action="refused")
    assert json.loads(record["detail"]) == {"route": "reveal", "status": 403, "reason": "csrf"}
    assert not _records(web, staff="admin1", action="reveal_pii")


def test_an_item_of_another_department_is_logged_as_not_found(web: Web) -> None:
    officer = web.client("department")
    c1 = web.ids["c1"]
    assert officer.get(f"/comments/{c1}").status_code == 404
    (record,) = _records(web, staff="dept1", action="not_found")
    assert (record["role"], record["target"]) == ("department", f"comment:{c1}")
    assert not _records(web, staff="dept1", action="view_comment")


def test_requests_without_a_session_are_logged_by_address(web: Web) -> None:
    anonymous = web.client()
    assert anonymous.get("/inbox", follow_redirects=False).status_code == 303
    assert anonymous.post("/inbox/bulk", data={}).status_code == 401
    records = _records(web, action="unauthenticated")
    assert sorted(r["target"] for r in records) == ["/inbox", "/inbox/bulk"]
    assert {(r["staff"], r["role"], r["client_ip"]) for r in records} == {
        ("anonymous", None, "testclient")
    }


def test_repeats_within_a_minute_are_logged_once_and_the_chain_holds(web: Web, clock: Any) -> None:
    viewer = web.client("viewer")
    for comment_id in list(web.ids.values()) * 5:
        assert _refused(web, viewer, comment_id) == 403
    assert len(_records(web, staff="viewer1", action="refused")) == 1
    assert web.client("viewer").post("/inbox/bulk", data={}).status_code == 403  # other route
    assert len(_records(web, staff="viewer1", action="refused")) == 2
    clock.advance(seconds=61)
    assert _refused(web, viewer, web.ids["c1"]) == 403
    assert len(_records(web, staff="viewer1", action="refused")) == 3
    assert web.store.staff.verify_access_log() is None


def test_the_admin_filters_the_access_log_to_failed_attempts(web: Web) -> None:
    assert _refused(web, web.client("viewer"), web.ids["c1"]) == 403
    admin = web.client("admin")
    page = admin.get("/admin/access-log", params={"failed": "1"}).text
    assert '<td data-label="직원">viewer1</td>' in page
    assert "<b>거부됨 (권한 없음)</b>" in page
    assert "<b>검토함 조회</b>" not in page
    assert 'name="failed" value="1" checked' in page


def test_a_refusal_another_worker_recorded_is_not_recorded_again(web: Web) -> None:
    other_worker = create_app(web.settings, web.store, hasher=FAST_HASHER)
    for app in (web.app, other_worker, web.app):
        client = TestClient(app, base_url="http://testserver")
        assert client.get("/inbox", follow_redirects=False).status_code == 303
    assert len(_records(web, action="unauthenticated")) == 1


def test_repeated_refusals_do_not_wait_for_the_database_write_lock(sqlite_web: Web) -> None:
    anonymous = sqlite_web.client()
    assert anonymous.get("/inbox", follow_redirects=False).status_code == 303  # recorded
    holder = sqlite3.connect(str(sqlite_web.store.engine.url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long sync write holds the lock
    try:
        for _ in range(3):
            assert anonymous.get("/inbox", follow_redirects=False).status_code == 303
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(_records(sqlite_web, action="unauthenticated")) == 1
