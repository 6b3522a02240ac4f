"""The office's 상용구 (answer templates): edit, retire and bring back, the management
list with its last change, Korean refusals and the access log; on both back ends."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from aggregator.answers import templates
from aggregator.answers.service import AnswerService
from aggregator.answers.states import AnswerError
from aggregator.answers.template_admin import TemplateConflict
from aggregator.config_review import AnswersSection
from aggregator.store.access_log import LogFilter
from aggregator.workflow import Actor, Role
from tests.fixtures_web import DEPARTMENTS, Web

COMM = Actor("comm1", Role.COMMUNICATIONS)
ADMIN = Actor("admin1", Role.ADMIN)
DEPT = Actor("dept1", Role.DEPARTMENT, "주차관리과")
VIEWER = Actor("viewer1", Role.VIEWER)
BODY = "{부서명}입니다. 문의는 {전화번호}로 주세요. ({접수번호})"


def service(web: Web) -> AnswerService:
    return AnswerService(web.store, AnswersSection(office_phone="02-100-0000"))


def edit(title: str, body: str, department: str | None = None, **more: str) -> dict[str, Any]:
    return {"title": title, "body": body, "department": department, **more}


def logged(web: Web, action: str) -> list[dict[str, Any]]:
    return web.store.staff.access_log(LogFilter(action=action), limit=20)


def test_editing_a_template_changes_it_and_is_logged_with_what_changed(web: Web) -> None:
    answers = service(web)
    template_id = answers.add_template(COMM, "주차 안내", BODY, client_ip="10.0.0.7")
    assert answers.update_template(
        ADMIN, template_id, edit("주차 단속 안내", BODY, "주차관리과"), client_ip="10.0.0.8"
    )
    found = answers.template(COMM, template_id)
    assert (found["title"], found["department"]) == ("주차 단속 안내", "주차관리과")
    entry = logged(web, "answer_template_edit")[0]
    assert (entry["staff"], entry["client_ip"], entry["target"]) == (
        "admin1",
        "10.0.0.8",
        f"answer_template:{template_id}",
    )
    assert json.loads(entry["detail"])["changed"] == ["department", "title"]
    assert logged(web, "answer_template_add")[0]["client_ip"] == "10.0.0.7"


def test_an_edit_that_changes_nothing_writes_nothing(web: Web) -> None:
    answers = service(web)
    template_id = answers.add_template(COMM, "안내", BODY)
    assert not answers.update_template(COMM, template_id, edit(" 안내 ", BODY + "  "))
    assert logged(web, "answer_template_edit") == []


def test_an_edit_made_meanwhile_by_someone_else_is_not_overwritten(web: Web) -> None:
    answers = service(web)
    template_id = answers.add_template(COMM, "안내", BODY)
    version = answers.template(COMM, template_id)["version"]
    answers.update_template(ADMIN, template_id, edit("관리자의 안내", BODY, version=version))
    with pytest.raises(TemplateConflict, match="그 사이에"):
        answers.update_template(COMM, template_id, edit("내 안내", BODY, version=version))
    assert answers.template(COMM, template_id)["title"] == "관리자의 안내"


def test_retiring_hides_a_template_from_the_answer_box_and_bringing_it_back_restores_it(
    web: Web,
) -> None:
    answers = service(web)
    template_id = answers.add_template(COMM, "공통 안내", BODY)
    assert answers.set_template_active(COMM, template_id, False)
    assert answers.templates("주차관리과") == []
    assert not answers.set_template_active(COMM, template_id, False)  # already retired
    assert answers.set_template_active(ADMIN, template_id, True)
    assert [t["id"] for t in answers.templates("주차관리과")] == [template_id]
    actions = [e["action"] for e in web.store.staff.access_log(LogFilter(), limit=20)]
    assert actions.count("answer_template_deactivate") == 1
    assert actions.count("answer_template_reactivate") == 1


def test_the_office_lists_every_template_with_its_last_change(web: Web, clock: Any) -> None:
    answers = service(web)
    office = answers.add_template(COMM, "공통", BODY)
    parking = answers.add_template(COMM, "주차", BODY, department="주차관리과")
    retired = answers.add_template(COMM, "옛 안내", BODY)
    answers.set_template_active(COMM, retired, False)
    changed_at = clock.advance(hours=2)
    answers.update_template(ADMIN, parking, edit("주차 안내", BODY, "주차관리과"))
    listed = answers.template_list(COMM)
    assert [t["id"] for t in listed] == [office, parking, retired]  # active first
    by_id = {t["id"]: t for t in listed}
    assert (by_id[parking]["changed_by"], by_id[parking]["changed_at"]) == ("admin1", changed_at)
    assert by_id[office]["changed_at"] is None  # never changed since it was added
    assert by_id[retired]["changed_by"] == "comm1"


def test_a_department_officer_sees_only_the_active_templates_they_can_use(web: Web) -> None:
    answers = service(web)
    answers.add_template(COMM, "공통", BODY)
    answers.add_template(COMM, "주차", BODY, department="주차관리과")
    answers.add_template(COMM, "청소", BODY, department="청소행정과")
    retired = answers.add_template(COMM, "옛 주차", BODY, department="주차관리과")
    answers.set_template_active(COMM, retired, False)
    assert [t["title"] for t in answers.template_list(DEPT)] == ["공통", "주차"]
    with pytest.raises(AnswerError, match="소통담당관"):
        answers.template_list(VIEWER)


@pytest.mark.parametrize("actor", [DEPT, VIEWER])
def test_only_the_office_changes_templates(web: Web, actor: Actor) -> None:
    answers = service(web)
    template_id = answers.add_template(COMM, "안내", BODY)
    with pytest.raises(AnswerError, match="상용구 관리는 소통담당관만"):
        answers.update_template(actor, template_id, edit("바꿈", BODY))
    with pytest.raises(AnswerError, match="상용구 관리는 소통담당관만"):
        answers.set_template_active(actor, template_id, False)
    assert answers.template(COMM, template_id)["title"] == "안내"
    assert answers.templates(None)[0]["active"]


@pytest.mark.parametrize(
    ("title", "body", "department", "message"),
    [
        ("  ", BODY, None, "제목을\\(를\\) 적어 주세요"),
        ("안내", "\n ", None, "본문을\\(를\\) 적어 주세요"),
        ("가" * 101, BODY, None, "제목은\\(는\\) 100자까지 .*지금 101자"),
        ("안내", "가" * 8001, None, "본문은\\(는\\) 8,000자까지 .*지금 8,001자"),
        ("안\x1b내", BODY, None, "제목의 2번째 글자는 .*U\\+001B"),
        ("안내", "{주소}로 오세요", None, "알 수 없는 자리표시자 \\{주소\\}"),
        ("안내", BODY, "없는과", "설정에 없는 부서입니다: 없는과"),
    ],
)
def test_bad_template_input_is_refused_in_korean_and_the_stored_one_kept(
    web: Web, title: str, body: str, department: str | None, message: str
) -> None:
    answers = service(web)
    template_id = answers.add_template(COMM, "안내", BODY)
    with pytest.raises(AnswerError, match=message):
        answers.update_template(
            COMM, template_id, edit(title, body, department), known_departments=DEPARTMENTS
        )
    with pytest.raises(AnswerError, match=message):
        answers.add_template(COMM, title, body, department, known_departments=DEPARTMENTS)
    kept = answers.template(COMM, template_id)
    assert (kept["title"], kept["body"], kept["department"]) == ("안내", BODY, None)
    assert [t["id"] for t in answers.template_list(COMM)] == [template_id]


def test_a_missing_template_is_named(web: Web) -> None:
    answers = service(web)
    with pytest.raises(AnswerError, match="없는 상용구입니다: 999"):
        answers.set_template_active(COMM, 999, False)
    with pytest.raises(AnswerError, match="없는 상용구입니다: 999"):
        answers.update_template(COMM, 999, edit("안내", BODY))


def test_the_preview_fills_known_values_and_names_the_missing_ones() -> None:
    section = AnswersSection(office_phone="02-100-0000", phones={"주차관리과": "02-100-2000"})
    values = templates.values_for("주차관리과", section.phone_for("주차관리과"), None, 42)
    text, missing = templates.preview(BODY + " 담당 {담당자}", values)
    assert text == "주차관리과입니다. 문의는 02-100-2000로 주세요. (No.42) 담당 {담당자}"
    assert missing == ["담당자"]


def test_the_last_change_follows_the_clock_of_the_store(web: Web, clock: Any) -> None:
    answers = service(web)
    template_id = answers.add_template(COMM, "안내", BODY)
    later = clock.advance(days=3)
    answers.set_template_active(COMM, template_id, False)
    listed = answers.template_list(ADMIN)[0]
    assert listed["changed_at"] == later
    assert listed["created_at"] == later - timedelta(days=3)
