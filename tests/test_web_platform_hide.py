"""The thread's "플랫폼에서도 숨김": offered where the account can hide, shown disabled with
its reason elsewhere, queued with the 숨김 in one transaction (never calling the platform),
logged, office only; the upstream state and retry on the thread. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from httpx2 import Response
from starlette.testclient import TestClient

from aggregator.answers import hiding
from aggregator.answers.worker import AnswerWorker
from aggregator.config import parse_settings
from aggregator.http import HttpClient
from aggregator.store.tables import EVENT, LOG, PLATFORM_ACTION, REVIEW
from aggregator.store.upstream import NOT_HIDEABLE
from aggregator.web import create_app
from tests.fixtures_web import CONFIG, FAST_HASHER, PSEUDONYM_KEY, Web

WRITABLE = (
    CONFIG
    + """
accounts:
  - {name: fb-page, platform: facebook, page_id: '1', access_token: {env: T},
     write_access_token: {env: W}}
"""
)


def with_writer(web: Web) -> Web:
    """The same store and users, with `fb-page` configured with a write token."""
    environ = {"AGGREGATOR_PSEUDONYM_KEY": PSEUDONYM_KEY, "T": "read", "W": "write"}
    web.settings = parse_settings(WRITABLE, environ=environ)
    web.app = create_app(web.settings, web.store, hasher=FAST_HASHER)
    return web


def post(web: Web, client: TestClient, key: str, **form: str) -> Response:
    data = {**form, "csrf_token": web.csrf(client)}
    return client.post(f"/comments/{web.ids[key]}/action", data=data, follow_redirects=False)


def hide(web: Web, client: TestClient, key: str = "c4", **extra: str) -> Response:
    return post(web, client, key, kind="status", status="숨김", reason="광고", **extra)


def actions(web: Web, key: str) -> list[dict[str, Any]]:
    with web.store.engine.connect() as conn:
        query = sa.select(PLATFORM_ACTION).where(PLATFORM_ACTION.c.comment_id == web.ids[key])
        return [dict(r._mapping) for r in conn.execute(query.order_by(PLATFORM_ACTION.c.id))]


def status(web: Web, key: str) -> str | None:
    with web.store.engine.connect() as conn:
        query = sa.select(REVIEW.c.status).where(REVIEW.c.comment_id == web.ids[key])
        return conn.execute(query).scalar_one_or_none()


def test_the_choice_is_disabled_with_its_reason_where_the_account_has_no_writer(
    web: Web,
) -> None:
    html = web.client("communications").get(f"/comments/{web.ids['c4']}").text
    assert 'id="upstream-hide" disabled' in html
    assert hiding.NOT_CONFIGURED in html


def test_the_choice_is_offered_where_the_account_can_hide(web: Web) -> None:
    html = with_writer(web).client("communications").get(f"/comments/{web.ids['c4']}").text
    assert 'id="upstream-hide">' in html
    assert "upstream-why" not in html


def test_hiding_with_the_choice_queues_the_platform_hide_with_its_reason_and_log(
    web: Web,
) -> None:
    client = with_writer(web).client("communications")
    assert hide(web, client, upstream="hide").status_code == 303
    assert status(web, "c4") == "숨김"
    queued = actions(web, "c4")
    assert [(a["action"], a["state"], a["reason"], a["requested_by"]) for a in queued] == [
        ("hide", "queued", "광고", "comm1")
    ]
    assert "플랫폼 숨김 요청 중" in client.get(f"/comments/{web.ids['c4']}").text
    with web.store.engine.connect() as conn:
        logged = conn.execute(
            sa.select(LOG.c.detail).where(LOG.c.action == "status").order_by(LOG.c.id.desc())
        ).scalar()
        event = conn.execute(
            sa.select(EVENT.c.detail).where(EVENT.c.comment_id == web.ids["c4"])
        ).scalar_one()
    assert (json.loads(logged)["upstream"], json.loads(logged)["reason"]) == ("hide", "광고")
    assert (event["platform"], event["reason"]) == ("hide", "광고")


def test_hiding_without_the_choice_stays_in_the_inbox_only(web: Web) -> None:
    client = with_writer(web).client("communications")
    assert hide(web, client).status_code == 303
    assert actions(web, "c4") == []


def test_the_choice_for_an_account_without_a_writer_is_refused_and_changes_nothing(
    web: Web,
) -> None:
    client = web.client("communications")
    refused = hide(web, client, upstream="hide")
    assert refused.status_code == 409
    assert NOT_HIDEABLE in refused.text
    assert status(web, "c4") in (None, "신규")
    assert actions(web, "c4") == []


def test_the_choice_with_another_status_is_refused(web: Web) -> None:
    client = with_writer(web).client("communications")
    refused = post(web, client, "c4", kind="status", status="확인중", upstream="hide")
    assert refused.status_code == 409
    assert "숨김으로 바꿀 때만" in refused.text
    assert actions(web, "c4") == []


def test_leaving_hidden_queues_the_unhide_and_supersedes_a_pending_hide(web: Web) -> None:
    client = with_writer(web).client("communications")
    hide(web, client, upstream="hide")
    assert post(web, client, "c4", kind="status", status="확인중").status_code == 303
    assert [(a["action"], a["state"]) for a in actions(web, "c4")] == [
        ("hide", "superseded"),
        ("unhide", "queued"),
    ]
    assert "플랫폼 숨김 해제 요청 중" in client.get(f"/comments/{web.ids['c4']}").text


def test_a_failed_request_shows_its_message_and_staff_retry_it(web: Web) -> None:
    client = with_writer(web).client("communications")
    hide(web, client, upstream="hide")
    with web.store.engine.begin() as conn:
        conn.execute(
            sa.update(PLATFORM_ACTION).values(
                state="failed",
                attempts=1,
                error_kind="permission",
                error_staff_message="페이스북 토큰에 댓글 관리 권한이 없습니다.",
            )
        )
    html = client.get(f"/comments/{web.ids['c4']}").text
    assert "플랫폼 숨김 실패: 페이스북 토큰에 댓글 관리 권한이 없습니다." in html
    assert 'id="upstream-retry"' in html
    assert post(web, client, "c4", kind="platform_retry").status_code == 303
    assert [(a["action"], a["state"], a["attempts"]) for a in actions(web, "c4")] == [
        ("hide", "queued", 0)
    ]


def test_the_explicit_unhide_button_keeps_the_inbox_status(web: Web) -> None:
    client = with_writer(web).client("communications")
    hide(web, client, upstream="hide")
    assert 'id="upstream-unhide"' in client.get(f"/comments/{web.ids['c4']}").text
    assert post(web, client, "c4", kind="platform_unhide").status_code == 303
    assert status(web, "c4") == "숨김"
    assert [a["action"] for a in actions(web, "c4") if a["state"] == "queued"] == ["unhide"]


def test_department_officers_and_viewers_cannot_ask_the_platform(web: Web) -> None:
    office = with_writer(web).client("communications")
    post(web, office, "c1", kind="assign_department", department="주차관리과")
    hide(web, office, key="c1", upstream="hide")
    department = web.client("department")
    html = department.get(f"/comments/{web.ids['c1']}").text
    assert "플랫폼 숨김 요청 중" in html
    assert 'id="upstream-unhide"' not in html
    assert 'id="upstream-hide"' not in html
    refused = post(web, department, "c1", kind="platform_unhide")
    assert refused.status_code == 409
    assert "소통담당관만" in refused.text
    viewer = web.client("viewer")
    data = {"kind": "platform_unhide", "csrf_token": web.csrf(viewer)}
    forbidden = viewer.post(f"/comments/{web.ids['c1']}/action", data=data)
    assert forbidden.status_code == 403
    assert [a["action"] for a in actions(web, "c1")] == ["hide"]


def test_a_request_whose_account_lost_its_writer_fails_visibly_instead_of_waiting_forever(
    web: Web,
) -> None:
    client = with_writer(web).client("communications")
    hide(web, client, upstream="hide")

    def no_writer(account: Any, http: HttpClient) -> None:
        return None

    report = AnswerWorker(web.store, web.settings, HttpClient(), writer_for=no_writer).run()
    assert report.outcomes == {"platform_hide_failed": 1}
    assert report.failed == 1
    [row] = actions(web, "c4")
    assert (row["state"], row["error_kind"]) == ("failed", "permission")
    html = client.get(f"/comments/{web.ids['c4']}").text
    assert "플랫폼 숨김 실패: 이 계정에 글쓰기 토큰이 없어" in html
