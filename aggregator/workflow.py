"""The review workflow: statuses, allowed transitions, reasons and who may do what.

Pure rules, no SQL: the store applies a change only after `check_transition` and
`check_permission` said yes. The words are the district's (PRODUCT.md):

    신규 -> 확인중 -> 부서배정 -> 1차 답변 -> 최종 답변 -> 종결

plus 숨김 and 스팸 (a reason from the MOIS guideline's categories is required),
답변 불요 (no answer needed: thanks, simple opinions, duplicates, chatter; a reason from
the configured `review.no_answer_reasons`) and 정식민원 전환 (with the formal
complaint's reference number from 국민신문고/새올).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Where a comment stands in the review."""

    NEW = "신규"
    IN_REVIEW = "확인중"
    ASSIGNED = "부서배정"
    FIRST_REPLY = "1차 답변"
    FINAL_REPLY = "최종 답변"
    CLOSED = "종결"
    NO_ANSWER = "답변 불요"
    HIDDEN = "숨김"
    SPAM = "스팸"
    FORMAL = "정식민원 전환"


class Role(StrEnum):
    """Staff roles; every web route names the roles it admits."""

    ADMIN = "admin"
    COMMUNICATIONS = "communications"
    DEPARTMENT = "department"
    VIEWER = "viewer"


ROLE_LABELS = {
    Role.ADMIN: "관리자",
    Role.COMMUNICATIONS: "소통담당관",
    Role.DEPARTMENT: "부서 담당자",
    Role.VIEWER: "열람자",
}

MOIS_REASONS = (
    "욕설/비속어",
    "음란",
    "광고",
    "개인정보 노출",
    "명예훼손",
    "도배/반복 게시",
)
"""Reasons a comment may be hidden or marked as spam (행정안전부 SNS 소통민원 지침)."""

DEFAULT_NO_ANSWER_REASONS = ("단순 의견", "감사", "중복", "대화 종료")
"""Why an item needs no answer (답변 불요), unless `review.no_answer_reasons` says otherwise."""

STATUSES = tuple(Status)
OPEN_STATUSES = frozenset({Status.NEW, Status.IN_REVIEW, Status.ASSIGNED})
"""Statuses in which the deadline runs (no reply yet and not set aside)."""
REASON_REQUIRED = frozenset({Status.HIDDEN, Status.SPAM})
DEADLINE_EXEMPT = frozenset({Status.HIDDEN, Status.SPAM, Status.NO_ANSWER})
"""Set aside or needing no answer: no deadline outcome, outside the compliance figures."""
REFERENCE_REQUIRED = frozenset({Status.FORMAL})

_REOPEN = {Status.IN_REVIEW}
_SET_ASIDE = {Status.CLOSED, Status.NO_ANSWER, Status.HIDDEN, Status.SPAM, Status.FORMAL}
_ANSWERS = {Status.FIRST_REPLY, Status.FINAL_REPLY}
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.IN_REVIEW, Status.ASSIGNED, *_SET_ASIDE}),
    Status.IN_REVIEW: frozenset({Status.ASSIGNED, *_ANSWERS, *_SET_ASIDE}),
    Status.ASSIGNED: frozenset({Status.IN_REVIEW, *_ANSWERS, *_SET_ASIDE}),
    Status.FIRST_REPLY: frozenset({Status.FINAL_REPLY, Status.CLOSED, Status.FORMAL}),
    Status.FINAL_REPLY: frozenset({Status.CLOSED, *_REOPEN}),
    Status.CLOSED: frozenset(_REOPEN),
    Status.NO_ANSWER: frozenset(_REOPEN),
    Status.HIDDEN: frozenset(_REOPEN),
    Status.SPAM: frozenset(_REOPEN),
    Status.FORMAL: frozenset({Status.CLOSED, *_REOPEN}),
}
"""Allowed moves; anything else is refused. Reopening always goes back to 확인중."""

DEPARTMENT_MAY_SET = frozenset(
    {
        Status.IN_REVIEW,
        Status.FIRST_REPLY,
        Status.FINAL_REPLY,
        Status.CLOSED,
        Status.NO_ANSWER,
        Status.FORMAL,
    }
)
"""Department officers answer and close; hiding and spam stay with the communications office."""

STAFF_ROLES = frozenset({Role.ADMIN, Role.COMMUNICATIONS, Role.DEPARTMENT})
OFFICE_ROLES = frozenset({Role.ADMIN, Role.COMMUNICATIONS})
ALL_ROLES = frozenset(Role)


class WorkflowError(ValueError):
    """A change the rules do not allow; the message is shown to staff (in Korean)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff account's name, role and department."""

    name: str
    role: Role
    department: str | None = None

    @property
    def can_act(self) -> bool:
        """Viewers read; everyone else may change review state."""
        return self.role in STAFF_ROLES


def check_transition(
    current: Status,
    target: Status,
    reason: str | None,
    reference: str | None,
    no_answer_reasons: Sequence[str] = DEFAULT_NO_ANSWER_REASONS,
) -> None:
    """Raise `WorkflowError` unless `current -> target` is allowed with these details."""
    if target == current:
        raise WorkflowError(f"이미 '{target}' 상태입니다")
    if target not in TRANSITIONS[current]:
        raise WorkflowError(f"'{current}'에서 '{target}'(으)로 바꿀 수 없습니다")
    if target in REASON_REQUIRED and reason not in MOIS_REASONS:
        raise WorkflowError(f"'{target}' 처리에는 사유({', '.join(MOIS_REASONS)})가 필요합니다")
    if target == Status.NO_ANSWER and reason not in no_answer_reasons:
        given = f"알 수 없는 사유 '{reason}'입니다. " if reason else ""
        raise WorkflowError(
            f"{given}답변 불요 처리에는 사유({', '.join(no_answer_reasons)})가 필요합니다"
        )
    if target in REFERENCE_REQUIRED and not (reference or "").strip():
        raise WorkflowError("정식민원 전환에는 접수번호가 필요합니다")


def check_status_permission(actor: Actor, target: Status) -> None:
    """Raise `WorkflowError` when the actor's role may not set this status."""
    if not actor.can_act:
        raise WorkflowError("열람 권한으로는 바꿀 수 없습니다")
    if actor.role == Role.DEPARTMENT and target not in DEPARTMENT_MAY_SET:
        raise WorkflowError(f"'{target}' 처리는 소통담당관만 할 수 있습니다")


def settable_statuses(role: Role) -> tuple[Status, ...]:
    """The statuses a role may set at all (forms offer these, in workflow order)."""
    if role not in STAFF_ROLES:
        return ()
    targets = set().union(*TRANSITIONS.values())
    if role == Role.DEPARTMENT:
        targets &= DEPARTMENT_MAY_SET
    return tuple(s for s in STATUSES if s in targets)


def may_set(role: Role, statuses: Iterable[Status]) -> list[Status]:
    """Of `statuses`, those `role` may set, in workflow order."""
    allowed = set(settable_statuses(role))
    return sorted((s for s in statuses if s in allowed), key=STATUSES.index)


def check_in_scope(actor: Actor, department: str | None) -> None:
    """Department officers act only on items of their own department."""
    if actor.role == Role.DEPARTMENT and (department is None or department != actor.department):
        raise WorkflowError("우리 부서에 배정된 항목이 아닙니다")


def check_assign_department(actor: Actor) -> None:
    """Only the communications office (and admins) assign departments; departments transfer."""
    if actor.role not in OFFICE_ROLES:
        raise WorkflowError("부서 배정은 소통담당관만 할 수 있습니다 (부서는 이송을 사용하세요)")


def status_after_assignment(current: Status) -> Status:
    """Assigning a department moves a fresh item to 부서배정; later statuses stay."""
    return Status.ASSIGNED if current in (Status.NEW, Status.IN_REVIEW) else current


def parse_status(value: str) -> Status:
    """A status from its Korean word; `WorkflowError` for anything else."""
    if not value:
        raise WorkflowError("상태를 선택해 주세요")
    try:
        return Status(value)
    except ValueError:
        raise WorkflowError(f"알 수 없는 상태 '{value}'") from None
