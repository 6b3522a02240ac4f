"""The kinds of notification, their Korean names, and who may choose which."""

from __future__ import annotations

from enum import StrEnum

from aggregator.workflow import Role

OFFICE = "@office"
"""The `department_contact` key of the communications office's own addresses."""
OFFICE_LABEL = "소통담당관 (전체)"


class Kind(StrEnum):
    """What a message is about; staff switch each on or off for themselves."""

    DEPARTMENT = "department"
    HANDLER = "handler"
    APPROVAL = "approval"
    FAILED = "failed"
    DIGEST = "digest"


LABELS = {
    Kind.DEPARTMENT: "우리 부서에 배정·이송된 항목",
    Kind.HANDLER: "나를 담당자로 지정한 항목",
    Kind.APPROVAL: "승인을 기다리는 답변",
    Kind.FAILED: "게시에 실패한 답변",
    Kind.DIGEST: "일일 요약",
}

EVENT_KINDS = (Kind.DEPARTMENT, Kind.HANDLER, Kind.APPROVAL, Kind.FAILED)


def kinds_for(role: Role) -> tuple[Kind, ...]:
    """The event kinds a role can receive (a department officer approves nothing)."""
    if role == Role.DEPARTMENT:
        return (Kind.DEPARTMENT, Kind.HANDLER, Kind.FAILED)
    if role == Role.VIEWER:
        return ()
    return EVENT_KINDS


def place_label(department: str | None) -> str:
    """The Korean name of a contact key: a department, or the office."""
    return OFFICE_LABEL if department in (None, OFFICE) else department
