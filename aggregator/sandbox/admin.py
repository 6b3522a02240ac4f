"""Admin endpoints under `/_sandbox/` (never faulted), for tests and demos over HTTP.

POST   /_sandbox/advance?minutes=N   move sandbox time forward; returns {"now": ...}
GET    /_sandbox/state               now, start, speed, seed, counts per account, faults
GET    /_sandbox/faults              the active faults
POST   /_sandbox/faults              add one fault (JSON object) or several (JSON array)
DELETE /_sandbox/faults[?id=N]       remove every fault, or one
GET    /_sandbox/requests            the request log (method, path, query, headers, at)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aggregator.sandbox.clock import SandboxClock
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.faults import Fault, FaultSet
from aggregator.sandbox.request_log import RequestLog
from aggregator.sandbox.routing import (
    ADMIN_PREFIX,
    Handler,
    Router,
    SandboxRequest,
    SandboxResponse,
)


def json_response(status: int, value: Any) -> SandboxResponse:
    """A JSON response (UTF-8, Korean kept readable)."""
    body = json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")
    return SandboxResponse(status, body, {"Content-Type": "application/json; charset=UTF-8"})


def counts_view(
    now: Callable[[], datetime], counts: Callable[[datetime], Mapping[str, object]]
) -> Handler:
    """A platform's admin view (`GET /_sandbox/<platform>`): `{"now": ..., **counts(now)}`."""

    def view(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        at = now()
        return json_response(200, {"now": at.isoformat(), **counts(at)})

    return view


@dataclass
class Admin:
    """The sandbox's control surface over HTTP."""

    clock: SandboxClock
    data: DataSet
    faults: FaultSet
    requests: RequestLog

    def register(self, router: Router) -> None:
        """Add the admin routes."""
        router.add("POST", ADMIN_PREFIX + "advance", self.advance)
        router.add("GET", ADMIN_PREFIX + "state", self.state)
        router.add("GET", ADMIN_PREFIX + "faults", self.list_faults)
        router.add("POST", ADMIN_PREFIX + "faults", self.add_faults)
        router.add("DELETE", ADMIN_PREFIX + "faults", self.clear_faults)
        router.add("GET", ADMIN_PREFIX + "requests", self.request_log)

    def advance(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """Move time forward by `?minutes=N`."""
        try:
            minutes = float(request.param("minutes") or "")
            now = self.clock.advance(minutes)
        except ValueError as exc:
            return json_response(400, {"error": f"give ?minutes=N (N >= 0): {exc}"})
        return json_response(200, {"now": now.isoformat()})

    def state(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """What the sandbox looks like now."""
        now = self.clock.now()
        return json_response(
            200,
            {
                "now": now.isoformat(),
                "start": self.clock.start.isoformat(),
                "speed": self.clock.speed,
                "seed": self.data.seed,
                "counts": self.data.counts(now),
                "faults": [f.to_json() for f in self.faults.active()],
                "requests": len(self.requests),
            },
        )

    def list_faults(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """The active faults."""
        return json_response(200, {"faults": [f.to_json() for f in self.faults.active()]})

    def add_faults(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """Add the fault(s) in the JSON body; nothing is added if any is invalid."""
        try:
            payload = json.loads(request.body or b"null")
            specs = payload if isinstance(payload, list) else [payload]
            if not all(isinstance(s, dict) for s in specs):
                raise ValueError("the body must be a JSON object or an array of objects")
            parsed = [Fault.from_json(s) for s in specs]
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})
        added = [self.faults.add_fault(f) for f in parsed]
        return json_response(201, {"faults": [f.to_json() for f in added]})

    def clear_faults(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """Remove one fault (`?id=N`) or all of them."""
        wanted = request.param("id")
        if wanted is None:
            self.faults.clear()
            return json_response(200, {"removed": "all"})
        if not wanted.isdigit() or not self.faults.remove(int(wanted)):
            return json_response(404, {"error": f"no active fault {wanted}"})
        return json_response(200, {"removed": int(wanted)})

    def request_log(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """Every request received so far."""
        entries = [
            {
                "method": r.method,
                "path": r.path,
                "query": dict(r.query),
                "headers": dict(r.headers),
                "at": r.at.isoformat(),
            }
            for r in self.requests.all()
        ]
        return json_response(200, {"requests": entries})
