"""답변 불요: closing an item that needs no answer, with a configured reason.

Rules (pure), the config key, the store on SQLite and PostgreSQL (status, reason,
history, filters, overdue, reopening, bulk) and the monthly report's figures.
"""

from __future__ import annotations

from typing import Any

import pytest

from aggregator.config import ConfigError, parse_settings
from aggregator.records import Batch, CommentRecord
from aggregator.reports.service import compute_report
from aggregator.store import Store
from aggregator.store.inbox_query import InboxFilter, Scope
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import (
    DEFAULT_NO_ANSWER_REASONS,
    Actor,
    Role,
    Status,
    WorkflowError,
    check_status_permission,
    check_transition,
    settable_statuses,
)
from tests.conftest import FakeClock
from tests.fixtures_reports import kst, report_settings, seed_month
from tests.fixtures_web import DEPARTMENTS, Web

COMM = Actor("comm1", Role.COMMUNICATIONS)
DEPT = Actor("dept1", Role.DEPARTMENT, "주차관리과")
NO_ANSWER = Status.NO_ANSWER.value


# rules ---------------------------------------------------------------------------
@pytest.mark.parametrize("current", [Status.NEW, Status.IN_REVIEW, Status.ASSIGNED])
def test_open_items_close_as_no_answer_with_a_listed_reason(current: Status) -> None:
    check_transition(current, Status.NO_ANSWER, "감사", None)


def test_no_answer_needs_a_reason_from_the_list_and_names_the_wrong_one() -> None:
    with pytest.raises(WorkflowError, match="답변 불요 처리에는 사유"):
        check_transition(Status.NEW, Status.NO_ANSWER, None, None)
    with pytest.raises(WorkflowError, match="알 수 없는 사유 '귀찮음'"):
        check_transition(Status.NEW, Status.NO_ANSWER, "귀찮음", None)
    with pytest.raises(WorkflowError, match="인사"):
        check_transition(Status.NEW, Status.NO_ANSWER, "감사", None, ("인사",))
    check_transition(Status.NEW, Status.NO_ANSWER, "인사", None, ("인사",))


def test_no_answer_reopens_to_in_review_and_is_not_for_answered_items() -> None:
    check_transition(Status.NO_ANSWER, Status.IN_REVIEW, None, None)
    for target in (Status.CLOSED, Status.FIRST_REPLY, Status.NEW):
        with pytest.raises(WorkflowError):
            check_transition(Status.NO_ANSWER, target, None, None)
    with pytest.raises(WorkflowError):
        check_transition(Status.FIRST_REPLY, Status.NO_ANSWER, "감사", None)


def test_department_officers_may_close_as_no_answer_like_the_other_closings() -> None:
    check_status_permission(DEPT, Status.NO_ANSWER)
    assert Status.NO_ANSWER in settable_statuses(Role.DEPARTMENT)
    assert Status.HIDDEN not in settable_statuses(Role.DEPARTMENT)
    assert settable_statuses(Role.VIEWER) == ()
    with pytest.raises(WorkflowError):
        check_status_permission(Actor("v", Role.VIEWER), Status.NO_ANSWER)


def test_no_answer_reasons_have_a_default_and_are_validated() -> None:
    assert parse_settings("").review.no_answer_reasons == DEFAULT_NO_ANSWER_REASONS
    assert DEFAULT_NO_ANSWER_REASONS == ("단순 의견", "감사", "중복", "대화 종료")
    custom = parse_settings("review: {no_answer_reasons: [감사, ' 인사 ']}")
    assert custom.review.no_answer_reasons == ("감사", "인사")
    for bad, message in (
        ("[]", "at least one"),
        ("[감사, 감사]", "listed twice: 감사"),
        ("['  ']", "empty"),
    ):
        with pytest.raises(ConfigError, match=rf"review\.no_answer_reasons: .*{message}"):
            parse_settings(f"review: {{no_answer_reasons: {bad}}}")


# store (SQLite and PostgreSQL) ----------------------------------------------------
def ctx(store: Store, reasons: tuple[str, ...] = DEFAULT_NO_ANSWER_REASONS) -> ReviewContext:
    return ReviewContext(now=store.clock(), departments=DEPARTMENTS, no_answer_reasons=reasons)


def act(store: Store, actor: Actor, ids: list[int], **fields: Any) -> list[tuple[int, str]]:
    return store.inbox.review(actor, ids, ReviewAction(**fields), ctx(store)).refused


def keys(web: Web, **filters: Any) -> list[str]:
    deadlines = web.app.state.web.deadlines()
    rows, _ = web.store.inbox.inbox_page(InboxFilter(**filters), Scope(), deadlines)
    return sorted(row["external_id"] for row in rows)


def test_closing_as_no_answer_keeps_the_reason_in_the_item_and_its_history(web: Web) -> None:
    c5 = web.ids["c5"]  # 답변 감사합니다
    assert act(web.store, COMM, [c5], kind="status", status=NO_ANSWER)  # no reason
    assert act(web.store, COMM, [c5], kind="status", status=NO_ANSWER, reason="감사") == []
    found = web.store.inbox.thread(c5)
    assert found is not None
    assert (found["item"]["status"], found["item"]["reason"]) == (NO_ANSWER, "감사")
    last = found["history"][-1]
    assert (last["from_status"], last["to_status"], last["detail"]) == (
        "신규",
        NO_ANSWER,
        {"reason": "감사"},
    )
    assert keys(web, status=NO_ANSWER) == ["c5"]
    assert web.store.inbox.status_counts(Scope())[NO_ANSWER] == 1


def test_the_configured_list_decides_which_reasons_are_accepted(web: Web) -> None:
    c5 = web.ids["c5"]
    custom = ("인사",)
    refused = web.store.inbox.review(
        COMM,
        [c5],
        ReviewAction(kind="status", status=NO_ANSWER, reason="감사"),
        ctx(web.store, custom),
    ).refused
    assert "알 수 없는 사유 '감사'" in refused[0][1]
    done = web.store.inbox.review(
        COMM,
        [c5],
        ReviewAction(kind="status", status=NO_ANSWER, reason="인사"),
        ctx(web.store, custom),
    ).done
    assert done == [c5]


def test_no_answer_stops_the_deadline_and_leaves_the_overdue_list(
    web: Web, clock: FakeClock
) -> None:
    clock.advance(days=10)
    assert "c5" in keys(web, overdue=True)
    assert (
        act(web.store, COMM, [web.ids["c5"]], kind="status", status=NO_ANSWER, reason="감사") == []
    )
    assert "c5" not in keys(web, overdue=True)


def test_reopening_goes_back_to_in_review_and_drops_the_reason(web: Web) -> None:
    c5 = web.ids["c5"]
    act(web.store, COMM, [c5], kind="status", status=NO_ANSWER, reason="대화 종료")
    assert act(web.store, COMM, [c5], kind="status", status="확인중") == []
    found = web.store.inbox.thread(c5)
    assert found is not None
    assert (found["item"]["status"], found["item"]["reason"]) == ("확인중", None)


def test_bulk_no_answer_closes_what_it_may_and_says_why_not_for_the_rest(web: Web) -> None:
    c1, c2, c5 = web.ids["c1"], web.ids["c2"], web.ids["c5"]
    act(web.store, COMM, [c2], kind="status", status="확인중")
    act(web.store, COMM, [c2], kind="status", status="1차 답변")
    result = web.store.inbox.review(
        COMM,
        [c1, c2, c5],
        ReviewAction(kind="status", status=NO_ANSWER, reason="단순 의견"),
        ctx(web.store),
    )
    assert result.done == [c1, c5]
    assert result.refused == [(c2, "'1차 답변'에서 '답변 불요'(으)로 바꿀 수 없습니다")]


def test_department_officer_closes_own_items_as_no_answer(web: Web) -> None:
    c1 = web.ids["c1"]
    act(web.store, COMM, [c1], kind="assign_department", department="주차관리과")
    assert act(web.store, DEPT, [c1], kind="status", status=NO_ANSWER, reason="중복") == []


# monthly report ------------------------------------------------------------------
def _thank_you(store: Store) -> int:
    """A resident's thank-you in October, never answered (its deadline passed)."""
    account = store.sync.ensure_account("fb-page", "facebook")
    thanks = CommentRecord(
        platform="facebook",
        external_id="thanks",
        created_at=kst(2026, 10, 14, 10),
        text="친절한 안내 감사합니다",
        post_external_id="p1",
        author_id="u-thanks",
        author_name="주민",
    )
    store.sync.apply_batch(account, Batch(stream="t", comments=(thanks,)))
    with store.engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT id FROM comment WHERE external_id = 'thanks'")
        return int(found.scalar_one())


def test_a_thank_you_closed_as_no_answer_no_longer_counts_as_missed(
    store: Store, clock: FakeClock
) -> None:
    seed_month(store)
    thanks = _thank_you(store)
    clock.now = kst(2026, 11, 20, 12)
    before = compute_report(store, report_settings(), "2026-10").figures
    assert thanks in before["overdue"]
    assert before["compliance"]["missed"] == 7
    closed = store.inbox.review(
        COMM,
        [thanks],
        ReviewAction(kind="status", status=NO_ANSWER, reason="감사"),
        ReviewContext(now=kst(2026, 10, 14, 11)),
    )
    assert closed.done == [thanks]
    after = compute_report(store, report_settings(), "2026-10").figures
    assert after["compliance"] == {
        "met": before["compliance"]["met"],
        "missed": 6,
        "pending": 0,
        "rate": round(2 / 8, 4),
    }
    assert thanks not in after["overdue"]
    assert dict(map(tuple, after["by_status"]))[NO_ANSWER] == 1
    # it needed no answer, so it is not an unanswered comment either
    assert before["headline"]["two_way_rate"] == round(2 / 9, 4)
    assert after["headline"]["two_way_rate"] == round(2 / 8, 4)
    rows = {r.id: r for r in compute_report(store, report_settings(), "2026-10").rows}
    assert rows[thanks].deadline_met is None
    assert not rows[thanks].overdue


def test_no_answer_rows_show_no_deadline_in_the_inbox(web: Web) -> None:
    c5 = web.ids["c5"]
    act(web.store, COMM, [c5], kind="status", status=NO_ANSWER, reason="감사")
    client = web.client("communications")
    page = client.get("/inbox", params={"status": NO_ANSWER})
    assert page.status_code == 200
    assert "답변 감사합니다" in page.text
    assert "까지</small>" not in page.text
