"""Changing a comment's review: status, assignment, transfer, tags, notes, claims.

Every change checks the workflow rules (`aggregator.workflow`), the actor's role and
department, and the claim lock, then writes the review row and one append-only
`review_event` (through `aggregator.store.review_rows`). Nothing here is ever called by
a sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store import suggestions, upstream
from aggregator.store.review_rows import load, record
from aggregator.store.tables import NOTE, TAG, USER
from aggregator.workflow import (
    DEFAULT_NO_ANSWER_REASONS,
    MOIS_REASONS,
    OFFICE_ROLES,
    REASON_REQUIRED,
    TRANSITIONS,
    Actor,
    Role,
    Status,
    WorkflowError,
    check_assign_department,
    check_in_scope,
    check_status_permission,
    check_transition,
    parse_status,
    status_after_assignment,
)

MAX_TAG = 30
MAX_NOTE = 4000
NOTE_ALONG = frozenset({"assign_department", "assign_handler"})
"""Actions whose form has a note field: assigning and noting why is one step."""
PRIORITIES = ("높음", "보통", "낮음")


@dataclass(frozen=True)
class ReviewAction:
    """One change staff asked for; `kind` says which, the other fields carry its details."""

    kind: str
    status: str | None = None
    department: str | None = None
    assignee: str | None = None
    reason: str | None = None
    reference: str | None = None
    tag: str | None = None
    note: str | None = None
    priority: str | None = None
    upstream: str | None = None
    """`hide`: with 숨김, also hide the comment on its platform ("플랫폼에서도 숨김")."""


@dataclass(frozen=True)
class ReviewContext:
    """What the rules need besides the action: the time, claim length, known departments."""

    now: datetime
    claim_minutes: int = 15
    departments: tuple[str, ...] = ()
    hideable_accounts: frozenset[str] = frozenset()
    """Accounts whose comments can be hidden on the platform (a writer that can hide)."""
    no_answer_reasons: tuple[str, ...] = DEFAULT_NO_ANSWER_REASONS


@dataclass
class BulkResult:
    """How a bulk action went: ids done, and (id, reason) for each refused."""

    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def apply(
    conn: Connection, actor: Actor, comment_id: int, action: ReviewAction, ctx: ReviewContext
) -> None:
    """Apply one action to one comment, or raise `WorkflowError` saying why not."""
    if not actor.can_act:
        raise WorkflowError("열람 권한으로는 바꿀 수 없습니다")
    current = load(conn, comment_id, ctx.now)
    if actor.role not in OFFICE_ROLES:
        check_in_scope(actor, current["department"])
    _check_claim(actor, current, ctx.now, action.kind)
    handler = HANDLERS.get(action.kind)
    if handler is None:
        raise WorkflowError(f"알 수 없는 작업 '{action.kind}'")
    handler(conn, actor, current, action, ctx)
    if action.kind in NOTE_ALONG and (action.note or "").strip():
        _note(conn, actor, load(conn, comment_id, ctx.now), action, ctx)


def apply_many(
    conn: Connection, actor: Actor, ids: list[int], action: ReviewAction, ctx: ReviewContext
) -> BulkResult:
    """Apply one action to many comments; each refusal is reported, the rest are done."""
    result = BulkResult()
    for comment_id in ids:
        savepoint = conn.begin_nested()
        try:
            apply(conn, actor, comment_id, action, ctx)
        except WorkflowError as exc:
            savepoint.rollback()
            result.refused.append((comment_id, str(exc)))
        else:
            savepoint.commit()
            result.done.append(comment_id)
    return result


def _check_claim(actor: Actor, current: dict[str, Any], now: datetime, kind: str) -> None:
    holder, until = current["claimed_by"], current["claimed_until"]
    if holder and holder != actor.name and until is not None and until > now:
        if kind == "release" and actor.role in OFFICE_ROLES:
            return
        raise WorkflowError(f"{holder}님이 처리 중입니다")


def _set_status(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    target = parse_status(a.status or "")
    check_status_permission(actor, target)
    check_transition(
        Status(current["status"]), target, a.reason, a.reference, ctx.no_answer_reasons
    )
    values: dict[str, Any] = {"status": target.value}
    detail: dict[str, Any] = {}
    if target in REASON_REQUIRED or target == Status.NO_ANSWER:
        values["reason"] = detail["reason"] = a.reason
    elif current["reason"] is not None:  # reopened: the old reason no longer applies
        values["reason"] = None
    if target == Status.FORMAL:
        values["complaint_ref"] = detail["reference"] = (a.reference or "").strip()[:100]
    change = (target, a.reason, a.upstream)
    detail.update(upstream.on_status(conn, actor, current, change, ctx.hideable_accounts, ctx.now))
    record(conn, actor, current, ctx.now, ("status", detail), **values)


def _platform(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    """The explicit platform buttons: hide, unhide, retry a failed request."""
    event = upstream.request(conn, actor, current, a.kind, ctx.hideable_accounts, ctx.now)
    record(conn, actor, current, ctx.now, event)


def _assign_department(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    check_assign_department(actor)
    department = _known_department(a.department, ctx)
    if department == current["department"]:
        raise WorkflowError(f"이미 {department}에 배정되어 있습니다")
    _move_to_department(
        conn, actor, current, ctx, department, ("assign_department", {"department": department})
    )


def _transfer(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    department = _known_department(a.department, ctx)
    reason = (a.reason or "").strip()
    if not reason:
        raise WorkflowError("이송 사유를 적어 주세요")
    if current["department"] is None:
        raise WorkflowError("배정된 부서가 없어 이송할 수 없습니다 (부서 배정을 사용하세요)")
    if department == current["department"]:
        raise WorkflowError("같은 부서로는 이송할 수 없습니다")
    detail = {"from": current["department"], "to": department, "reason": reason[:500]}
    _move_to_department(conn, actor, current, ctx, department, ("transfer", detail))


def _move_to_department(
    conn: Connection,
    actor: Actor,
    current: dict[str, Any],
    ctx: ReviewContext,
    department: str,
    event: tuple[str, dict[str, Any]],
) -> None:
    """Give the item to `department` (no handler yet) and record `event`."""
    status = status_after_assignment(Status(current["status"]))
    record(
        conn, actor, current, ctx.now, event,
        department=department, assignee=None, status=status.value,
    )  # fmt: skip


def _assign_handler(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    name = (a.assignee or "").strip()
    if not name:
        raise WorkflowError("담당자를 선택해 주세요")
    user = conn.execute(
        sa.select(USER.c.department, USER.c.role).where(
            USER.c.name == name, USER.c.disabled.is_(False)
        )
    ).first()
    if user is None or user.role == Role.VIEWER:
        raise WorkflowError(f"담당자로 지정할 수 없는 계정입니다: {name}")
    if actor.role == Role.DEPARTMENT and user.department != actor.department:
        raise WorkflowError("우리 부서 직원만 담당자로 지정할 수 있습니다")
    record(conn, actor, current, ctx.now, ("assign_handler", {"assignee": name}), assignee=name)


def _known_department(name: str | None, ctx: ReviewContext) -> str:
    department = (name or "").strip()
    if not department:
        raise WorkflowError("부서를 선택해 주세요")
    if ctx.departments and department not in ctx.departments:
        raise WorkflowError(f"알 수 없는 부서입니다: {department}")
    return department


def _tag(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    tag = (a.tag or "").strip()[:MAX_TAG]
    if not tag:
        raise WorkflowError("태그를 적어 주세요")
    where = (TAG.c.comment_id == current["comment_id"]) & (TAG.c.tag == tag)
    exists = conn.execute(sa.select(TAG.c.tag).where(where)).first() is not None
    if a.kind == "add_tag" and not exists:
        conn.execute(sa.insert(TAG).values(comment_id=current["comment_id"], tag=tag))
    elif a.kind == "remove_tag" and exists:
        conn.execute(sa.delete(TAG).where(where))
    else:
        return
    record(conn, actor, current, ctx.now, (a.kind, {"tag": tag}))


def _note(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    body = (a.note or "").strip()[:MAX_NOTE]
    if not body:
        raise WorkflowError("메모 내용을 적어 주세요")
    conn.execute(
        sa.insert(NOTE).values(
            comment_id=current["comment_id"], author=actor.name, body=body, created_at=ctx.now
        )
    )
    record(conn, actor, current, ctx.now, ("note", {"length": len(body)}))


def _priority(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    if a.priority not in PRIORITIES:
        raise WorkflowError(f"우선순위는 {', '.join(PRIORITIES)} 중 하나입니다")
    detail = {"priority": a.priority}
    record(conn, actor, current, ctx.now, ("priority", detail), priority=a.priority)


def _claim(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    if a.kind == "claim":
        until = ctx.now + timedelta(minutes=ctx.claim_minutes)
        record(
            conn, actor, current, ctx.now, ("claim", {}), claimed_by=actor.name, claimed_until=until
        )
    elif current["claimed_by"]:
        record(
            conn,
            actor,
            current,
            ctx.now,
            ("release", {"holder": current["claimed_by"]}),
            claimed_by=None,
            claimed_until=None,
        )


def _suggestion(
    conn: Connection, actor: Actor, current: dict[str, Any], a: ReviewAction, ctx: ReviewContext
) -> None:
    check_assign_department(actor)
    comment_id = current["comment_id"]
    found = suggestions.pending(conn, comment_id)
    if found is None:
        raise WorkflowError("처리할 추천이 없습니다")
    decision = "accepted" if a.kind == "accept_suggestion" else "dismissed"
    suggestions.decide(conn, comment_id, decision, actor.name, ctx.now)
    if decision == "dismissed":
        record(conn, actor, current, ctx.now, ("dismiss_suggestion", {}))
        return
    _accept(conn, actor, current, found, ctx)


def _accept(
    conn: Connection,
    actor: Actor,
    current: dict[str, Any],
    found: dict[str, Any],
    ctx: ReviewContext,
) -> None:
    """Turn a suggestion into review state: department, tags, priority, or spam."""
    comment_id = current["comment_id"]
    values: dict[str, Any] = {}
    status = Status(current["status"])
    if found["spam"] and Status.SPAM in TRANSITIONS[status]:
        values.update(status=Status.SPAM.value, reason=MOIS_REASONS[2])
    elif found["department"] and found["department"] != current["department"]:
        values.update(
            department=found["department"],
            assignee=None,
            status=status_after_assignment(status).value,
        )
    if found["priority"]:
        values["priority"] = found["priority"]
    present = set(
        conn.execute(sa.select(TAG.c.tag).where(TAG.c.comment_id == comment_id)).scalars()
    )
    new_tags = [t for t in found["tags"] if t not in present]
    if new_tags:
        conn.execute(sa.insert(TAG), [{"comment_id": comment_id, "tag": t} for t in new_tags])
    detail = {
        "rules": found["rules"],
        "tags": new_tags,
        **{k: v for k, v in values.items() if k != "assignee"},
    }
    record(conn, actor, current, ctx.now, ("accept_suggestion", detail), **values)


HANDLERS = {
    "status": _set_status,
    "assign_department": _assign_department,
    "transfer": _transfer,
    "assign_handler": _assign_handler,
    "add_tag": _tag,
    "remove_tag": _tag,
    "note": _note,
    "priority": _priority,
    "claim": _claim,
    "release": _claim,
    "accept_suggestion": _suggestion,
    "dismiss_suggestion": _suggestion,
    "platform_hide": _platform,
    "platform_unhide": _platform,
    "platform_retry": _platform,
}
