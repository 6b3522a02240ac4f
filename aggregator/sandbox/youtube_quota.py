"""The YouTube Data API's daily quota in the sandbox: a ledger per project per Pacific day.

Google counts units per Cloud project: the sandbox's API key and its OAuth token belong
to one project (`PROJECT`) and share its quota, another key would have its own. Costs
are the documented ones (list 1, insert/update/delete/setModerationStatus 50, search
100); every request that reaches a project costs at least 1 unit, also an invalid one;
a request whose cost would take the day's use past the limit is refused (403
`quotaExceeded`) and costs nothing. Days end at midnight Pacific time (sandbox clock).

Admin routes (never faulted):

    GET    /_sandbox/youtube/quota                  today's ledger of every project
    POST   /_sandbox/youtube/quota                  {"limit": N} and/or {"spend": N[, "project": P]}
    DELETE /_sandbox/youtube/quota                  forget today's use
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.sandbox.admin import json_response
from aggregator.sandbox.routing import ADMIN_PREFIX, Router, SandboxRequest, SandboxResponse

PACIFIC = ZoneInfo("America/Los_Angeles")
PROJECT = "hanbit-sotong-tv"
DAILY_LIMIT = 10_000
COSTS = {
    "channels.list": 1,
    "playlistItems.list": 1,
    "videos.list": 1,
    "commentThreads.list": 1,
    "comments.list": 1,
    "comments.insert": 50,
    "comments.setModerationStatus": 50,
    "search.list": 100,
}
"""Units per call (https://developers.google.com/youtube/v3/determine_quota_cost)."""


class QuotaLedger:
    """Units spent per project and method on the current Pacific day; thread-safe."""

    def __init__(self, now: Callable[[], datetime], limit: int = DAILY_LIMIT) -> None:
        self.now = now
        self.limit = limit
        self._lock = threading.Lock()
        self._day: date | None = None
        self._spent: dict[str, dict[str, int]] = {}

    def day(self) -> date:
        """Today in Pacific time (the quota's day)."""
        return self.now().astimezone(PACIFIC).date()

    def charge(self, project: str, method: str, units: int) -> bool:
        """Spend `units` of `project`'s quota on `method`; False (nothing spent) if that
        would pass the day's limit."""
        with self._lock:
            spent = self._today().setdefault(project, {})
            if sum(spent.values()) + units > self.limit:
                return False
            spent[method] = spent.get(method, 0) + units
            return True

    def used(self, project: str = PROJECT) -> int:
        """Units `project` spent today."""
        with self._lock:
            return sum(self._today().get(project, {}).values())

    def spend(self, units: int, project: str = PROJECT) -> None:
        """Record `units` spent elsewhere today (to bring a project near its limit)."""
        with self._lock:
            spent = self._today().setdefault(project, {})
            spent["elsewhere"] = spent.get("elsewhere", 0) + units

    def reset(self) -> None:
        """Forget today's use."""
        with self._lock:
            self._spent.clear()

    def snapshot(self) -> dict[str, Any]:
        """Today's ledger as JSON-ready data."""
        with self._lock:
            projects = {
                name: {
                    "used": sum(m.values()),
                    "remaining": max(0, self.limit - sum(m.values())),
                    "by_method": dict(sorted(m.items())),
                }
                for name, m in self._today().items()
            }
            return {
                "day": str(self._day),
                "time_zone": "America/Los_Angeles",
                "limit": self.limit,
                "projects": projects,
            }

    def _today(self) -> dict[str, dict[str, int]]:
        day = self.day()
        if day != self._day:
            self._day, self._spent = day, {}
        return self._spent

    # -- admin -------------------------------------------------------------------------

    def register(self, router: Router) -> None:
        """Add the admin routes."""
        path = ADMIN_PREFIX + "youtube/quota"
        router.add("GET", path, self._show)
        router.add("POST", path, self._change)
        router.add("DELETE", path, self._reset)

    def _show(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        return json_response(200, self.snapshot())

    def _change(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        try:
            payload = json.loads(request.body or b"{}")
            if not isinstance(payload, dict) or not set(payload) <= {"limit", "spend", "project"}:
                raise ValueError('give a JSON object with "limit", "spend" and/or "project"')
            limit, units = payload.get("limit"), payload.get("spend", 0)
            for name, value in (("limit", limit), ("spend", units)):
                if value is not None and (not isinstance(value, int) or value < 0):
                    raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})
        if limit is not None:
            self.limit = limit
        if units:
            self.spend(units, str(payload.get("project", PROJECT)))
        return json_response(200, self.snapshot())

    def _reset(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        self.reset()
        return json_response(200, self.snapshot())
