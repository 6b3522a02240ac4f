"""What the thread page's answer area and the approval queue show (`_answers.html`,
`answers_queue.html`): the answers with the steps this viewer may take, the answer box
with its 상용구 and preview, and the queue's sections. Reading only; the steps are posted
to `aggregator.web.views_answers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aggregator.answers import preview, templates
from aggregator.answers.service import AnswerService
from aggregator.answers.states import (
    IN_FLIGHT,
    STATE_LABELS,
    TRANSITIONS,
    VISIBLE,
    AnswerError,
    AnswerKind,
    AnswerState,
)
from aggregator.answers.targets import reply_target
from aggregator.workflow import OFFICE_ROLES, Role, Status
from connectors.writers import can_write

if TYPE_CHECKING:
    from aggregator.web.core import Ctx

KIND_LABELS = {AnswerKind.FIRST: "1차 답변", AnswerKind.FINAL: "최종 답변"}
OFFICE_QUEUE = (AnswerState.PENDING_APPROVAL,)
"""What waits for the office (the nav link's count)."""
DEPARTMENT_QUEUE = (AnswerState.DRAFT, AnswerState.FAILED, AnswerState.NEEDS_CHECK)
"""What waits for a department officer: sent back, failed, unconfirmed."""
TROUBLE = (AnswerState.FAILED, AnswerState.NEEDS_CHECK)
EXCERPT = 80


@dataclass(frozen=True)
class TemplateChoice:
    """One 상용구 in the picker: its text for this comment, or why it cannot be used."""

    id: int
    title: str
    text: str | None
    problem: str | None


def service(ctx: Ctx) -> AnswerService:
    """The answers service over the app's store and settings."""
    return AnswerService(ctx.state.store, ctx.state.settings.answers)


def answer_area(
    ctx: Ctx, item: dict[str, Any], typed: dict[str, str] | None = None
) -> dict[str, Any]:
    """The answer area of a thread: answers, the box (None when this viewer may not
    write now), the platform's rule, and whether answers are copied and confirmed by hand."""
    answers_service = service(ctx)
    target = answers_service.target_row(item["id"])
    rule = preview.rule_for(target["platform"], target["external_id"])
    handle = target["author_handle"]
    manual = by_hand(ctx, target)
    rows = answers_service.answers(item["id"])
    shown = [answer_view(ctx, row, rule, handle, manual) for row in rows]
    return {
        "answers": shown,
        "box": _box(ctx, item, rows, typed or {}, (rule, handle)),
        "rule": rule,
        "handle": (handle or "").lstrip("@"),
        "manual": manual,
        "permalink": item.get("permalink") or item.get("post_url"),
        "in_flight": any(AnswerState(r["state"]) in IN_FLIGHT for r in rows),
    }


def by_hand(ctx: Ctx, target: dict[str, Any]) -> bool:
    """True when the comment's answers are copied and confirmed by hand: hand-entered
    comments, platforms without a write API, accounts without a write credential."""
    return reply_target(target) is None or not _writes(ctx, target["account"])


def answer_view(
    ctx: Ctx, row: dict[str, Any], rule: preview.Rule, handle: str | None, manual: bool
) -> dict[str, Any]:
    """One answer as the page shows it, with the steps this viewer may take."""
    state = AnswerState(row["state"])
    view = dict(row)
    view.update(
        state_label=STATE_LABELS[state],
        kind_label=KIND_LABELS[AnswerKind(row["kind"])],
        steps=steps_for(ctx, state, manual),
        preview=preview.preview(rule, row["text"], handle),
        cause=row["error_message"] if ctx.user.role == Role.ADMIN else None,
    )
    return view


def steps_for(ctx: Ctx, state: AnswerState, manual: bool) -> frozenset[str]:
    """The steps offered on an answer in `state` to this viewer (the service decides)."""
    if not ctx.user.actor.can_act:
        return frozenset()
    steps: set[str] = set()
    if state == AnswerState.PENDING_APPROVAL and ctx.user.role in OFFICE_ROLES:
        steps |= {"approve", "send_back"}
    if state == AnswerState.DRAFT:
        steps.add("resubmit")
    if state in TROUBLE and not manual:
        steps.add("retry")
    if state in TROUBLE or (state == AnswerState.APPROVED and manual):
        steps.add("confirm")
    if AnswerState.CANCELLED in TRANSITIONS[state]:
        steps.add("cancel")
    return frozenset(steps)


def _box(
    ctx: Ctx,
    item: dict[str, Any],
    rows: list[dict[str, Any]],
    typed: dict[str, str],
    shown_as: tuple[preview.Rule, str | None],
) -> dict[str, Any] | None:
    """The answer box, or None for viewers, or while another answer is on its way."""
    if not ctx.user.actor.can_act:
        return None
    if any(AnswerState(r["state"]) in IN_FLIGHT for r in rows):
        return None
    choices = template_choices(ctx, item)
    chosen = ctx.request.query_params.get("template", "")
    picked = next((c for c in choices if str(c.id) == chosen and c.text), None)
    text = typed.get("text") or (picked.text or "" if picked else "")
    return {
        "kind": typed.get("kind") or default_kind(item, rows),
        "text": text,
        "preview": preview.preview(shown_as[0], text, shown_as[1]),
        "templates": choices,
        "kinds": {kind.value: label for kind, label in KIND_LABELS.items()},
    }


def default_kind(item: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """1차 답변 until a first answer reached the resident, then 최종 답변."""
    answered = any(AnswerState(r["state"]) in VISIBLE for r in rows)
    already = item["status"] in (Status.FIRST_REPLY, Status.FINAL_REPLY)
    return (AnswerKind.FINAL if answered or already else AnswerKind.FIRST).value


def template_choices(ctx: Ctx, item: dict[str, Any]) -> list[TemplateChoice]:
    """The department's 상용구 (and the office-wide ones), each filled in for this comment
    and this officer; one whose value is missing says which."""
    department = item["department"]
    values = templates.values_for(
        department, ctx.state.settings.answers.phone_for(department), ctx.user.name, item["id"]
    )
    choices = []
    for row in service(ctx).templates(department):
        try:
            text, problem = templates.expand(row["body"], values), None
        except AnswerError as error:
            text, problem = None, str(error)
        choices.append(TemplateChoice(row["id"], row["title"], text, problem))
    return choices


# the approval queue --------------------------------------------------------------------
def waiting_count(ctx: Ctx) -> int | None:
    """The nav link's count: approvals for the office, what a department officer must
    act on; None for viewers (no link)."""
    role = ctx.user.role
    if role in OFFICE_ROLES:
        return service(ctx).queue_count(OFFICE_QUEUE)
    if role == Role.DEPARTMENT:
        return service(ctx).queue_count(DEPARTMENT_QUEUE, ctx.user.department or "")
    return None


@dataclass(frozen=True)
class QueueSection:
    """One part of the approval queue page."""

    key: str
    title: str
    answers: list[dict[str, Any]]


def queue_sections(ctx: Ctx) -> list[QueueSection]:
    """The queue page's sections for this viewer."""
    answers_service, now = service(ctx), ctx.state.now()
    office = ctx.user.role in OFFICE_ROLES
    department = None if office else ctx.user.department or ""
    wanted: list[tuple[str, str, tuple[AnswerState, ...]]] = [
        ("pending", "승인 대기", OFFICE_QUEUE)
        if office
        else ("sent_back", "반려된 답변 (고쳐서 다시 제출)", (AnswerState.DRAFT,)),
        ("trouble", "게시 실패 · 확인 필요", TROUBLE),
    ]
    sections = [
        QueueSection(
            key, title, [_queue_row(r, now) for r in answers_service.queue(states, department)]
        )
        for key, title, states in wanted
    ]
    approved = answers_service.queue((AnswerState.APPROVED,), department)
    by_hand_rows = [_queue_row(r, now) for r in approved if _queue_by_hand(ctx, r)]
    sections.append(
        QueueSection("by_hand", "직접 게시 대기 (복사해서 게시 후 게시함)", by_hand_rows)
    )
    return sections


def _queue_by_hand(ctx: Ctx, row: dict[str, Any]) -> bool:
    """A queued answer goes by hand (the queue row is not a full reply target)."""
    return bool(row["manual_entry"]) or not _writes(ctx, row["account"])


def _writes(ctx: Ctx, account_name: str) -> bool:
    """The configured account of that name posts through its platform's API."""
    accounts = ctx.state.settings.accounts
    return can_write(next((a for a in accounts if a.name == account_name), None))


def _queue_row(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    view = dict(row)
    view.update(
        state_label=STATE_LABELS[AnswerState(row["state"])],
        kind_label=KIND_LABELS[AnswerKind(row["kind"])],
        age=age(now - _aware(row["created_at"])),
    )
    return view


def age(elapsed: timedelta) -> str:
    """How long an answer has waited, in Korean (분, 시간, 일)."""
    minutes = max(0, int(elapsed.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}분"
    if minutes < 24 * 60:
        return f"{minutes // 60}시간"
    return f"{minutes // (24 * 60)}일"


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
