"""Review state, history, suggestions, inbox filters and the access log, on both back ends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from aggregator.records import Batch, CommentRecord
from aggregator.store import Store
from aggregator.store.access_log import AccessEntry, LogFilter
from aggregator.store.inbox_query import InboxFilter, Scope
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.conftest import FakeClock
from tests.fixtures_web import Web

COMM = Actor("comm1", Role.COMMUNICATIONS)
DEPT = Actor("dept1", Role.DEPARTMENT, "주차관리과")
DEPT2 = Actor("dept2", Role.DEPARTMENT, "청소행정과")
DEPARTMENTS = ("주차관리과", "청소행정과", "환경과")


def ctx(store: Store) -> ReviewContext:
    return ReviewContext(now=store.clock(), claim_minutes=15, departments=DEPARTMENTS)


def act(store: Store, actor: Actor, comment_id: int, **fields: Any) -> list[tuple[int, str]]:
    result = store.inbox.review(actor, [comment_id], ReviewAction(**fields), ctx(store))
    return result.refused


def keys(web: Web, scope: Scope | None = None, **filters: Any) -> list[str]:
    deadlines = web.app.state.web.deadlines()
    rows, _ = web.store.inbox.inbox_page(InboxFilter(**filters), scope or Scope(), deadlines)
    return sorted(row["external_id"] for row in rows)


def history(store: Store, comment_id: int) -> list[tuple[str, str, str]]:
    found = store.inbox.thread(comment_id)
    assert found is not None
    return [(e["action"], e["from_status"], e["to_status"]) for e in found["history"]]


def test_status_changes_follow_the_workflow_and_are_recorded(web: Web) -> None:
    c1 = web.ids["c1"]
    assert act(web.store, COMM, c1, kind="status", status="확인중") == []
    refused = act(web.store, COMM, c1, kind="status", status="종결")
    assert refused == []
    refused = act(web.store, COMM, c1, kind="status", status="1차 답변")
    assert "바꿀 수 없습니다" in refused[0][1]
    assert history(web.store, c1) == [("status", "신규", "확인중"), ("status", "확인중", "종결")]


def test_spam_needs_a_reason_and_keeps_it(web: Web) -> None:
    c4 = web.ids["c4"]
    assert act(web.store, COMM, c4, kind="status", status="스팸")
    assert act(web.store, COMM, c4, kind="status", status="스팸", reason="광고") == []
    found = web.store.inbox.thread(c4)
    assert found is not None
    assert (found["item"]["status"], found["item"]["reason"]) == ("스팸", "광고")


def test_office_assigns_departments_departments_transfer_with_a_reason(web: Web) -> None:
    c1 = web.ids["c1"]
    assert act(web.store, DEPT, c1, kind="assign_department", department="주차관리과")
    assert act(web.store, COMM, c1, kind="assign_department", department="주차관리과") == []
    assert act(web.store, DEPT2, c1, kind="status", status="1차 답변")  # not their department
    assert act(web.store, DEPT, c1, kind="transfer", department="청소행정과")  # no reason
    assert act(web.store, DEPT, c1, kind="transfer", department="청소행정과", reason="쓰레기") == []
    found = web.store.inbox.thread(c1)
    assert found is not None
    assert (found["item"]["department"], found["item"]["status"]) == ("청소행정과", "부서배정")
    assert found["history"][-1]["detail"] == {
        "from": "주차관리과",
        "to": "청소행정과",
        "reason": "쓰레기",
    }


def test_departments_assign_handlers_of_their_own_department(web: Web) -> None:
    c1 = web.ids["c1"]
    act(web.store, COMM, c1, kind="assign_department", department="주차관리과")
    assert act(web.store, DEPT, c1, kind="assign_handler", assignee="dept2")
    assert act(web.store, DEPT, c1, kind="assign_handler", assignee="viewer1")
    assert act(web.store, DEPT, c1, kind="assign_handler", assignee="dept1") == []
    assert keys(web, assignee="dept1") == ["c1"]


def test_a_claim_blocks_others_until_it_expires(web: Web, clock: FakeClock) -> None:
    c2 = web.ids["c2"]
    assert act(web.store, COMM, c2, kind="claim") == []
    other = Actor("admin1", Role.ADMIN)
    assert "처리 중" in act(web.store, other, c2, kind="status", status="확인중")[0][1]
    clock.advance(minutes=16)
    assert act(web.store, other, c2, kind="status", status="확인중") == []


def test_bulk_actions_do_what_they_can_and_report_the_rest(web: Web) -> None:
    ids = [web.ids["c1"], web.ids["c2"], web.ids["r1"]]
    result = web.store.inbox.review(
        COMM, ids, ReviewAction(kind="status", status="확인중"), ctx(web.store)
    )
    assert result.done == ids[:2]
    assert [comment_id for comment_id, _ in result.refused] == [web.ids["r1"]]
    assert keys(web, status="확인중") == ["c1", "c2"]


def test_tags_notes_and_viewers(web: Web) -> None:
    c2 = web.ids["c2"]
    assert act(web.store, COMM, c2, kind="add_tag", tag="소음") == []
    assert act(web.store, COMM, c2, kind="note", note="현장 확인 예정") == []
    assert act(web.store, Actor("viewer1", Role.VIEWER), c2, kind="add_tag", tag="x")
    found = web.store.inbox.thread(c2)
    assert found is not None
    assert found["item"]["tags"] == ["소음"]
    assert [n["body"] for n in found["notes"]] == ["현장 확인 예정"]
    assert keys(web, tag="소음") == ["c2"]


def test_answered_is_derived_from_the_districts_synced_reply(web: Web) -> None:
    assert keys(web, answered=True) == ["c2"]
    assert "c2" not in keys(web, answered=False)
    account = web.store.sync.ensure_account("fb-page", "facebook")
    reply = CommentRecord(
        platform="facebook",
        external_id="r2",
        created_at=web.store.clock(),
        text="안내드립니다",
        post_external_id="p1",
        parent_external_id="c1",
        by_account_owner=True,
    )
    web.store.sync.apply_batch(account, Batch(stream="t", comments=(reply,)))
    assert keys(web, answered=True) == ["c1", "c2"]


def test_overdue_means_open_unanswered_and_past_the_deadline(web: Web, clock: FakeClock) -> None:
    assert keys(web, overdue=True) == []
    clock.advance(days=7)
    assert keys(web, overdue=True) == ["c1", "c3", "c4", "c5"]  # c2 was answered
    act(web.store, COMM, web.ids["c1"], kind="status", status="확인중")
    act(web.store, COMM, web.ids["c3"], kind="status", status="종결")
    assert keys(web, overdue=True) == ["c1", "c4", "c5"]


def test_department_scope_sees_only_its_items(web: Web) -> None:
    act(web.store, COMM, web.ids["c1"], kind="assign_department", department="주차관리과")
    act(web.store, COMM, web.ids["c2"], kind="assign_department", department="청소행정과")
    scope = Scope(department="주차관리과", restricted=True)
    assert keys(web, scope) == ["c1"]
    assert web.store.inbox.status_counts(scope)["부서배정"] == 1
    assert web.store.inbox.status_counts(Scope())["신규"] == 3


def test_new_status_filter_includes_untouched_comments(web: Web) -> None:
    act(web.store, COMM, web.ids["c1"], kind="status", status="확인중")
    assert keys(web, status="신규") == ["c2", "c3", "c4", "c5"]


def test_review_driven_pages_follow_the_keyset(web: Web) -> None:
    for key in ("c1", "c2", "c3", "c4", "c5"):
        act(web.store, COMM, web.ids[key], kind="status", status="확인중")
    deadlines = web.app.state.web.deadlines()
    f = InboxFilter(status="확인중")
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        rows, cursor = web.store.inbox.inbox_page(f, Scope(), deadlines, cursor, limit=2)
        seen += [row["external_id"] for row in rows]
        if cursor is None:
            break
    assert seen == ["c5", "c4", "c3", "c2", "c1"]


def test_routing_suggestions_are_stored_at_ingest_and_accepted_in_one_click(web: Web) -> None:
    found = web.store.inbox.thread(web.ids["c1"])
    assert found is not None
    assert found["suggestion"]["department"] == "주차관리과"
    assert found["item"]["status"] == "신규"  # a suggestion is not staff state
    assert act(web.store, COMM, web.ids["c1"], kind="accept_suggestion") == []
    after = web.store.inbox.thread(web.ids["c1"])
    assert after is not None
    item = after["item"]
    assert (item["department"], item["status"], item["priority"], item["tags"]) == (
        "주차관리과",
        "부서배정",
        "높음",
        ["주차"],
    )
    assert act(web.store, COMM, web.ids["c4"], kind="accept_suggestion") == []
    spam = web.store.inbox.thread(web.ids["c4"])
    assert spam is not None
    assert (spam["item"]["status"], spam["item"]["reason"]) == ("스팸", "광고")


def test_history_and_access_log_cannot_be_edited(web: Web) -> None:
    act(web.store, COMM, web.ids["c1"], kind="status", status="확인중")
    web.store.staff.log_access(
        AccessEntry(staff="comm1", action="view_comment", target="comment:1")
    )
    for statement in (
        "UPDATE review_event SET actor = 'someone else'",
        "UPDATE access_log SET staff = 'someone else'",
        "DELETE FROM access_log",
    ):
        with pytest.raises(DBAPIError), web.store.engine.begin() as conn:
            conn.exec_driver_sql(statement)


def test_access_log_chain_reveals_tampering(web: Web) -> None:
    for n in range(3):
        web.store.staff.log_access(
            AccessEntry(staff=f"s{n}", action="search", detail={"q": "주차"})
        )
    assert web.store.staff.verify_access_log() is None
    postgres = web.store.engine.dialect.name == "postgresql"
    with web.store.engine.begin() as conn:
        conn.exec_driver_sql(
            "DROP TRIGGER access_log_no_update" + (" ON access_log" if postgres else "")
        )
        second = conn.execute(sa.text("SELECT id FROM access_log ORDER BY id")).all()[1][0]
        conn.execute(sa.text("UPDATE access_log SET staff = 'x' WHERE id = :id"), {"id": second})
    assert web.store.staff.verify_access_log() == second


def test_access_log_filters(web: Web) -> None:
    web.store.staff.log_access(
        AccessEntry(staff="comm1", action="view_comment", target="comment:7")
    )
    web.store.staff.log_access(AccessEntry(staff="dept1", action="search"))
    assert [r["staff"] for r in web.store.staff.access_log(LogFilter(action="search"))] == ["dept1"]
    assert [r["action"] for r in web.store.staff.access_log(LogFilter(staff="comm1"))] == [
        "view_comment"
    ]


def test_failed_logins_lock_the_account(web: Web, clock: FakeClock) -> None:
    found = web.store.staff.user_with_hash("dept1")
    assert found is not None
    user = found[0]
    locked = [web.store.staff.login_failed(user.id, 3, timedelta(minutes=15)) for _ in range(3)]
    assert locked == [False, False, True]
    relocked = web.store.staff.user_with_hash("dept1")
    assert relocked is not None
    assert relocked[0].locked_until == clock.now + timedelta(minutes=15)
