"""What staff do with answers: write, approve, send back, confirm a manual post, retry,
cancel; and the office's templates. Plain methods the web and the CLI call directly.

Every step checks the actor's role and department, moves the answer along its state
machine (`aggregator.answers.states`), and writes one `review_event` and one access-log
record in the same transaction. No platform is ever called here: the worker posts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aggregator import text_input
from aggregator.answers import preview
from aggregator.answers.states import (
    AnswerError,
    AnswerKind,
    AnswerState,
    check_move,
    parse_kind,
    status_after_answer,
)
from aggregator.answers.template_admin import TemplateAdmin
from aggregator.config_review import AnswersSection
from aggregator.store import Store
from aggregator.store.answers_repo import AccessEntry, AnswerUnit
from aggregator.workflow import (
    OFFICE_ROLES,
    Actor,
    Role,
    Status,
    check_in_scope,
)

MAX_TEXT = preview.LONGEST_INPUT
"""The longest answer stored (YouTube's 10,000 characters); each comment's platform rule
caps it further (`AnswerRule.input_max`: 8,000 unless a platform takes more characters)."""
MAX_NOTE = 1000
MAX_URL = 2000
Changing = tuple[AnswerUnit, dict[str, Any], dict[str, Any], datetime]
"""What a staff step on one answer works on: (the step's unit, answer, review row, now)."""
T = TypeVar("T")
WORKER = Actor("answers-worker", Role.ADMIN)
"""Who the history names for the worker's steps."""


@dataclass(frozen=True)
class Step:
    """One staff step on one answer: the review event and access-log action it writes."""

    action: str
    detail: dict[str, Any]


class AnswerService(TemplateAdmin):
    """The answers workflow over a store; `client_ip` goes to the access log."""

    def __init__(self, store: Store, settings: AnswersSection) -> None:
        self.store = store
        self.settings = settings

    # writing ------------------------------------------------------------------------
    def write(
        self, actor: Actor, comment_id: int, kind: str, text: str, client_ip: str | None = None
    ) -> int:
        """Write an answer: pending approval for a department officer (when approval is
        required), approved at once for the office. Return the answer's id."""
        answer_kind = parse_kind(kind)
        body = _clean_text(text)
        now = self.store.clock()

        def write_step(unit: AnswerUnit) -> int:
            current = self._review_for(unit, actor, comment_id, now)
            _check_length(unit, comment_id, body)
            if unit.in_flight(comment_id) is not None:
                raise AnswerError("이 댓글에는 이미 처리 중인 답변이 있습니다")
            state = self._state_after_writing(actor)
            values: dict[str, Any] = {
                "comment_id": comment_id, "kind": answer_kind.value, "text": body,
                "state": state.value, "idempotency_key": uuid.uuid4().hex,
                "written_by": actor.name, "created_at": now, "attempts": 0,
            }  # fmt: skip
            if state == AnswerState.APPROVED:
                values.update(approved_by=actor.name, approved_at=now)
            answer_id = unit.insert_answer(**values)
            detail = {"answer": answer_id, "kind": answer_kind.value, "state": state.value}
            step = Step("answer_write", detail)
            self._log(unit, actor, current, step, now, client_ip)
            return answer_id

        return self.store.answers.answer_step(write_step)

    def resubmit(
        self, actor: Actor, answer_id: int, text: str, client_ip: str | None = None
    ) -> None:
        """The writer's corrected text after a send-back: a draft goes up for approval again."""
        body = _clean_text(text)

        def change(changing: Changing) -> None:
            unit, answer, current, now = changing
            target = self._state_after_writing(actor)
            check_move(AnswerState(answer["state"]), target)
            _check_length(unit, answer["comment_id"], body)
            values: dict[str, Any] = {"text": body, "state": target.value}
            if target == AnswerState.APPROVED:
                values.update(approved_by=actor.name, approved_at=now)
            self._move(unit, answer, **values)
            step = Step("answer_resubmit", {"answer": answer_id, "state": target.value})
            self._log(unit, actor, current, step, now, client_ip)

        self._change(actor, answer_id, change)

    # approval -----------------------------------------------------------------------
    def approve(
        self, actor: Actor, answer_id: int, text: str | None = None, client_ip: str | None = None
    ) -> None:
        """The office approves an answer, with its own edit of the text when given."""
        _require_office(actor, "승인")

        def change(changing: Changing) -> None:
            unit, answer, current, now = changing
            check_move(AnswerState(answer["state"]), AnswerState.APPROVED)
            if answer["state"] != AnswerState.PENDING_APPROVAL:
                raise AnswerError("승인 대기 중인 답변이 아닙니다")
            values: dict[str, Any] = {"state": AnswerState.APPROVED.value}
            values.update(approved_by=actor.name, approved_at=now, send_back_note=None)
            edited = text is not None and _clean_text(text) != answer["text"]
            if edited and text is not None:
                values["text"] = _clean_text(text)
                _check_length(unit, answer["comment_id"], values["text"])
            self._move(unit, answer, **values)
            step = Step("answer_approve", {"answer": answer_id, "edited": edited})
            self._log(unit, actor, current, step, now, client_ip)

        self._change(actor, answer_id, change)

    def send_back(
        self, actor: Actor, answer_id: int, note: str, client_ip: str | None = None
    ) -> None:
        """The office returns an answer to its writer with a note (it becomes a draft)."""
        _require_office(actor, "반려")
        clean_note = _clean(note, MAX_NOTE, "반려 사유", multiline=True)

        def change(changing: Changing) -> None:
            unit, answer, current, now = changing
            if answer["state"] != AnswerState.PENDING_APPROVAL:
                raise AnswerError("승인 대기 중인 답변이 아닙니다")
            self._move(unit, answer, state=AnswerState.DRAFT.value, send_back_note=clean_note)
            step = Step("answer_send_back", {"answer": answer_id, "note_length": len(clean_note)})
            self._log(unit, actor, current, step, now, client_ip)

        self._change(actor, answer_id, change)

    # after approval -----------------------------------------------------------------
    def confirm_manual(
        self, actor: Actor, answer_id: int, url: str | None = None, client_ip: str | None = None
    ) -> None:
        """Staff posted the approved answer by hand ("게시함"), optionally with its URL."""
        link = _clean_url(url) if url and url.strip() else None

        def change(changing: Changing) -> None:
            unit, answer, current, now = changing
            check_move(AnswerState(answer["state"]), AnswerState.CONFIRMED_MANUAL)
            self._move(
                unit, answer, state=AnswerState.CONFIRMED_MANUAL.value, posted_at=now,
                reply_url=link,
            )  # fmt: skip
            answer.update(reply_url=link)
            answer_visible(unit, actor, answer, current, now, "answer_confirm_manual")
            entry = Step("answer_confirm_manual", {"answer": answer_id, "url": link})
            unit.log_access(_entry(actor, current, entry, client_ip), now)

        self._change(actor, answer_id, change)

    def retry(self, actor: Actor, answer_id: int, client_ip: str | None = None) -> None:
        """Send a failed (or unconfirmed) answer again: approved, attempts start over."""

        def change(changing: Changing) -> None:
            unit, answer, current, now = changing
            check_move(AnswerState(answer["state"]), AnswerState.APPROVED)
            if answer["state"] not in (AnswerState.FAILED, AnswerState.NEEDS_CHECK):
                raise AnswerError("실패했거나 확인이 필요한 답변만 다시 보낼 수 있습니다")
            self._move(
                unit, answer, state=AnswerState.APPROVED.value, attempts=0, next_attempt_at=None
            )
            self._log(
                unit, actor, current, Step("answer_retry", {"answer": answer_id}), now, client_ip
            )

        self._change(actor, answer_id, change)

    def cancel(self, actor: Actor, answer_id: int, client_ip: str | None = None) -> None:
        """Withdraw an answer that has not been posted."""

        def change(changing: Changing) -> None:
            unit, answer, current, now = changing
            check_move(AnswerState(answer["state"]), AnswerState.CANCELLED)
            self._move(unit, answer, state=AnswerState.CANCELLED.value)
            self._log(
                unit, actor, current, Step("answer_cancel", {"answer": answer_id}), now, client_ip
            )

        self._change(actor, answer_id, change)

    # reading and templates ----------------------------------------------------------
    def answers(self, comment_id: int) -> list[dict[str, Any]]:
        """Every answer to a comment, oldest first (`synced`: read back by a sync)."""
        return self.store.answers.answers_to(comment_id)

    def answer(self, answer_id: int) -> dict[str, Any] | None:
        """One answer, or None."""
        return self.store.answers.answer(answer_id)

    def target_row(self, comment_id: int) -> dict[str, Any]:
        """What the comment's reply target is built from (`targets.reply_target`)."""
        return self.store.answers.reply_target_row(comment_id)

    def queue(
        self, states: Collection[AnswerState], department: str | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Answers in `states` (of one department's items when given), oldest first."""
        return self.store.answers.answer_queue([s.value for s in states], department, limit)

    def queue_count(self, states: Collection[AnswerState], department: str | None = None) -> int:
        """How many answers are in `states` (of one department's items when given)."""
        return self.store.answers.answer_queue_count([s.value for s in states], department)

    def state_counts(self) -> dict[str, int]:
        """How many answers are in each state (the demo prints them)."""
        return self.store.answers.answer_state_counts()

    def templates(self, department: str | None) -> list[dict[str, Any]]:
        """Active templates a department's officers may use (theirs and office-wide)."""
        return self.store.answers.templates(department)

    # helpers ------------------------------------------------------------------------
    def _state_after_writing(self, actor: Actor) -> AnswerState:
        if actor.role in OFFICE_ROLES or not self.settings.require_approval:
            return AnswerState.APPROVED
        return AnswerState.PENDING_APPROVAL

    def _review_for(
        self, unit: AnswerUnit, actor: Actor, comment_id: int, now: datetime
    ) -> dict[str, Any]:
        """The comment's review row, after the actor's rights on it were checked."""
        if not actor.can_act:
            raise AnswerError("열람 권한으로는 답변할 수 없습니다")
        current = unit.review(comment_id, now)
        if actor.role not in OFFICE_ROLES:
            check_in_scope(actor, current["department"])
        return current

    def _change(self, actor: Actor, answer_id: int, change: Callable[[Changing], T]) -> T:
        """Run `change` in one write transaction on one answer, locked, after the actor's
        rights on its comment were checked: (unit, answer, review row, now)."""
        now = self.store.clock()

        def step(unit: AnswerUnit) -> T:
            answer = unit.answer(answer_id, lock=True)
            if answer is None:
                raise AnswerError(f"없는 답변입니다: {answer_id}")
            current = self._review_for(unit, actor, answer["comment_id"], now)
            return change((unit, answer, current, now))

        return self.store.answers.answer_step(step)

    @staticmethod
    def _move(unit: AnswerUnit, answer: dict[str, Any], **values: Any) -> None:
        if not unit.move_answer(answer["id"], answer["state"], **values):
            raise AnswerError("답변이 그 사이에 바뀌었습니다. 새로 고쳐 보세요")

    @staticmethod
    def _log(
        unit: AnswerUnit,
        actor: Actor,
        current: dict[str, Any],
        step: Step,
        now: datetime,
        client_ip: str | None,
    ) -> None:
        """The step's review event and access-log record."""
        unit.record_review(actor, current, now, (step.action, step.detail))
        unit.log_access(_entry(actor, current, step, client_ip), now)


def answer_visible(
    unit: AnswerUnit,
    actor: Actor,
    answer: dict[str, Any],
    current: dict[str, Any],
    now: datetime,
    action: str,
) -> None:
    """The resident can see the answer: the review status follows its kind (a final
    answer also releases the claim), recorded as one review event."""
    kind = AnswerKind(answer["kind"])
    target = status_after_answer(Status(current["status"]), kind)
    values: dict[str, Any] = {} if target is None else {"status": target.value}
    if kind == AnswerKind.FINAL:
        values.update(claimed_by=None, claimed_until=None)
    detail = {"answer": answer["id"], "kind": answer["kind"], "url": answer.get("reply_url")}
    unit.record_review(actor, current, now, (action, detail), **values)


def _entry(actor: Actor, current: dict[str, Any], step: Step, client_ip: str | None) -> AccessEntry:
    return AccessEntry(
        staff=actor.name,
        role=actor.role.value,
        client_ip=client_ip,
        action=step.action,
        target=f"comment:{current['comment_id']}",
        detail=step.detail,
    )


def _require_office(actor: Actor, what: str) -> None:
    if actor.role not in OFFICE_ROLES:
        raise AnswerError(f"답변 {what}은(는) 소통담당관만 할 수 있습니다")


def _clean(value: str, limit: int, label: str, multiline: bool = False) -> str:
    """`value` normalised; `AnswerError` naming the field when empty or not storable."""
    normal = text_input.normalise(value, multiline)
    if not normal:
        raise AnswerError(f"{label}을(를) 적어 주세요")
    if len(normal) > limit:
        raise AnswerError(f"{label}이(가) 너무 깁니다: {len(normal):,}자 (최대 {limit:,}자)")
    problem = text_input.problem(normal, limit, multiline)
    if problem is not None:
        raise AnswerError(f"{label}에 쓸 수 없는 제어 문자가 있습니다 ({problem})")
    return normal


def _clean_text(text: str) -> str:
    return _clean(text, MAX_TEXT, "답변", multiline=True)


def _check_length(unit: AnswerUnit, comment_id: int, text: str) -> None:
    """`AnswerError` naming count and limit when the comment's platform would refuse `text`."""
    target = unit.target_row(comment_id)
    rule = preview.rule_for(target["platform"], target["external_id"])
    _clean(text, rule.input_max, "답변", multiline=True)
    preview.check(rule, text, target["author_handle"])


def _clean_url(url: str) -> str:
    link = _clean(url, MAX_URL, "게시 주소")
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AnswerError(f"게시 주소는 http(s) 주소여야 합니다: {link[:80]}")
    return link
