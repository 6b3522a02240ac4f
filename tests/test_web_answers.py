"""Answering from the inbox through its HTML forms: the answer box, 상용구, the length
check, the steps on an answer, copy-and-confirm, the approval queue; roles and CSRF."""

from __future__ import annotations

import html
import re
from typing import Any

import sqlalchemy as sa
from httpx2 import Response
from starlette.testclient import TestClient

from aggregator.answers.service import AnswerService
from aggregator.answers.states import AnswerState
from aggregator.config import parse_settings
from aggregator.db import write_transaction
from aggregator.records import Batch, CommentRecord
from aggregator.store import answers as answer_rows
from aggregator.store.access_log import LogFilter
from aggregator.store.tables import ANSWER
from aggregator.workflow import Actor, Role
from tests.fixtures_web import CONFIG, PSEUDONYM_KEY, T0, Web
from tests.test_answers_service import assign

COMM = Actor("comm1", Role.COMMUNICATIONS)
WRITING = """
accounts:
  - {name: fb-page, platform: facebook, page_id: '1', access_token: {env: T},
     write_access_token: {env: T}}
  - {name: x-account, platform: twitter, username: hanbit_gu, bearer_token: {env: T},
     write_with: oauth2_user, write_user_token: {env: T}}
answers:
  phones: {주차관리과: 02-2670-3456}
"""


def configure(web: Web, extra: str = WRITING) -> None:
    """The app's settings with accounts that write (or `extra`)."""
    environ = {"AGGREGATOR_PSEUDONYM_KEY": PSEUDONYM_KEY, "T": "token"}
    web.app.state.web.settings = parse_settings(CONFIG + extra, environ=environ)


def post(web: Web, client: TestClient, path: str, **form: str) -> Response:
    data = {**form, "csrf_token": web.csrf(client)}
    return client.post(path, data=data, follow_redirects=False)


def answers_of(web: Web, key: str) -> list[dict[str, Any]]:
    with web.store.engine.connect() as conn:
        query = sa.select(ANSWER).where(ANSWER.c.comment_id == web.ids[key]).order_by(ANSWER.c.id)
        return [dict(row._mapping) for row in conn.execute(query)]


def page_text(response: Response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.text))


def drafted(web: Web, text: str = "확인 후 안내드리겠습니다. No.1") -> int:
    """dept1's answer to c1 (주차관리과), waiting for approval."""
    assign(web.store, web.ids["c1"])
    response = post(
        web, web.client("department"), f"/comments/{web.ids['c1']}/answers", kind="first", text=text
    )
    assert response.status_code == 303, response.text
    return int(answers_of(web, "c1")[-1]["id"])


def x_comment(web: Web) -> int:
    account = web.store.sync.ensure_account("x-account", "twitter")
    tweet = CommentRecord(
        platform="twitter", external_id="1790000000000000001", created_at=T0,
        text="@hanbit_gu 주차 문의", author_handle="resident1",
    )  # fmt: skip
    web.store.sync.apply_batch(account, Batch(stream="t", comments=(tweet,)))
    with web.store.engine.connect() as conn:
        query = "SELECT id FROM comment WHERE external_id = '1790000000000000001'"
        return int(conn.exec_driver_sql(query).scalar_one())


def test_a_department_answer_waits_in_the_queue_and_the_office_approves_it(web: Web) -> None:
    configure(web)
    answer_id = drafted(web)
    assert answers_of(web, "c1")[0]["state"] == AnswerState.PENDING_APPROVAL
    office = web.client("communications")
    queue = office.get("/answers")
    assert 'id="nav-answers">답변 승인 <span class="count">1</span>' in queue.text
    assert f'data-answer="{answer_id}"' in queue.text
    assert "010-1234-5678" not in queue.text  # the comment's excerpt is masked
    approved = post(web, office, f"/answers/{answer_id}/action", do="approve", next="queue")
    assert (approved.status_code, approved.headers["location"]) == (303, "/answers?done=approve")
    row = answers_of(web, "c1")[0]
    assert (row["state"], row["approved_by"]) == (AnswerState.APPROVED, "comm1")
    thread = page_text(office.get(f"/comments/{web.ids['c1']}"))
    assert "게시 대기" in thread
    assert "자동 게시를 기다립니다" in thread
    assert "답변 쓰기" not in thread  # one answer on its way at a time
    logged = {(e["staff"], e["action"]) for e in web.store.staff.access_log(LogFilter(), limit=50)}
    assert {("dept1", "answer_write"), ("comm1", "answer_approve")} <= logged


def test_edit_and_approve_stores_the_offices_text(web: Web) -> None:
    configure(web)
    answer_id = drafted(web)
    office = web.client("communications")
    post(web, office, f"/answers/{answer_id}/action", do="approve", text="고친 답변입니다. No.1")
    row = answers_of(web, "c1")[0]
    assert (row["state"], row["text"]) == (AnswerState.APPROVED, "고친 답변입니다. No.1")


def test_send_back_with_a_note_then_the_writer_resubmits(web: Web) -> None:
    configure(web)
    answer_id = drafted(web)
    office, officer = web.client("communications"), web.client("department")
    post(
        web,
        office,
        f"/answers/{answer_id}/action",
        do="send_back",
        note="부서 연락처를 넣어 주세요",
    )
    thread = page_text(officer.get(f"/comments/{web.ids['c1']}"))
    assert "작성 중" in thread
    assert "반려 사유: 부서 연락처를 넣어 주세요" in thread
    assert "다시 제출" in thread
    queue = officer.get("/answers").text
    assert 'id="nav-answers">우리 부서 답변 <span class="count">1</span>' in queue
    sent_back = queue[queue.index('id="queue-sent_back"') : queue.index('id="queue-trouble"')]
    assert f'data-answer="{answer_id}"' in sent_back
    assert "반려 사유: 부서 연락처를 넣어 주세요" in sent_back
    assert "queue-pending" not in queue  # approving is the office's
    post(web, officer, f"/answers/{answer_id}/action", do="resubmit", text="02-2670-3456 No.1")
    row = answers_of(web, "c1")[0]
    assert (row["state"], row["text"]) == (AnswerState.PENDING_APPROVAL, "02-2670-3456 No.1")


def test_a_department_officer_cannot_approve_and_sees_why(web: Web) -> None:
    configure(web)
    answer_id = drafted(web)
    officer = web.client("department")
    assert "승인</button>" not in officer.get(f"/comments/{web.ids['c1']}").text
    refused = post(web, officer, f"/answers/{answer_id}/action", do="approve")
    assert refused.status_code == 409
    assert "소통담당관만 할 수 있습니다" in page_text(refused)
    assert answers_of(web, "c1")[0]["state"] == AnswerState.PENDING_APPROVAL
    refusals = web.store.staff.access_log(LogFilter(action="answer_refused"), limit=5)
    assert [e["staff"] for e in refusals] == ["dept1"]


def test_a_viewer_sees_answers_but_no_box_and_cannot_post(web: Web) -> None:
    configure(web)
    drafted(web)
    viewer = web.client("viewer")
    thread = viewer.get(f"/comments/{web.ids['c1']}")
    assert "확인 후 안내드리겠습니다" in thread.text
    assert "answer-box" not in thread.text
    assert "/answers/" not in thread.text  # no step forms
    assert 'id="nav-answers"' not in thread.text
    url = f"/comments/{web.ids['c2']}/answers"
    refused = post(web, viewer, url, kind="first", text="안내드립니다")
    assert refused.status_code == 403
    assert viewer.get("/answers").status_code == 403
    assert answers_of(web, "c2") == []


def test_another_departments_answer_is_not_visible(web: Web) -> None:
    configure(web)
    answer_id = drafted(web)
    other = web.client("dept2")
    assert other.get(f"/comments/{web.ids['c1']}").status_code == 404
    assert f'data-answer="{answer_id}"' not in other.get("/answers").text
    refused = post(web, other, f"/answers/{answer_id}/action", do="cancel")
    assert refused.status_code == 404
    assert "안내드리겠습니다" not in refused.text
    assert answers_of(web, "c1")[0]["state"] == AnswerState.PENDING_APPROVAL


def test_a_post_without_the_csrf_token_changes_nothing(web: Web) -> None:
    configure(web)
    answer_id = drafted(web)
    office = web.client("communications")
    forged = office.post(
        f"/answers/{answer_id}/action", data={"do": "approve"}, follow_redirects=False
    )
    assert forged.status_code == 403
    written = office.post(
        f"/comments/{web.ids['c2']}/answers",
        data={"kind": "first", "text": "안내", "csrf_token": "x"},
        follow_redirects=False,
    )
    assert written.status_code == 403
    assert answers_of(web, "c1")[0]["state"] == AnswerState.PENDING_APPROVAL
    assert answers_of(web, "c2") == []


def test_a_template_fills_the_box_without_js_and_one_missing_a_value_says_why(web: Web) -> None:
    configure(web)
    assign(web.store, web.ids["c1"])
    assign(web.store, web.ids["c2"], "청소행정과")
    templates = AnswerService(web.store, web.app.state.web.settings.answers)
    usable = templates.add_template(COMM, "주차 안내", "{부서명}({전화번호})입니다. {접수번호}")
    officer = web.client("department")
    page = officer.get(f"/comments/{web.ids['c1']}?template={usable}")
    expected = f"주차관리과(02-2670-3456)입니다. No.{web.ids['c1']}"
    assert f">{expected}</textarea>" in page.text  # placeholders are never masked
    assert f'data-text="{expected}"' in page.text
    office = page_text(web.client("communications").get(f"/comments/{web.ids['c2']}"))
    assert "주차 안내 (쓸 수 없음: 상용구의 {전화번호} 값이 없습니다)" in office


def test_the_default_kind_is_final_once_a_first_answer_was_posted(web: Web) -> None:
    configure(web)
    office = web.client("communications")
    url = f"/comments/{web.ids['c1']}"
    assert 'value="first" checked' in office.get(url).text
    answer_id = AnswerService(web.store, web.app.state.web.settings.answers).write(
        COMM, web.ids["c1"], "first", "안내드립니다"
    )
    post(web, office, f"/answers/{answer_id}/action", do="confirm")
    assert 'value="final" checked' in office.get(url).text


def test_an_over_limit_x_answer_is_refused_with_count_and_limit_and_the_text_is_kept(
    web: Web,
) -> None:
    configure(web)
    comment_id = x_comment(web)
    office = web.client("communications")
    page = office.get(f"/comments/{comment_id}").text
    assert 'data-rule="x" data-limit="280"' in page
    assert 'data-handle="resident1"' in page
    text = "가" * 135  # 270 + "@resident1 " 11 = 281
    refused = post(web, office, f"/comments/{comment_id}/answers", kind="first", text=text)
    assert refused.status_code == 409
    assert "X 답변이 너무 깁니다: 281자(가중치) (최대 280자(가중치))" in page_text(refused)
    assert f">{text}</textarea>" in refused.text
    with web.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ANSWER)).scalar_one() == 0


def test_copy_and_confirm_for_an_account_without_a_writer_validates_the_url(web: Web) -> None:
    configure(web, "answers: {require_approval: true}\n")  # fb-page has no write token
    office = web.client("communications")
    post(web, office, f"/comments/{web.ids['c2']}/answers", kind="first", text="안내드립니다")
    answer_id = int(answers_of(web, "c2")[0]["id"])
    thread = office.get(f"/comments/{web.ids['c2']}").text
    assert f'id="answer-copy-{answer_id}"' in thread
    assert 'href="https://facebook.example/c2"' in thread
    bad = post(web, office, f"/answers/{answer_id}/action", do="confirm", url="javascript:alert(1)")
    assert bad.status_code == 409
    assert "게시 주소는 http(s) 주소여야 합니다" in page_text(bad)
    good = "https://facebook.example/c2?reply=1"
    post(web, office, f"/answers/{answer_id}/action", do="confirm", url=good)
    row = answers_of(web, "c2")[0]
    assert (row["state"], row["reply_url"]) == (AnswerState.CONFIRMED_MANUAL, good)
    assert "직접 게시 확인" in page_text(office.get(f"/comments/{web.ids['c2']}"))


def test_a_failed_answer_shows_the_staff_message_and_only_admins_the_cause(web: Web) -> None:
    configure(web)
    answer_id = AnswerService(web.store, web.app.state.web.settings.answers).write(
        COMM, web.ids["c2"], "first", "안내드립니다"
    )
    with write_transaction(web.store.engine) as conn:
        answer_rows.update(
            conn, answer_id, "approved", state="failed", error_kind="spam",
            error_message="Graph API (#368) deemed abusive",
            error_staff_message="페이스북이 스팸으로 막았습니다.",
        )  # fmt: skip
    office = page_text(web.client("communications").get(f"/comments/{web.ids['c2']}"))
    assert "게시 실패" in office
    assert "페이스북이 스팸으로 막았습니다." in office
    assert "#368" not in office
    admin = web.client("admin")
    assert "#368" in page_text(admin.get(f"/comments/{web.ids['c2']}"))
    post(web, admin, f"/answers/{answer_id}/action", do="retry")
    assert answers_of(web, "c2")[0]["state"] == AnswerState.APPROVED


def test_a_step_the_state_refuses_is_shown_on_the_page_not_a_500(web: Web) -> None:
    configure(web)
    answer_id = drafted(web)
    office = web.client("communications")
    post(web, office, f"/answers/{answer_id}/action", do="approve")
    again = post(web, office, f"/answers/{answer_id}/action", do="approve")
    assert again.status_code == 409
    assert "'게시 대기' 상태의 답변은" in page_text(again)
    unknown = post(web, office, f"/answers/{answer_id}/action", do="explode")
    assert unknown.status_code == 400
    assert post(web, office, "/answers/999999/action", do="approve").status_code == 404


def test_bad_answer_input_is_refused_in_korean_naming_what_is_wrong(web: Web) -> None:
    configure(web)
    office = web.client("communications")
    path = f"/comments/{web.ids['c2']}/answers"
    cases = {
        "답변이(가) 너무 깁니다: 8,001자 (최대 8,000자)": {"kind": "first", "text": "가" * 8001},
        "답변에 쓸 수 없는 제어 문자가 있습니다": {"kind": "first", "text": "안내\x07드립니다"},
        "답변을(를) 적어 주세요": {"kind": "first", "text": "   "},
        "알 수 없는 답변 종류 'second'": {"kind": "second", "text": "안내드립니다"},
    }
    for message, form in cases.items():
        refused = post(web, office, path, **form)
        assert refused.status_code == 409, message
        assert message in page_text(refused)
    assert answers_of(web, "c2") == []
    longest = post(web, office, path, kind="first", text="가" * 8000)  # 72 KB URL-encoded
    assert longest.status_code == 303
    assert len(answers_of(web, "c2")[0]["text"]) == 8000
