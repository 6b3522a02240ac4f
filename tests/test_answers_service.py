"""The answers workflow: write, approve, send back, confirm by hand, retry, cancel; roles;
history and access log; on both back ends."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.answers.states import AnswerError, AnswerState
from aggregator.config_review import AnswersSection
from aggregator.store import Store
from aggregator.store.access_log import AccessEntry, LogFilter
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.store.tables import ANSWER, REVIEW
from aggregator.workflow import Actor, Role, WorkflowError
from tests.fixtures_web import Web

COMM = Actor("comm1", Role.COMMUNICATIONS)
DEPT = Actor("dept1", Role.DEPARTMENT, "주차관리과")
DEPT2 = Actor("dept2", Role.DEPARTMENT, "청소행정과")
VIEWER = Actor("viewer1", Role.VIEWER)


def service(store: Store, **settings: Any) -> AnswerService:
    return AnswerService(store, AnswersSection(**settings))


def assign(store: Store, comment_id: int, department: str = "주차관리과") -> None:
    action = ReviewAction(kind="assign_department", department=department)
    result = store.inbox.review(COMM, [comment_id], action, ReviewContext(now=store.clock()))
    assert result.refused == []


def answer(store: Store, answer_id: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(ANSWER).where(ANSWER.c.id == answer_id)).one()
        return dict(row._mapping)


def review_of(store: Store, comment_id: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(REVIEW).where(REVIEW.c.comment_id == comment_id)).one()
        return dict(row._mapping)


def actions(store: Store, comment_id: int) -> list[str]:
    found = store.inbox.thread(comment_id)
    assert found is not None
    return [e["action"] for e in found["history"]]


def test_a_department_answer_waits_for_the_office_and_every_step_is_recorded(web: Web) -> None:
    c1 = web.ids["c1"]
    assign(web.store, c1)
    answers = service(web.store)
    answer_id = answers.write(DEPT, c1, "first", "확인 후 안내드리겠습니다.", client_ip="10.0.0.9")
    assert answer(web.store, answer_id)["state"] == AnswerState.PENDING_APPROVAL
    answers.approve(COMM, answer_id)
    row = answer(web.store, answer_id)
    assert (row["state"], row["approved_by"]) == (AnswerState.APPROVED, "comm1")
    assert actions(web.store, c1)[-2:] == ["answer_write", "answer_approve"]
    logged = web.store.staff.access_log(LogFilter(), limit=10)
    assert {(e["staff"], e["action"]) for e in logged} >= {
        ("dept1", "answer_write"),
        ("comm1", "answer_approve"),
    }


def test_the_offices_own_answer_is_approved_at_once(web: Web) -> None:
    answer_id = service(web.store).write(COMM, web.ids["c1"], "final", "처리했습니다.")
    assert answer(web.store, answer_id)["state"] == AnswerState.APPROVED


def test_without_required_approval_a_department_answer_is_approved(web: Web) -> None:
    assign(web.store, web.ids["c1"])
    answers = service(web.store, require_approval=False)
    answer_id = answers.write(DEPT, web.ids["c1"], "first", "확인 중입니다.")
    assert answer(web.store, answer_id)["state"] == AnswerState.APPROVED


def test_send_back_returns_a_draft_with_the_note_and_resubmitting_asks_again(web: Web) -> None:
    c1 = web.ids["c1"]
    assign(web.store, c1)
    answers = service(web.store)
    answer_id = answers.write(DEPT, c1, "first", "초안")
    answers.send_back(COMM, answer_id, "담당자 연락처를 넣어 주세요")
    row = answer(web.store, answer_id)
    assert (row["state"], row["send_back_note"]) == ("draft", "담당자 연락처를 넣어 주세요")
    answers.resubmit(DEPT, answer_id, "수정안: 주차관리과 02-000-0000")
    row = answer(web.store, answer_id)
    assert (row["state"], row["text"]) == ("pending_approval", "수정안: 주차관리과 02-000-0000")


def test_edit_and_approve_stores_the_offices_text(web: Web) -> None:
    assign(web.store, web.ids["c1"])
    answers = service(web.store)
    answer_id = answers.write(DEPT, web.ids["c1"], "first", "초안")
    answers.approve(COMM, answer_id, text="  다듬은 답변  ")
    assert answer(web.store, answer_id)["text"] == "다듬은 답변"


def test_roles_and_departments_are_enforced(web: Web) -> None:
    c1 = web.ids["c1"]
    assign(web.store, c1)
    answers = service(web.store)
    with pytest.raises(WorkflowError, match="우리 부서"):
        answers.write(DEPT2, c1, "first", "다른 부서 답변")
    with pytest.raises(AnswerError, match="열람"):
        answers.write(VIEWER, c1, "first", "열람자 답변")
    answer_id = answers.write(DEPT, c1, "first", "답변")
    with pytest.raises(AnswerError, match="소통담당관"):
        answers.approve(DEPT, answer_id)
    with pytest.raises(WorkflowError, match="우리 부서"):
        answers.cancel(DEPT2, answer_id)
    assert answer(web.store, answer_id)["state"] == AnswerState.PENDING_APPROVAL


def test_a_comment_has_one_answer_in_flight(web: Web) -> None:
    answers = service(web.store)
    first = answers.write(COMM, web.ids["c1"], "first", "답변 하나")
    with pytest.raises(AnswerError, match="이미 처리 중인 답변"):
        answers.write(COMM, web.ids["c1"], "first", "답변 둘")
    answers.cancel(COMM, first)
    answers.write(COMM, web.ids["c1"], "first", "답변 둘")


def test_bad_text_and_kind_are_refused_with_one_line(web: Web) -> None:
    answers = service(web.store)
    with pytest.raises(AnswerError, match="답변을\\(를\\) 적어 주세요"):
        answers.write(COMM, web.ids["c1"], "first", "   ")
    with pytest.raises(AnswerError, match="U\\+0000"):
        answers.write(COMM, web.ids["c1"], "first", "널\x00문자")
    with pytest.raises(AnswerError, match="너무 깁니다: 8,001자 \\(최대 8,000자\\)"):
        answers.write(COMM, web.ids["c1"], "first", "가" * 8001)
    with pytest.raises(AnswerError, match="답변 종류"):
        answers.write(COMM, web.ids["c1"], "second", "답변")


def test_confirming_a_manual_post_sets_the_status_and_the_answer_time(web: Web) -> None:
    c1 = web.ids["c1"]
    answers = service(web.store)
    answer_id = answers.write(COMM, c1, "first", "블로그에 답글 달았습니다")
    with pytest.raises(AnswerError, match="http\\(s\\)"):
        answers.confirm_manual(COMM, answer_id, url="javascript:alert(1)")
    answers.confirm_manual(COMM, answer_id, url="https://blog.naver.com/x/1#c")
    row = answer(web.store, answer_id)
    assert row["state"] == AnswerState.CONFIRMED_MANUAL
    assert row["posted_at"] == web.store.clock()
    assert row["reply_url"] == "https://blog.naver.com/x/1#c"
    assert review_of(web.store, c1)["status"] == "1차 답변"


def test_a_final_answer_sets_final_and_releases_the_claim(web: Web) -> None:
    c1 = web.ids["c1"]
    web.store.inbox.review(
        COMM, [c1], ReviewAction(kind="claim"), ReviewContext(now=web.store.clock())
    )
    answers = service(web.store)
    answer_id = answers.write(COMM, c1, "final", "처리 완료했습니다")
    answers.confirm_manual(COMM, answer_id)
    review = review_of(web.store, c1)
    assert (review["status"], review["claimed_by"]) == ("최종 답변", None)


def test_templates_are_the_offices_and_name_only_known_placeholders(web: Web) -> None:
    answers = service(web.store)
    with pytest.raises(AnswerError, match="소통담당관"):
        answers.add_template(DEPT, "안내", "본문")
    with pytest.raises(AnswerError, match="자리표시자 \\{주소\\}"):
        answers.add_template(COMM, "안내", "{주소}로 오세요")
    answers.add_template(COMM, "공통", "{부서명}({전화번호}) {접수번호}")
    answers.add_template(COMM, "주차", "주차 안내", department="주차관리과")
    answers.add_template(COMM, "청소", "청소 안내", department="청소행정과")
    assert [t["title"] for t in answers.templates("주차관리과")] == ["공통", "주차"]


def test_forgetting_a_resident_removes_the_answers_to_their_comment(web: Web) -> None:
    store, comment_id = web.store, web.ids["c1"]
    assign(store, comment_id)
    answer_id = service(store).write(DEPT, comment_id, "first", "안내드립니다")
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT platform, author_id FROM comment WHERE id = :id"), {"id": comment_id}
        ).one()
    entry = AccessEntry(staff="admin1", action="privacy_forget", role="admin")
    store.privacy.forget_author(row.platform, row.author_id, None, "Asia/Seoul", entry)
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(ANSWER.c.id).where(ANSWER.c.id == answer_id)).all()
    assert left == []
