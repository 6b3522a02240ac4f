"""Sandbox time: a fixed start instant that moves on with real time (scaled) and on demand.

`now = start + real seconds elapsed x speed + minutes added with advance()`. Items whose
`created_at` lies after `now` are invisible, so new comments appear as time passes.
`speed=0` freezes time (tests use that and move it only with `advance`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")
"""Korea Standard Time (no daylight saving), used for everything shown to residents."""

DEFAULT_START = datetime(2026, 11, 20, 9, 0, tzinfo=KST)
"""A fixed Friday morning, so the generated data set is the same on every run."""


class SandboxClock:
    """A thread-safe clock that runs `speed` times faster than real time.

    Args:
        start: the sandbox time at construction; must be timezone-aware.
        speed: sandbox seconds per real second (0 freezes time).
        monotonic: the real-time source (injectable for tests).
    """

    def __init__(
        self,
        start: datetime = DEFAULT_START,
        speed: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"sandbox start must be timezone-aware, got {start.isoformat()}")
        if speed < 0:
            raise ValueError(f"speed must be >= 0, got {speed}")
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._monotonic = monotonic
        self._origin = monotonic()
        self._offset = timedelta()
        self._lock = threading.Lock()

    @property
    def start(self) -> datetime:
        """The sandbox time the clock started at (UTC)."""
        return self._start

    @property
    def speed(self) -> float:
        """Sandbox seconds per real second."""
        return self._speed

    def now(self) -> datetime:
        """The current sandbox time, aware UTC, truncated to whole seconds."""
        with self._lock:
            elapsed = (self._monotonic() - self._origin) * self._speed
            moment = self._start + self._offset + timedelta(seconds=elapsed)
        return moment.replace(microsecond=0)

    def advance(self, minutes: float) -> datetime:
        """Move sandbox time forward by `minutes` and return the new time."""
        if minutes < 0:
            raise ValueError(f"time only moves forward; got {minutes} minutes")
        with self._lock:
            self._offset += timedelta(minutes=minutes)
        return self.now()
