"""Recorded details and review events as the Korean text staff read.

A review event's or access-log record's `detail` becomes `필드: 값` pairs (`사유: 광고`,
times in the office's zone, flags as 예, routes and targets by their Korean names), and
a review event one history line (`부서 배정: 신규 → 부서배정 · 주차관리과`). The words
themselves come from the tables of `aggregator.web.labels`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.web.error_labels import WRITE_ERRORS
from aggregator.web.labels import (
    ROUTES,
    VALUES,
    action_label,
    field_label,
    korean_datetime,
    target_label,
)

ERROR_KEYS = frozenset({"error", "error_kind"})
DEFAULT_TIMEZONE = "Asia/Seoul"
"""The zone of recorded times when the caller names none (the config's default)."""
FLAGS = frozenset({"overdue", "manual", "check", "failed"})
"""Filter check boxes, recorded as `1` when ticked."""
BOOLEANS: dict[str, tuple[str, str]] = {
    "refused": ("거부됨", "처리됨"),
    "locked": ("예", "아니오"),
}


def value_label(key: str, value: Any, timezone: str = DEFAULT_TIMEZONE) -> str:
    """One detail value as staff read it (recorded times, `*_at`, in `timezone`)."""
    if key.endswith("_at") and value:
        moment = _moment(value)
        if moment is not None:
            return korean_datetime(moment.astimezone(ZoneInfo(timezone)))
    if isinstance(value, bool):
        yes, no = BOOLEANS.get(key, ("예", "아니오"))
        return yes if value else no
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, list):
        return ", ".join(value_label(key, item) for item in value)
    if isinstance(value, dict):
        return detail_text(value)
    text = str(value)
    if key in FLAGS and text == "1":
        return "예"
    if key == "route":
        return ROUTES.get(text, text)
    if key in ("tag", "tags"):
        return f"#{text}"
    if key in ("length", "note_length", "text_length"):
        return f"{text}자"
    if key in ("target",):
        return target_label(text)
    if key == "action":
        return action_label(text)
    if key == "kind" and text not in VALUES:
        return action_label(text)
    if key in ERROR_KEYS:
        return WRITE_ERRORS.get(text) or f"기타 오류 ({text})"
    return VALUES.get(text, text)


def _moment(value: object) -> datetime | None:
    """A recorded time (a datetime or its ISO text; naive means UTC), else None."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def detail_parts(
    detail: Mapping[str, Any] | str | None, timezone: str = DEFAULT_TIMEZONE
) -> list[str]:
    """`{"reason": "광고"}` -> `["사유: 광고"]`; a JSON text is read first."""
    if isinstance(detail, str):
        text = detail
        try:
            detail = json.loads(text)
        except ValueError:
            return [text]
    if not isinstance(detail, Mapping):
        return [] if detail is None else [str(detail)]
    return [f"{field_label(k)}: {value_label(k, v, timezone)}" for k, v in detail.items()]


def detail_text(detail: Mapping[str, Any] | str | None, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The detail as one line of `필드: 값` separated by ` · `."""
    return " · ".join(detail_parts(detail, timezone))


EventFormatter = Callable[[Mapping[str, Any]], list[str]]


def _transfer(detail: Mapping[str, Any]) -> list[str]:
    parts = [f"{detail.get('from') or '미배정'} → {detail.get('to') or '-'}"]
    if detail.get("reason"):
        parts.append(f"사유: {detail['reason']}")
    return parts


def _tag(detail: Mapping[str, Any]) -> list[str]:
    return [value_label("tag", detail.get("tag"))]


def _note(detail: Mapping[str, Any]) -> list[str]:
    return [f"({detail.get('length', 0)}자)"]


def _department(detail: Mapping[str, Any]) -> list[str]:
    return [str(detail.get("department") or "-")]


def _assignee(detail: Mapping[str, Any]) -> list[str]:
    return [str(detail.get("assignee") or "-")]


EVENT_DETAILS: dict[str, EventFormatter] = {
    "assign_department": _department,
    "transfer": _transfer,
    "assign_handler": _assignee,
    "add_tag": _tag,
    "remove_tag": _tag,
    "note": _note,
}
"""Events whose detail reads better as words than as `필드: 값` pairs."""


def history_line(event: Mapping[str, Any], timezone: str = DEFAULT_TIMEZONE) -> str:
    """A review event as one Korean line: `부서 배정: 신규 → 부서배정 · 주차관리과`
    (recorded times in `timezone`)."""
    action = str(event["action"])
    head = action_label(action)
    if event.get("from_status") != event.get("to_status"):
        head += f": {event.get('from_status')} → {event.get('to_status')}"
    detail = {k: v for k, v in (event.get("detail") or {}).items() if k != "status"}
    formatter = EVENT_DETAILS.get(action)
    parts = formatter(detail) if formatter else detail_parts(detail, timezone)
    if action == "note":
        return f"{head} {parts[0]}"
    return " · ".join([head, *parts])
