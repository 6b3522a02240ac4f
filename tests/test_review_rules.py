"""Pure rules of the review inbox: workflow, deadlines, routing, PII, users, config."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from aggregator import pii
from aggregator.config import ConfigError, parse_settings
from aggregator.config_review import RoutingRule
from aggregator.deadlines import (
    add_business_days,
    business_days_left,
    deadline_for,
    is_business_day,
    overdue_cutoff,
)
from aggregator.routing import Router
from aggregator.users import UserError, check_new_user, check_password, verify_password
from aggregator.workflow import (
    Actor,
    Role,
    Status,
    WorkflowError,
    check_status_permission,
    check_transition,
    status_after_assignment,
)
from tests.fixtures_web import FAST_HASHER

SEOUL = "Asia/Seoul"


# workflow -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.NEW, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.ASSIGNED),
        (Status.ASSIGNED, Status.FIRST_REPLY),
        (Status.FIRST_REPLY, Status.FINAL_REPLY),
        (Status.FINAL_REPLY, Status.CLOSED),
        (Status.CLOSED, Status.IN_REVIEW),
        (Status.SPAM, Status.IN_REVIEW),
    ],
)
def test_allowed_transitions_pass(current: Status, target: Status) -> None:
    check_transition(current, target, None, None)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.NEW, Status.FINAL_REPLY),
        (Status.CLOSED, Status.FIRST_REPLY),
        (Status.FINAL_REPLY, Status.NEW),
        (Status.HIDDEN, Status.CLOSED),
        (Status.NEW, Status.NEW),
    ],
)
def test_other_transitions_are_refused(current: Status, target: Status) -> None:
    with pytest.raises(WorkflowError):
        check_transition(current, target, None, None)


def test_hiding_and_spam_need_a_mois_reason() -> None:
    with pytest.raises(WorkflowError, match="사유"):
        check_transition(Status.NEW, Status.SPAM, None, None)
    with pytest.raises(WorkflowError, match="사유"):
        check_transition(Status.NEW, Status.HIDDEN, "그냥 싫어서", None)
    check_transition(Status.NEW, Status.HIDDEN, "욕설/비속어", None)


def test_formal_complaint_needs_a_reference_number() -> None:
    with pytest.raises(WorkflowError, match="접수번호"):
        check_transition(Status.IN_REVIEW, Status.FORMAL, None, "  ")
    check_transition(Status.IN_REVIEW, Status.FORMAL, None, "1AA-2611-000123")


def test_departments_answer_but_do_not_hide_and_viewers_change_nothing() -> None:
    officer = Actor("kim", Role.DEPARTMENT, "주차관리과")
    check_status_permission(officer, Status.FIRST_REPLY)
    with pytest.raises(WorkflowError):
        check_status_permission(officer, Status.SPAM)
    with pytest.raises(WorkflowError):
        check_status_permission(Actor("v", Role.VIEWER), Status.IN_REVIEW)


def test_assignment_moves_only_fresh_items_to_assigned() -> None:
    assert status_after_assignment(Status.NEW) == Status.ASSIGNED
    assert status_after_assignment(Status.FIRST_REPLY) == Status.FIRST_REPLY


# deadlines ------------------------------------------------------------------------
def test_weekends_and_korean_holidays_are_not_business_days() -> None:
    assert not is_business_day(date(2026, 11, 21))  # Saturday
    assert not is_business_day(date(2026, 10, 9))  # 한글날 (Friday)
    assert not is_business_day(date(2026, 9, 25))  # 추석
    assert is_business_day(date(2026, 11, 20))


def test_deadline_skips_a_weekend() -> None:
    # written Thursday 2026-11-19 15:00 KST: Fri, Mon, Tue -> due end of Tuesday 11-24
    created = datetime(2026, 11, 19, 6, 0, tzinfo=UTC)
    assert deadline_for(created, 3, SEOUL) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_deadline_skips_a_holiday_and_the_weekend() -> None:
    # written Wednesday 2026-10-07: Thu 8, (Fri 9 한글날), (weekend), Mon 12, Tue 13
    assert add_business_days(date(2026, 10, 7), 3) == date(2026, 10, 13)


def test_deadline_uses_the_local_day_not_the_utc_day() -> None:
    # 2026-11-19 23:30 UTC is already Friday 11-20 08:30 in Seoul
    created = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)
    assert deadline_for(created, 1, SEOUL) == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_overdue_cutoff_agrees_with_deadlines() -> None:
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday noon KST
    cutoff = overdue_cutoff(now, 3, SEOUL)
    for hours in range(0, 24 * 14, 5):
        created = datetime(2026, 11, 8, tzinfo=UTC) + timedelta(hours=hours)
        assert (created < cutoff) == (deadline_for(created, 3, SEOUL) <= now), created


def test_business_days_left_counts_down_and_goes_negative() -> None:
    deadline = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # end of Tue 11-24 KST
    assert business_days_left(deadline, datetime(2026, 11, 20, 3, tzinfo=UTC), SEOUL) == 2
    assert business_days_left(deadline, datetime(2026, 11, 26, 3, tzinfo=UTC), SEOUL) == -2


# routing ----------------------------------------------------------------------------
RULES = [
    RoutingRule(
        name="parking",
        keywords=["주차", "불법 주정차"],
        department="주차관리과",
        tags=["주차"],
        priority="보통",
    ),
    RoutingRule(name="urgent", pattern=r"(위험|사고)", tags=["안전"], priority="높음"),
    RoutingRule(name="ads", pattern=r"(?:대출|카지노|https?://bit\.ly)", spam=True),
    RoutingRule(name="trash", keywords=["쓰레기"], department="청소행정과", tags=["청소"]),
]


def test_routing_combines_every_matching_rule() -> None:
    found = Router(RULES).suggest("주차장 입구가 위험해요, 사고 날 뻔")
    assert found is not None
    assert (found.department, found.tags, found.priority) == (
        "주차관리과",
        ("주차", "안전"),
        "높음",
    )
    assert found.rules == ("parking", "urgent")
    assert not found.spam


def test_routing_first_department_wins_and_spam_is_flagged() -> None:
    found = Router(RULES).suggest("쓰레기 주차 카지노 대출")
    assert found is not None
    assert found.department == "주차관리과"
    assert found.spam


def test_routing_without_a_match_suggests_nothing() -> None:
    assert Router(RULES).suggest("좋은 행사 감사합니다") is None


def test_a_rule_matches_by_any_keyword_in_any_case_or_else_by_its_pattern() -> None:
    rule = RoutingRule(name="cctv", keywords=["cctv", "방범"], pattern=r"카메라", tags=["안전"])
    router = Router([rule])
    assert router.suggest("골목에 CCTV 설치 부탁") is not None  # keyword, other case
    assert router.suggest("방범등이 꺼졌어요") is not None  # the second keyword
    assert router.suggest("감시 카메라가 필요해요") is not None  # no keyword: the pattern
    assert router.suggest("가로등이 꺼졌어요") is None


def test_routing_rules_are_validated_in_the_config() -> None:
    with pytest.raises(ConfigError, match="unknown department"):
        parse_settings(
            "departments: [주차관리과]\nrouting_rules:\n"
            "  - {name: x, keywords: [a], department: 없는과}\n"
        )
    with pytest.raises(ConfigError, match="regular expression"):
        parse_settings("routing_rules:\n  - {name: x, pattern: '(', spam: true}\n")
    with pytest.raises(ConfigError, match="give at least one"):
        parse_settings("routing_rules:\n  - {name: x, keywords: [a]}\n")


# PII -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("연락처 010-1234-5678 입니다", "연락처 [휴대전화 가림] 입니다"),
        ("01012345678로 문자", "[휴대전화 가림]로 문자"),
        ("주민번호 900101-1234567", "주민번호 [주민등록번호 가림]"),
        ("메일 kim.minsu@example.co.kr 로", "메일 [이메일 가림] 로"),
        ("한빛로 123 앞 불법주차", "[주소 가림] 앞 불법주차"),
        ("중앙로12길 34-5 101동 202호 소음", "[주소 가림] 소음"),
        ("사무실 02-123-4567", "사무실 [전화번호 가림]"),
        ("2026년 11월 20일 3시 행사", "2026년 11월 20일 3시 행사"),
    ],
)
def test_pii_is_masked(text: str, masked: str) -> None:
    assert pii.mask(text) == masked


def test_pii_kinds_lists_each_kind_once() -> None:
    assert pii.kinds("010-1111-2222, 010-3333-4444, a@b.kr") == ["휴대전화", "이메일"]


# users -----------------------------------------------------------------------------
def test_new_users_are_validated() -> None:
    assert check_new_user("kim", "viewer", None, ["주차관리과"]) == Role.VIEWER
    with pytest.raises(UserError, match="department"):
        check_new_user("kim", "department", None, ["주차관리과"])
    with pytest.raises(UserError, match="unknown department"):
        check_new_user("kim", "department", "없는과", ["주차관리과"])
    with pytest.raises(UserError, match="role"):
        check_new_user("kim", "root", None, [])
    with pytest.raises(UserError):
        check_password("short")


def test_wrong_passwords_and_broken_hashes_never_raise() -> None:
    stored = FAST_HASHER.hash("correct-horse-9")
    assert verify_password(FAST_HASHER, stored, "correct-horse-9")
    assert not verify_password(FAST_HASHER, stored, "wrong")
    assert not verify_password(FAST_HASHER, "not-a-hash", "wrong")
