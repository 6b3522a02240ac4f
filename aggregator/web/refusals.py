"""Refused attempts in the access log: who (or which address), route, item, outcome.

A role refused or a CSRF token missing (`refused`, 403), an item missing or outside
the user's department (`not_found`, 404) and a protected page without a session
(`unauthenticated`, by address) are recorded once per `REPEAT_WINDOW` for the same
user (or address), route and outcome. The store checks the log itself (so several
worker processes agree); `RecentRefusals` first spares it the check, and its write
lock, for repeats this process has recorded, so a flood of refused requests costs
the database one write a minute per key.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from aggregator.store.staff_repo import REPEAT_WINDOW, AccessEntry
from aggregator.users import StaffUser
from aggregator.web.security import client_ip

if TYPE_CHECKING:
    from aggregator.web.core import WebState

ANONYMOUS = "anonymous"
"""The access log's staff name for a request without a session (its address tells)."""
MAX_REMEMBERED = 10_000


class RecentRefusals:
    """The refusals this process recorded within `REPEAT_WINDOW`, by key."""

    def __init__(self) -> None:
        self._at: dict[tuple[str, ...], datetime] = {}
        self._lock = threading.Lock()

    def seen(self, key: tuple[str, ...], now: datetime) -> bool:
        """Whether `key` was recorded by this process within the window before `now`."""
        with self._lock:
            at = self._at.get(key)
        return at is not None and now - REPEAT_WINDOW < at <= now

    def remember(self, key: tuple[str, ...], now: datetime) -> None:
        """Note that `key` was recorded at `now` (forgetting expired keys when many)."""
        with self._lock:
            if len(self._at) >= MAX_REMEMBERED:
                self._at = {k: at for k, at in self._at.items() if now - REPEAT_WINDOW < at}
            self._at[key] = now


def log_refusal(
    state: WebState,
    request: Request,
    user: StaffUser | None,
    outcome: str,
    status: int,
    reason: str | None = None,
) -> None:
    """Record a refused attempt unless the same one was recorded within the window."""
    route = request.scope.get("endpoint")
    detail: dict[str, Any] = {"route": getattr(route, "__name__", None), "status": status}
    if reason:
        detail["reason"] = reason
    entry = AccessEntry(
        staff=user.name if user else ANONYMOUS,
        role=user.role.value if user else None,
        client_ip=client_ip(request, state.settings.web),
        action=outcome,
        target=_target(request),
        detail=detail,
    )
    key = (entry.staff, entry.client_ip or "", outcome, json.dumps(detail, sort_keys=True))
    now = state.now()
    if state.recent_refusals.seen(key, now):
        return
    if state.store.staff.log_refusal(entry):
        state.recent_refusals.remember(key, now)


def _target(request: Request) -> str:
    """The item a request was about (`comment:12`), else its path."""
    params = request.path_params
    if "comment_id" in params:
        return f"comment:{params['comment_id']}"
    if "item_id" in params:
        return f"check_item:{params['item_id']}"
    return request.url.path
