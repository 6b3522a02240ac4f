"""Errors tests script on a sandbox API: each answers matching requests (method and a path
fragment) after `skip` of them pass, `times` times or until cleared. Shared by the Graph
(`GraphApi.fail`) and YouTube (`YouTubeApi.fail`) sandboxes, each with its own entry type.
"""

from __future__ import annotations

import threading
from typing import Generic, Protocol, TypeVar


class Scripted(Protocol):
    """What the queue reads and counts down on an entry."""

    path_contains: str
    method: str | None
    skip: int
    times: int | None


S = TypeVar("S", bound=Scripted)


class ScriptedErrors(Generic[S]):
    """The scripted errors of one API, oldest first (thread-safe)."""

    def __init__(self) -> None:
        self._scripted: list[S] = []
        self._lock = threading.Lock()

    def add(self, scripted: S) -> None:
        """Script one more error."""
        with self._lock:
            self._scripted.append(scripted)

    def clear(self) -> None:
        """Forget every scripted error."""
        with self._lock:
            self._scripted.clear()

    def take(self, method: str, path: str) -> S | None:
        """The error to answer this request with, if one is due (counting it as used)."""
        with self._lock:
            for scripted in self._scripted:
                if scripted.path_contains not in path or scripted.method not in (None, method):
                    continue
                if scripted.skip > 0:
                    scripted.skip -= 1
                    return None
                if scripted.times is not None:
                    scripted.times -= 1
                    if scripted.times <= 0:
                        self._scripted.remove(scripted)
                return scripted
        return None
