"""The answer's state machine: pure rules, no SQL.

    draft ──submit──> pending_approval ──approve / edit-and-approve──> approved
      ^                    │ send back (note)                              │
      └────────────────────┘                                               │ worker
                                                                           v
    approved ──> sending ──> posted                          (the platform holds it)
                   │  ├────> approved      (rate limit / network: retry at next_attempt_at)
                   │  ├────> failed        (a person must act: permission, deleted, ...)
                   │  └────> needs_check   (duplicate text the read-back did not find)
    failed / needs_check ──retry──> approved
    approved / failed / needs_check ──confirm by hand──> confirmed_manual
    draft / pending_approval / approved / failed / needs_check ──cancel──> cancelled

A department officer's answer starts in `pending_approval` when `answers.require_approval`
is on; the office's (and every answer when it is off) starts `approved`. `posted` and
`confirmed_manual` are answers the resident can see: the review status follows them.
"""

from __future__ import annotations

from enum import StrEnum

from aggregator.workflow import OPEN_STATUSES, Status, WorkflowError


class AnswerState(StrEnum):
    """Where an answer stands in the outbox."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    SENDING = "sending"
    POSTED = "posted"
    FAILED = "failed"
    NEEDS_CHECK = "needs_check"
    CONFIRMED_MANUAL = "confirmed_manual"
    CANCELLED = "cancelled"


class AnswerKind(StrEnum):
    """1차 답변 or 최종 답변."""

    FIRST = "first"
    FINAL = "final"

    @property
    def status(self) -> Status:
        """The review status an answer of this kind sets once the resident can see it."""
        return Status.FIRST_REPLY if self == AnswerKind.FIRST else Status.FINAL_REPLY


STATE_LABELS = {
    AnswerState.DRAFT: "작성 중",
    AnswerState.PENDING_APPROVAL: "승인 대기",
    AnswerState.APPROVED: "게시 대기",
    AnswerState.SENDING: "게시 중",
    AnswerState.POSTED: "게시됨",
    AnswerState.FAILED: "게시 실패",
    AnswerState.NEEDS_CHECK: "확인 필요",
    AnswerState.CONFIRMED_MANUAL: "직접 게시 확인",
    AnswerState.CANCELLED: "취소",
}

_RETRYABLE_BY_STAFF = frozenset({AnswerState.FAILED, AnswerState.NEEDS_CHECK})
TRANSITIONS: dict[AnswerState, frozenset[AnswerState]] = {
    AnswerState.DRAFT: frozenset(
        {AnswerState.PENDING_APPROVAL, AnswerState.APPROVED, AnswerState.CANCELLED}
    ),
    AnswerState.PENDING_APPROVAL: frozenset(
        {AnswerState.APPROVED, AnswerState.DRAFT, AnswerState.CANCELLED}
    ),
    AnswerState.APPROVED: frozenset(
        {AnswerState.SENDING, AnswerState.CONFIRMED_MANUAL, AnswerState.CANCELLED}
    ),
    AnswerState.SENDING: frozenset(
        {AnswerState.POSTED, AnswerState.APPROVED, *_RETRYABLE_BY_STAFF}
    ),
    AnswerState.FAILED: frozenset(
        {AnswerState.APPROVED, AnswerState.CONFIRMED_MANUAL, AnswerState.CANCELLED}
    ),
    AnswerState.NEEDS_CHECK: frozenset(
        {AnswerState.APPROVED, AnswerState.CONFIRMED_MANUAL, AnswerState.CANCELLED}
    ),
    AnswerState.POSTED: frozenset(),
    AnswerState.CONFIRMED_MANUAL: frozenset(),
    AnswerState.CANCELLED: frozenset(),
}
"""Allowed moves; anything else is refused."""

VISIBLE = frozenset({AnswerState.POSTED, AnswerState.CONFIRMED_MANUAL})
"""Answers the resident can see."""
IN_FLIGHT = frozenset(
    {
        AnswerState.DRAFT,
        AnswerState.PENDING_APPROVAL,
        AnswerState.APPROVED,
        AnswerState.SENDING,
        AnswerState.FAILED,
        AnswerState.NEEDS_CHECK,
    }
)
"""Answers still on their way: a comment has at most one."""


class AnswerError(WorkflowError):
    """A change of an answer the rules refuse; the message is shown to staff (Korean)."""


def check_move(current: AnswerState, target: AnswerState) -> None:
    """Raise `AnswerError` unless `current -> target` is allowed."""
    if target not in TRANSITIONS[current]:
        before, after = STATE_LABELS[current], STATE_LABELS[target]
        raise AnswerError(f"'{before}' 상태의 답변은 '{after}'(으)로 바꿀 수 없습니다")


def status_after_answer(current: Status, kind: AnswerKind) -> Status | None:
    """The review status once the resident can see an answer of `kind`, or None to keep
    `current`: an open item (신규 too) takes the answer's status, a 1차 답변 item takes a
    최종 답변; a closed or set-aside item keeps its status (the answer is still recorded)."""
    if current in OPEN_STATUSES or (current, kind) == (Status.FIRST_REPLY, AnswerKind.FINAL):
        return kind.status
    return None


def parse_kind(value: str) -> AnswerKind:
    """An answer kind from `first`/`final` (or 1차/최종); `AnswerError` otherwise."""
    aliases = {"1차": AnswerKind.FIRST, "최종": AnswerKind.FINAL}
    try:
        return aliases.get(value) or AnswerKind(value)
    except ValueError:
        raise AnswerError(f"알 수 없는 답변 종류 '{value}' (first 또는 final)") from None
