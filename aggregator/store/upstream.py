"""Review changes that ask for a step on the platform: 숨김 with "플랫폼에서도 숨김",
leaving 숨김 (unhide), and the explicit hide / unhide / retry buttons.

Each request is a `platform_action` row written in the review change's transaction and
named in its `review_event`; the answers worker carries it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from aggregator.answers import hiding
from aggregator.store import platform_actions as actions
from aggregator.workflow import OFFICE_ROLES, Actor, Status, WorkflowError

NOT_HIDEABLE = (
    "이 댓글은 플랫폼에서 숨길 수 없습니다(글쓰기 토큰이 있는 페이스북·인스타그램·X·"
    "워드프레스·유튜브 계정의 댓글만 가능)"
)
Event = tuple[str, dict[str, Any]]


def on_status(
    conn: Connection,
    actor: Actor,
    current: dict[str, Any],
    change: tuple[Status, str | None, str | None],
    hideable: frozenset[str],
    now: datetime,
) -> dict[str, Any]:
    """The platform step a status change `(target, reason, wanted)` asks for, queued; its
    details for the event (empty when none): 숨김 with the second choice (`wanted` =
    `hide`) hides, leaving 숨김 unhides."""
    target, reason, wanted = change
    comment_id = current["comment_id"]
    if wanted:
        if wanted != hiding.HIDE or target != Status.HIDDEN:
            raise WorkflowError("'플랫폼에서도 숨김'은 숨김으로 바꿀 때만 고를 수 있습니다")
        _check_hideable(conn, comment_id, hideable)
        queued = actions.queue(conn, comment_id, hiding.HIDE, reason, actor.name, now)
        return {"platform": hiding.HIDE, "platform_action": queued}
    leaving = current["status"] == Status.HIDDEN.value and target != Status.HIDDEN
    if leaving and hiding.unhide_needed(actions.latest(conn, comment_id)):
        queued = actions.queue(conn, comment_id, hiding.UNHIDE, None, actor.name, now)
        return {"platform": hiding.UNHIDE, "platform_action": queued}
    return {}


def request(
    conn: Connection, actor: Actor, current: dict[str, Any], kind: str, hideable: frozenset[str],
    now: datetime,
) -> Event:  # fmt: skip
    """An explicit button: `platform_hide`, `platform_unhide` or `platform_retry`."""
    if actor.role not in OFFICE_ROLES:
        raise WorkflowError("플랫폼 숨김은 소통담당관만 할 수 있습니다")
    comment_id = current["comment_id"]
    latest = actions.latest(conn, comment_id)
    if kind == "platform_retry":
        return _retry(conn, latest)
    if kind == "platform_hide":
        if current["status"] != Status.HIDDEN.value:
            raise WorkflowError("숨김 상태인 댓글만 플랫폼에서 숨길 수 있습니다")
        if (
            latest is not None
            and latest["action"] == hiding.HIDE
            and latest["state"] != actions.FAILED
        ):
            raise WorkflowError("이미 플랫폼에서 숨겼거나 숨기는 중입니다")
        _check_hideable(conn, comment_id, hideable)
        reason = current["reason"]
        queued = actions.queue(conn, comment_id, hiding.HIDE, reason, actor.name, now)
        return "platform_hide", {"platform_action": queued, "reason": reason}
    if latest is None or latest["action"] != hiding.HIDE:
        raise WorkflowError("플랫폼에서 숨긴 댓글이 아닙니다")
    queued = actions.queue(conn, comment_id, hiding.UNHIDE, None, actor.name, now)
    return "platform_unhide", {"platform_action": queued}


def _retry(conn: Connection, latest: dict[str, Any] | None) -> Event:
    if latest is None or latest["state"] != actions.FAILED:
        raise WorkflowError("실패한 플랫폼 요청이 없습니다")
    actions.update(
        conn, latest["id"], actions.FAILED, state=actions.QUEUED, attempts=0,
        next_attempt_at=None, error_kind=None, error_message=None, error_staff_message=None,
    )  # fmt: skip
    return "platform_retry", {"platform_action": latest["id"], "action": latest["action"]}


def _check_hideable(conn: Connection, comment_id: int, hideable: frozenset[str]) -> None:
    found = actions.comment_account(conn, comment_id)
    if found is None or found["manual_entry"] or found["account"] not in hideable:
        raise WorkflowError(NOT_HIDEABLE)
