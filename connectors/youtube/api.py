"""YouTube Data API v3 over `HttpClient`: the API key, the daily quota, typed errors.

Every call goes through `YouTubeApi.list`, which:

- reserves the daily quota first (`Quota`): a call is made only when the worst case of
  its attempts (`HttpClient` retries 5xx and network errors up to `settings.retries`
  times, each charged by Google) still fits under `daily_quota` with the reads and writes
  counted today; in a stored sync the reservation is one atomic step in the store
  (`SyncContext.units`, `aggregator.store.daily_units`), shared with the answers worker,
  so neither can take units the other already holds. After the call the unused part of
  the worst case is released; every attempt made is charged 1 unit (every list method
  costs 1; Google charges invalid requests and 304s too);
- on 429 or 403 `rateLimitExceeded`/`userRateLimitExceeded`, applies the one policy of
  `aggregator.http` (`throttle_delay`: `Retry-After` or a jittered backoff, within
  `max_wait_seconds` and the run's time), else `RateLimited` ends the run `throttled`;
- maps Google's error envelope to typed errors: 401 -> `AuthExpired`, 403
  `quotaExceeded` -> `BudgetExhausted`, 403 `commentsDisabled` -> `CommentsDisabled`,
  403 `forbidden` and the like -> `PermissionMissing`, 404 -> `NotFound`, other 4xx ->
  `FetchError`; a 200 that is not `{"items": [...]}` -> `ParseError`.

The key travels as `key=` in the query: `HttpClient.protect` keeps it out of every log
record and messages name the method, never the URL's query.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aggregator.connector import (
    AuthExpired,
    BudgetExhausted,
    Clock,
    DailyUnits,
    FetchError,
    ParseError,
    PermissionMissing,
)
from aggregator.http import HttpClient, Response
from aggregator.http_retry import Attempts, throttle_hint
from aggregator.records import JSONValue
from aggregator.redaction import redact_url
from connectors.youtube.mapping import google_error

log = logging.getLogger(__name__)

QUOTA_ZONE = ZoneInfo("America/Los_Angeles")
"""Google's quota day ends at midnight Pacific time."""
LIST_COST = 1
QUOTA_READS, QUOTA_WRITES = "quota", "quota_writes"
"""The cursor streams of the units the sync (reads) and the answers worker spent today."""
SHARED = (QUOTA_READS, QUOTA_WRITES)
"""Both count against `daily_quota`."""
THROTTLE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class NotFound(FetchError):
    """404: a video, playlist or comment that is gone."""


class CommentsDisabled(FetchError):
    """403 `commentsDisabled`: the video's comments are off."""


@dataclass
class Quota:
    """Units spent on one Pacific day, against the configured daily quota."""

    limit: int
    day: str
    units: int = 0

    written: int = 0
    """Units the answers worker spent today (`quota_writes`: replies and moderation)."""

    @classmethod
    def load(
        cls,
        value: JSONValue,
        limit: int,
        now: datetime,
        writes: JSONValue = None,
        ledger: DailyUnits | None = None,
    ) -> Quota:
        """The stored spend for today (reads, and `writes` counted apart); a spend stored for
        another day starts again at 0. With `ledger`, every reservation goes to the store."""
        today = quota_day(now)
        reads, written = units_of_day(value, today), units_of_day(writes, today)
        return cls(limit, today, reads, written, ledger)

    ledger: DailyUnits | None = None
    """The store's shared count (a stored sync): reservations are atomic there."""

    def check(self, units: int) -> None:
        """Raise `BudgetExhausted` when spending `units` more could pass the quota."""
        if self.units + self.written + units > self.limit:
            raise self._exhausted(self.units + self.written)

    def reserve(self, units: int) -> None:
        """Hold `units` before a call (counted as spent until `settle`); `BudgetExhausted`
        when the day's reads and writes leave too few."""
        if self.ledger is None:
            self.check(units)
        else:
            taken = self.ledger.reserve(QUOTA_READS, self.day, units, self.limit, SHARED)
            if not taken.granted:
                raise self._exhausted(taken.used)
            self.written = max(0, taken.used - self.units - units)
        self.units += units

    def settle(self, reserved: int, spent: int) -> None:
        """After the call: `spent` of the `reserved` units were used; give the rest back."""
        unused = reserved - spent
        if unused <= 0:
            return
        self.units -= unused
        if self.ledger is not None:
            self.ledger.release(QUOTA_READS, self.day, unused)

    def _exhausted(self, used: int) -> BudgetExhausted:
        return BudgetExhausted(
            f"YouTube daily quota: {used} of {self.limit} units used on {self.day} "
            "(Pacific time); stopped before a call that could exceed it. The next run "
            "after midnight Pacific time (17:00 KST in winter) resumes"
        )

    def spend(self, units: int) -> None:
        """Count units spent."""
        self.units += units

    def dump(self) -> dict[str, JSONValue]:
        """The JSON-safe form stored as the quota cursor."""
        return {"day": self.day, "units": self.units, "limit": self.limit}


def quota_day(now: datetime) -> str:
    """The Pacific calendar day of `now` as `YYYY-MM-DD`."""
    return now.astimezone(QUOTA_ZONE).date().isoformat()


def units_of_day(value: JSONValue, day: str) -> int:
    """The units a stored `{"day", "units"}` cursor counts for `day` (0 for another day)."""
    if not isinstance(value, Mapping) or value.get("day") != day:
        return 0
    units = value.get("units")
    return units if isinstance(units, int) and not isinstance(units, bool) and units > 0 else 0


@dataclass(frozen=True)
class Page:
    """One page of a list answer: its items, the next page token, the address shown."""

    items: tuple[Mapping[str, Any], ...]
    next_token: str | None
    url: str


class YouTubeApi:
    """List calls against the Data API under the daily quota and bounded rate-limit waits.

    Args:
        http: the run's HTTP client (timeouts, size cap, deadline, `sleep`).
        base_url: the API root, e.g. `https://www.googleapis.com/youtube/v3/`.
        key: the API key (sent as `key=`).
        quota: today's spend; updated in place with every attempt made.
        clock: the current time (for `Retry-After` given as a date).
        max_wait_seconds: the longest single rate-limit wait this run accepts.
    """

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        key: str,
        quota: Quota,
        clock: Clock,
        max_wait_seconds: float,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.quota = quota
        self.clock = clock
        self.max_wait_seconds = max_wait_seconds
        http.protect([key])
        self._reported = http.calls

    def take_calls(self) -> int:
        """HTTP calls made since the last `take_calls` (reported with each batch)."""
        calls, self._reported = self.http.calls - self._reported, self.http.calls
        return calls

    def unreported(self) -> bool:
        """Whether calls were made since the last `take_calls`."""
        return self.http.calls != self._reported

    def pages(self, method: str, **params: str | int) -> Iterator[Page]:
        """Every page of `method` (e.g. `commentThreads`), following `nextPageToken`."""
        token: str | None = None
        while True:
            page = self.list(method, {**params, **({"pageToken": token} if token else {})})
            yield page
            if page.next_token is None:
                return
            token = page.next_token

    def list(self, method: str, params: Mapping[str, str | int]) -> Page:
        """One list call; raise typed errors (see the module docstring)."""
        query = urlencode({**params, "key": self.key})
        url = f"{self.base_url}/{method}?{query}"
        response = self._get(url, method)
        if response.status != 200:
            raise _status_error(response, method)
        return _page(response, method)

    def _get(self, url: str, method: str) -> Response:
        attempts = Attempts()
        while True:
            response = self._attempt(url)
            reason, message = google_error(response.content)
            if response.status != 429 and not (
                response.status == 403 and reason in THROTTLE_REASONS
            ):
                return response
            why = f"HTTP {response.status} {reason or 'rate limited'}: {message}".rstrip(": ")
            asked = throttle_hint(response.headers, self.clock())
            delay = self.http.throttle_delay(
                attempts, f"YouTube {method}", why, asked, float(self.max_wait_seconds)
            )
            self.http.sleep(delay)

    def _attempt(self, url: str) -> Response:
        worst = LIST_COST * (self.http.settings.retries + 1)
        self.quota.reserve(worst)
        before = self.http.calls
        try:
            return self.http.get(url, headers={"Accept": "application/json"}, throttle=False)
        finally:
            self.quota.settle(worst, LIST_COST * (self.http.calls - before))


def _page(response: Response, method: str) -> Page:
    try:
        data = json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"YouTube {method}: the answer is not JSON") from exc
    items = data.get("items") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise ParseError(f"YouTube {method}: the answer has no 'items' list")
    token = data.get("nextPageToken")
    return Page(
        items=tuple(item for item in items if isinstance(item, Mapping)),
        next_token=token if isinstance(token, str) and token else None,
        url=redact_url(response.url.split("?", 1)[0]),
    )


def _status_error(response: Response, method: str) -> Exception:
    status = response.status
    reason, message = google_error(response.content)
    shown = f"YouTube {method}: HTTP {status}" + (f" {reason}" if reason else "")
    shown += f" ({message})" if message else ""
    if status == 401:
        return AuthExpired(
            f"{shown}. The API key or token was refused: check the account's api_key "
            "variable (Google Cloud console, Credentials)"
        )
    if status == 403 and reason == "quotaExceeded":
        return BudgetExhausted(
            f"{shown}. Google's daily quota for this project is used up; it resets at "
            "midnight Pacific time and the next run after it resumes"
        )
    if status == 403 and reason == "commentsDisabled":
        return CommentsDisabled(shown)
    if status == 400 and (reason == "keyInvalid" or "API key" in message):
        return AuthExpired(f"{shown}. Check the account's api_key variable")
    if status == 403:
        return PermissionMissing(f"{shown}. The key or token lacks access to this channel")
    if status == 404:
        return NotFound(shown)
    return FetchError(shown)


def quota_note(account: Any, cursors: Mapping[str, JSONValue]) -> str | None:
    """`aggregator status`'s line: the units spent on the last Pacific day a run or the
    answers worker counted (the writes' `needs_reauth` is the account's health:
    `connectors.youtube.oauth_state.write_health`)."""
    stored, writes_cursor = cursors.get(QUOTA_READS), cursors.get(QUOTA_WRITES)
    days = [v.get("day") for v in (stored, writes_cursor) if isinstance(v, Mapping)]
    day = max((d for d in days if isinstance(d, str)), default=None)
    limit = getattr(account, "daily_quota", None)
    if day is None or not isinstance(limit, int):
        return None
    units, writes = units_of_day(stored, day), units_of_day(writes_cursor, day)
    used, answers = units + writes, f"; {writes} on answers" if writes else ""
    return f"quota {day} (Pacific): {used} of {limit} units ({limit - used} left{answers})"
