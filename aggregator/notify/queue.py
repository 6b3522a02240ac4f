"""Review events -> queued messages, without a hook in any write path.

The notifier reads the review history (`review_event`) past a stored cursor, turns
each event that concerns someone into messages, queues them and moves the cursor, in
one transaction: a crash queues nothing twice and loses nothing. Failed answers are
found by their state (the worker writes no event for them), one message per failure.

Ids of rows written by concurrent transactions may become visible out of order on
PostgreSQL; a gap in the ids is waited for until the event after it is `SETTLE` old
(a rolled-back transaction leaves a gap forever).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aggregator.config import Settings
from aggregator.notify.audience import Audience, Target, outbox_rows
from aggregator.notify.kinds import OFFICE, Kind
from aggregator.notify.messages import compose, masked
from aggregator.store import Store
from aggregator.store.outbox_repo import NotifyUnit

SOURCE = "review_event"
SETTLE = timedelta(seconds=60)
BATCH = 500
ROUTED = ("assign_department", "accept_suggestion", "transfer")
WRITTEN = ("answer_write", "answer_resubmit")


def queue_new(store: Store, settings: Settings) -> int:
    """Queue the messages of new review events and of newly failed answers; return how many."""
    now = store.clock()

    def queue_step(unit: NotifyUnit) -> int:
        after = unit.cursor(SOURCE)
        events = settled(unit.events_after(after, BATCH), after, now)
        queued = 0
        if settings.notifications.enabled:
            audience = Audience.load(unit)
            for event in events:
                queued += unit.enqueue(_for_event(unit, event, audience, settings, now))
            queued += _queue_failed_answers(unit, audience, settings, now)
        if events:
            unit.set_cursor(SOURCE, int(events[-1]["id"]), now)
        return queued

    return store.outbox.notification_step(queue_step)


def settled(events: list[dict[str, Any]], after: int, now: datetime) -> list[dict[str, Any]]:
    """The events up to the first gap in ids that may still fill (see the module doc)."""
    usable = []
    expected = after + 1
    for event in events:
        if event["id"] != expected and event["at"] > now - SETTLE:
            break
        usable.append(event)
        expected = int(event["id"]) + 1
    return usable


def _for_event(
    unit: NotifyUnit, event: dict[str, Any], audience: Audience, settings: Settings, now: datetime
) -> list[dict[str, Any]]:
    """The outbox rows of one event (none when it concerns nobody)."""
    planned = _plan(event, audience)
    if planned is None:
        return []
    kind, headline, details, targets, department = planned
    facts = unit.comment_facts(event["comment_id"])
    if facts is None or not targets:
        return []
    message = compose(headline, details, facts, settings)
    about = {"department": department, "comment_id": event["comment_id"], "created_at": now}
    return outbox_rows(f"event:{event['id']}", kind, message, targets, **about)


Plan = tuple[Kind, str, list[str], list[Target], str | None]


def _plan(event: dict[str, Any], audience: Audience) -> Plan | None:
    """What an event means for whom: kind, headline, details, targets, department."""
    action, detail, actor = event["action"], event["detail"] or {}, event["actor"]
    if action in ROUTED and (detail.get("department") or detail.get("to")):
        department = str(detail.get("to") or detail["department"])
        targets = audience.place(department)
        targets += audience.people(Kind.DEPARTMENT, department=department, skip=actor)
        if action == "transfer":
            headline = f"{detail.get('from')}에서 {department}(으)로 이송된 항목이 있습니다"
            details = [f"이송 사유: {masked(detail.get('reason'))}", f"처리: {actor}"]
        else:
            headline, details = f"{department}에 새 항목이 배정되었습니다", [f"배정: {actor}"]
        return Kind.DEPARTMENT, headline, details, targets, department
    if action == "assign_handler" and detail.get("assignee"):
        targets = audience.people(Kind.HANDLER, names=[str(detail["assignee"])], skip=actor)
        return Kind.HANDLER, "담당자로 지정된 항목이 있습니다", [f"지정: {actor}"], targets, None
    if action in WRITTEN and detail.get("state") == "pending_approval":
        targets = audience.place(OFFICE) + audience.people(Kind.APPROVAL, office=True, skip=actor)
        details = [f"작성: {actor}"]
        return Kind.APPROVAL, "답변이 승인을 기다립니다", details, targets, OFFICE
    return None


def _queue_failed_answers(
    unit: NotifyUnit, audience: Audience, settings: Settings, now: datetime
) -> int:
    """One message per failure of an approved answer: to its writer and the office."""
    queued = 0
    for answer in unit.failed_answers():
        stamp = answer["send_started_at"].isoformat() if answer["send_started_at"] else "-"
        key = f"answer:{answer['id']}:{answer['state']}:{stamp}"
        facts = unit.comment_facts(answer["comment_id"])
        if facts is None:
            continue
        targets = audience.place(OFFICE) + audience.people(
            Kind.FAILED, office=True, names=[answer["written_by"]]
        )
        headline = (
            "답변 게시 여부를 확인해야 합니다"
            if answer["state"] == "needs_check"
            else "승인된 답변을 게시하지 못했습니다"
        )
        details = [
            f"사유: {masked(answer['error_staff_message']) or '알 수 없음'}",
            f"작성: {answer['written_by']} · 시도 {answer['attempts']}회",
        ]
        message = compose(headline, details, facts, settings)
        about = {"department": OFFICE, "comment_id": answer["comment_id"], "created_at": now}
        queued += unit.enqueue(outbox_rows(key, Kind.FAILED, message, targets, **about))
    return queued
