"""The one retry and 429 policy, and the reading of the headers that say how long to wait.

What to do after a failed attempt is decided once, by `RetryPolicy`, for every platform:

- a 5xx, a timeout or a connection error is retried `retries` times with exponential,
  jittered backoff; when the backoff would pass the run deadline the run ends
  `deadline_exceeded`, when the retries are used up it ends `failed`;
- a 429 (or a platform's throttling error) is waited out as the platform asks
  (`Retry-After`, X's `x-rate-limit-reset`, Pinterest's `x-ratelimit-reset`, the Graph
  usage headers), else with jittered backoff, only when the wait fits the platform's
  longest allowed wait and the run's remaining time, at most `throttle_waits` times per
  call; otherwise `RateLimited` ends the run `throttled` and the next run resumes.

The policy is pure (no sleeping, no clock): `aggregator.http.HttpClient` asks it with the
run's remaining time and sleeps; `throttle_hint` reads what a 429 asked for.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from aggregator.errors import DeadlineExceeded, FetchError, RateLimited

if TYPE_CHECKING:  # `aggregator.http` imports this module
    from aggregator.http import HttpSettings

EPOCH_THRESHOLD = 1_000_000_000
"""A rate-limit reset at least this large is a Unix time, not a number of seconds."""
DEFAULT_JITTER = 0.5
"""Backoff waits are stretched by a random factor in [1, 1 + jitter] when the settings
do not say, so that accounts failing together do not retry together. The test suite
sets 0 here once (tests/conftest.py), so waits it asserts are exact."""


@dataclass
class Attempts:
    """What happened so far to one call: failed attempts, 429 waits, the reasons."""

    failures: int = 0
    throttle_waits: int = 0
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RetryPolicy:
    """The one decision after a failed attempt: how long to wait, or which error ends the run.

    Pure: it never sleeps and never reads the clock, so the same situation gives the same
    outcome for every platform (the table in README "Failures and what a run does").
    `random` returns a number in [0, 1) for the jitter.
    """

    settings: HttpSettings
    random: Callable[[], float] = random.random

    def after_failure(self, attempts: Attempts, what: str, seconds_left: float | None) -> float:
        """The backoff before retrying a 5xx/timeout/connection error (`attempts` counted).

        Raises:
            FetchError: the retries are used up (run status `failed`).
            DeadlineExceeded: the backoff would pass the run deadline.
        """
        attempts.failures += 1
        reasons = "; ".join(attempts.reasons)
        if attempts.failures > self.settings.retries:
            if attempts.failures == 1:
                raise FetchError(f"{what}: {reasons}")
            raise FetchError(f"{what} failed {attempts.failures} times: {reasons}")
        delay = self._jittered(self.settings.backoff_seconds * 2 ** (attempts.failures - 1))
        if seconds_left is not None and delay >= seconds_left:
            raise DeadlineExceeded(
                f"run deadline reached while retrying {what} ({reasons}): a wait of "
                f"{delay:.0f}s would pass it"
            )
        return delay

    def after_throttle(
        self,
        attempts: Attempts,
        what: str,
        asked: float | None,
        seconds_left: float | None,
        max_wait: float | None = None,
    ) -> float:
        """The wait before retrying a throttled call (`attempts` counted).

        Args:
            attempts: this call's history; its last reason says why it was throttled.
            what: the endpoint, for messages (never a query string).
            asked: the wait the platform asked for (None: it did not say).
            seconds_left: the run's remaining time (None: no deadline).
            max_wait: the platform's longest single wait (None: `max_wait_seconds`).

        Raises:
            RateLimited: the wait does not fit, or `throttle_waits` waits did not help
                (run status `throttled`; the next run resumes).
        """
        limit = self.settings.max_wait_seconds if max_wait is None else max_wait
        base = self.settings.throttle_backoff_seconds * 2**attempts.throttle_waits
        delay = asked if asked is not None else min(limit, self._jittered(base))
        why = attempts.reasons[-1] if attempts.reasons else "rate limited"
        if attempts.throttle_waits >= self.settings.throttle_waits:
            raise RateLimited(
                f"{what}: still rate limited after {attempts.throttle_waits} waits ({why}); "
                "the next run resumes",
                delay,
            )
        if delay > limit:
            raise RateLimited(
                f"{what}: {why}; a wait of {delay:.0f}s is longer than the {limit:.0f}s "
                "this run may wait; the next run resumes",
                delay,
            )
        if seconds_left is not None and delay >= seconds_left:
            raise RateLimited(
                f"{what}: {why}; a wait of {delay:.0f}s would pass the run deadline "
                f"({max(0.0, seconds_left):.0f}s left); the next run resumes",
                delay,
            )
        attempts.throttle_waits += 1
        return delay

    def _jittered(self, seconds: float) -> float:
        jitter = DEFAULT_JITTER if self.settings.jitter is None else self.settings.jitter
        return seconds * (1.0 + jitter * self.random())


def throttle_hint(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds a 429 asks us to wait: `Retry-After`, else a rate-limit reset header.

    `Retry-After` is seconds or an HTTP date; `x-rate-limit-reset` (X) and
    `x-ratelimit-reset` (Pinterest) are seconds, or a Unix time when that large (waited
    until one second past it). Dates are counted from the response's `Date` header (the
    platform's clock), else from `now` (else the system clock). None: no usable header.
    """
    server_now = http_date(headers.get("Date")) or now or datetime.now(UTC)
    retry_after = (headers.get("Retry-After") or "").strip()
    number = _finite(retry_after)
    if number is not None:
        return max(0.0, number)
    until = http_date(retry_after)
    if until is not None:
        return max(0.0, (until - server_now).total_seconds())
    for name in ("x-rate-limit-reset", "x-ratelimit-reset"):
        reset = _finite(headers.get(name))
        if reset is not None and reset >= EPOCH_THRESHOLD:
            return max(0.0, reset - server_now.timestamp() + 1)
        if reset is not None:
            return max(0.0, reset)
    return None


def http_date(value: str | None) -> datetime | None:
    """An HTTP date (`Date`, `Retry-After`) as aware UTC; None when absent or malformed."""
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return moment.astimezone(UTC) if moment is not None and moment.tzinfo else None


def _finite(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
