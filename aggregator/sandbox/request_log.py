"""The sandbox's record of every request it received, for tests and the admin view."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from aggregator.sandbox.routing import ADMIN_PREFIX


@dataclass(frozen=True)
class LoggedRequest:
    """A request the sandbox received (header names lower-case)."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    at: datetime
    """Sandbox time when it arrived."""

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive) or None."""
        return self.headers.get(name.lower())


class RequestLog:
    """Thread-safe record of every request received, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def add(self, entry: LoggedRequest) -> None:
        """Record one request."""
        with self._lock:
            self._entries.append(entry)

    def all(self) -> list[LoggedRequest]:
        """Every request, including admin calls."""
        with self._lock:
            return list(self._entries)

    def find(self, path_prefix: str = "/", method: str | None = None) -> list[LoggedRequest]:
        """Requests under `path_prefix` (admin calls only when the prefix names them)."""
        return [
            r
            for r in self.all()
            if r.path.startswith(path_prefix)
            and (method is None or r.method == method.upper())
            and (path_prefix.startswith(ADMIN_PREFIX) or not r.path.startswith(ADMIN_PREFIX))
        ]

    def clear(self) -> None:
        """Forget every request."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
