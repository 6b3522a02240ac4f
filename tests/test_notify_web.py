"""The two notification pages through the real app (TestClient): roles, CSRF,
validation in Korean, what is stored, the failed deliveries shown to the admin."""

from __future__ import annotations

from datetime import timedelta

from aggregator.db import read_connection, write_transaction
from aggregator.notify import addresses
from aggregator.notify.kinds import OFFICE
from aggregator.store import notifications as rows
from aggregator.store.access_log import LogFilter
from tests.fixtures_web import Web


def _user(web: Web, name: str) -> addresses.Preference:
    user = next(u for u in web.store.staff.users() if u.name == name)
    return addresses.preference(web.store, user)


def test_an_officer_saves_own_notification_choices(web: Web) -> None:
    client = web.client("department")
    page = client.get("/settings/notifications")
    assert page.status_code == 200
    assert "우리 부서에 배정·이송된 항목" in page.text
    assert "승인을 기다리는 답변" not in page.text  # officers approve nothing

    saved = client.post(
        "/settings/notifications",
        data={
            "csrf_token": web.csrf(client),
            "email": "dept1@hanbit-gu.example",
            "kinds": ["department", "handler"],
            "digest": "1",
        },
        follow_redirects=False,
    )

    assert saved.status_code == 303
    assert _user(web, "dept1") == addresses.Preference(
        "dept1@hanbit-gu.example", frozenset({"department", "handler"}), True
    )
    assert "저장했습니다" in client.get(saved.headers["location"]).text
    logged = web.store.staff.access_log(LogFilter(action="notification_settings_save"))
    assert [r["staff"] for r in logged] == ["dept1"]


def test_bad_settings_are_refused_in_korean_and_nothing_changes(web: Web) -> None:
    client = web.client("department")
    token = web.csrf(client)
    cases = {
        "not-an-address": ["department"],
        "dept1@hanbit-gu.example": ["approval"],
        "": ["department"],
    }
    messages = []
    for email, kinds in cases.items():
        answer = client.post(
            "/settings/notifications", data={"csrf_token": token, "email": email, "kinds": kinds}
        )
        assert answer.status_code == 400
        messages.append(answer.text)
    assert "올바른 전자우편 주소가 아닙니다: not-an-address" in messages[0]
    assert "이 계정의 권한으로 받을 수 없는 알림입니다: approval" in messages[1]
    assert "알림을 받으려면 전자우편 주소를 적어 주세요" in messages[2]
    assert _user(web, "dept1") == addresses.Preference(None, frozenset(), False)


def test_settings_need_a_staff_role_and_the_csrf_token(web: Web) -> None:
    assert web.client("viewer").get("/settings/notifications").status_code == 403
    client = web.client("communications")
    forged = client.post("/settings/notifications", data={"email": "x@y.example", "digest": "1"})
    assert forged.status_code == 403
    assert _user(web, "comm1").email is None


def test_only_the_admin_opens_the_departments_page(web: Web) -> None:
    for role in ("communications", "department", "viewer"):
        assert web.client(role).get("/admin/departments").status_code == 403
    page = web.client("admin").get("/admin/departments")
    assert page.status_code == 200
    for label in ("소통담당관 (전체)", "주차관리과", "청소행정과", "환경과"):
        assert label in page.text
    assert "실패한 알림이 없습니다" in page.text


def test_the_admin_sets_a_departments_addresses(web: Web) -> None:
    client = web.client("admin")
    saved = client.post(
        "/admin/departments",
        data={
            "csrf_token": web.csrf(client),
            "department": "주차관리과",
            "emails": "parking@hanbit-gu.example, chief@hanbit-gu.example",
            "webhook_url": "https://chat.hanbit-gu.example/hooks/parking",
        },
        follow_redirects=False,
    )

    assert saved.status_code == 303
    contact = addresses.contacts(web.store)["주차관리과"]
    assert contact["emails"] == ["parking@hanbit-gu.example", "chief@hanbit-gu.example"]
    assert contact["webhook_url"] == "https://chat.hanbit-gu.example/hooks/parking"
    page = client.get("/admin/departments").text
    assert "chief@hanbit-gu.example" in page
    logged = web.store.staff.access_log(LogFilter(action="department_contact_save"))
    assert [r["target"] for r in logged] == ["department:주차관리과"]


def test_bad_department_addresses_are_refused_and_nothing_is_stored(web: Web) -> None:
    client = web.client("admin")
    token = web.csrf(client)
    cases = [
        ("주차관리과", "parking@", "", "올바른 전자우편 주소가 아닙니다: parking@"),
        ("주차관리과", "", "ftp://chat.example/x", "http:// 또는 https:// 로 시작하는"),
        ("주차관리과", "", "http://10.1.2.3/hook", "내부망·로컬 주소를 가리킵니다 (10.1.2.3)"),
        ("주차관리과", "", "http://169.254.169.254/latest", "내부망·로컬 주소"),
        ("주차관리과", "", "http://[::1]:8080/hook", "내부망·로컬 주소"),
        ("없는과", "a@b.example", "", "config.yaml의 departments에 없는 부서입니다: 없는과"),
    ]
    for department, emails, webhook, message in cases:
        answer = client.post(
            "/admin/departments",
            data={
                "csrf_token": token,
                "department": department,
                "emails": emails,
                "webhook_url": webhook,
            },
        )
        assert answer.status_code == 400, (department, emails, webhook)
        assert message in answer.text
    assert addresses.contacts(web.store) == {}


def test_failed_deliveries_show_their_error_and_can_be_sent_again(web: Web) -> None:
    store = web.store
    now = store.clock()
    with write_transaction(store.engine) as conn:
        rows.enqueue(
            conn,
            [
                {
                    "key": "event:1:webhook:x", "kind": "department", "channel": "webhook",
                    "recipient": "https://chat.hanbit-gu.example/hooks/T000/SECRET",
                    "department": "주차관리과", "comment_id": None, "subject": "s", "body": "b",
                    "created_at": now,
                },
                {
                    "key": "digest:x", "kind": "digest", "channel": "email",
                    "recipient": "office@hanbit-gu.example", "department": OFFICE,
                    "comment_id": None, "subject": "s", "body": "b", "created_at": now,
                },
            ],
        )  # fmt: skip
        for message in rows.due(conn, now, 10):
            rows.mark_failed_attempt(
                conn, message["id"], 5, "웹훅이 HTTP 500 로 거부했습니다", None
            )
    client = web.client("admin")
    page = client.get("/admin/departments").text
    assert "실패 2건" in page
    assert "웹훅이 HTTP 500 로 거부했습니다" in page
    assert "chat.hanbit-gu.example (웹훅)" in page
    assert "SECRET" not in page
    assert "일일 요약" in page

    with read_connection(store.engine) as conn:
        failed_id = rows.failures(conn, 1)[0]["id"]
    retried = client.post(
        f"/admin/notifications/{failed_id}/retry",
        data={"csrf_token": web.csrf(client)},
        follow_redirects=False,
    )
    assert retried.headers["location"] == "/admin/departments?retried=1"
    with read_connection(store.engine) as conn:
        assert [m["id"] for m in rows.due(conn, now + timedelta(seconds=1), 10)] == [failed_id]
