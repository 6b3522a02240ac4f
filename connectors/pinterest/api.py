"""Pinterest API v5 over `HttpClient`: bearer auth, typed errors, 429 waits, a daily budget.

Every call goes through `PinterestApi.get_page`, which:

- checks the daily call budget first (`CallBudget`): a call is made only when the
  worst case of its attempts (`HttpClient` retries 5xx and network errors up to
  `settings.retries` times) still fits, so the budget is never exceeded; every attempt
  actually made is counted;
- on 429, waits for `Retry-After` (seconds or an HTTP date), else `x-ratelimit-reset`
  (seconds to wait, or a Unix time when it is that large), else a short exponential
  backoff, through `HttpClient.sleep` (injectable) — but only when the wait fits
  `max_wait_seconds` and the run's remaining time, at most `MAX_RATE_LIMIT_WAITS`
  times per call; otherwise `RateLimited` ends the run and the next run resumes;
- maps errors (`{"code": int, "message": str}` bodies) to typed ones: 401 ->
  `AuthExpired`, 403 -> `PermissionMissing`, 404 -> `NotFound`, other 4xx ->
  `FetchError`; a 200 that is not `{"items": [...], "bookmark": ...}` -> `ParseError`.

Messages name the endpoint (never the token or the bookmark) and Pinterest's code and
message.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from aggregator.connector import (
    AuthExpired,
    BudgetExhausted,
    Clock,
    FetchError,
    ParseError,
    PermissionMissing,
    RateLimited,
)
from aggregator.http import HttpClient, Response
from aggregator.records import JSONValue
from connectors.pinterest.mapping import api_error

log = logging.getLogger(__name__)

BUDGET_ZONE = ZoneInfo("Asia/Seoul")
"""Budget days are calendar days in Korea."""
MAX_RATE_LIMIT_WAITS = 3
NO_HEADER_BACKOFF_SECONDS = 5.0
EPOCH_THRESHOLD = 1_000_000_000
"""An `x-ratelimit-reset` at least this large is a Unix time, not a number of seconds."""
SCOPES = "boards:read and pins:read"


class NotFound(FetchError):
    """The API answered 404 (a board or pin that is gone)."""


@dataclass
class CallBudget:
    """API calls made on one Korean calendar day, against the configured daily limit."""

    limit: int
    day: str
    calls: int = 0

    @classmethod
    def load(cls, value: JSONValue, limit: int, now: datetime) -> CallBudget:
        """The stored count for today; a count stored for another day starts again at 0."""
        today = budget_day(now)
        if isinstance(value, Mapping) and value.get("day") == today:
            calls = value.get("calls")
            if isinstance(calls, int) and calls >= 0:
                return cls(limit, today, calls)
        return cls(limit, today)

    def check(self, attempts: int) -> None:
        """Raise `BudgetExhausted` when `attempts` more calls could exceed the limit."""
        if self.calls + attempts > self.limit:
            raise BudgetExhausted(
                f"Pinterest daily API budget: {self.calls} of {self.limit} calls used on "
                f"{self.day} (Asia/Seoul); stopped before a call that could exceed it. "
                "The next run after midnight resumes (raise daily_call_budget if your "
                "Pinterest access allows more)"
            )

    def spend(self, calls: int) -> None:
        """Count calls made."""
        self.calls += calls

    def dump(self) -> dict[str, JSONValue]:
        """The JSON-safe form stored as the budget cursor."""
        return {"day": self.day, "calls": self.calls, "limit": self.limit}


def budget_day(now: datetime) -> str:
    """The Korean calendar day of `now` as `YYYY-MM-DD`."""
    day: date = now.astimezone(BUDGET_ZONE).date()
    return day.isoformat()


@dataclass(frozen=True)
class Page:
    """One page of a paginated answer: `items`, the next `bookmark` (None on the last page)."""

    items: tuple[Mapping[str, JSONValue], ...]
    bookmark: str | None
    url: str


class PinterestApi:
    """Paginated GETs against API v5 under a daily budget and bounded rate-limit waits.

    Args:
        http: the run's HTTP client (timeouts, size cap, deadline, `sleep`).
        base_url: the API root, e.g. `https://api.pinterest.com/v5`.
        token: the OAuth access token (sent as `Authorization: Bearer`).
        budget: today's call count; updated in place with every attempt made.
        clock: the current time (for `x-ratelimit-reset` given as a Unix time).
        max_wait_seconds: the longest single rate-limit wait this run accepts.
    """

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        token: str,
        budget: CallBudget,
        clock: Clock,
        max_wait_seconds: float,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.clock = clock
        self.max_wait_seconds = max_wait_seconds
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._reported = http.calls

    def take_calls(self) -> int:
        """HTTP calls made since the last `take_calls` (reported with each batch)."""
        calls, self._reported = self.http.calls - self._reported, self.http.calls
        return calls

    def pages(self, path: str, **params: str | int) -> Iterator[Page]:
        """Every page of `path` (e.g. `/boards`), following `bookmark` until it is null."""
        bookmark: str | None = None
        while True:
            query = {**params, **({"bookmark": bookmark} if bookmark else {})}
            page = self.get_page(path, query)
            yield page
            if page.bookmark is None:
                return
            bookmark = page.bookmark

    def board_pins_path(self, board_id: str) -> str:
        """`/boards/{board_id}/pins` with the id escaped."""
        return f"/boards/{quote(board_id, safe='')}/pins"

    def get_page(self, path: str, params: Mapping[str, str | int]) -> Page:
        """GET one page; raise typed errors (see the module docstring)."""
        url = f"{self.base_url}{path}" + (f"?{urlencode(params)}" if params else "")
        response = self._get(url, path)
        if response.status != 200:
            raise _status_error(response, path)
        return _page(response, path)

    def _get(self, url: str, path: str) -> Response:
        waits = 0
        while True:
            response = self._attempt(url)
            if response.status != 429:
                return response
            delay = rate_limit_delay(response, self.clock(), waits)
            allowed = self._wait_allowed()
            code, message = api_error(response.content)
            shown = f"Pinterest API {path}: HTTP 429 rate limited" + _detail(code, message)
            if waits >= MAX_RATE_LIMIT_WAITS or delay > allowed:
                raise RateLimited(
                    f"{shown}; reset in {delay:.0f}s, more than this run may wait "
                    f"({allowed:.0f}s): resuming next run",
                    delay,
                )
            log.warning("%s; waiting %.1fs (wait %d)", shown, delay, waits + 1)
            self.http.sleep(delay)
            waits += 1

    def _attempt(self, url: str) -> Response:
        self.budget.check(self.http.settings.retries + 1)
        before = self.http.calls
        try:
            return self.http.get(url, headers=self._headers)
        finally:
            self.budget.spend(self.http.calls - before)

    def _wait_allowed(self) -> float:
        left = self.http.seconds_left()
        allowed = float(self.max_wait_seconds)
        return allowed if left is None else max(0.0, min(allowed, left - 1.0))


def rate_limit_delay(response: Response, now: datetime, waits: int) -> float:
    """Seconds to wait after a 429: `Retry-After`, else `x-ratelimit-reset`, else backoff."""
    retry_after = _seconds_until(response.header("Retry-After"), now)
    if retry_after is not None:
        return retry_after
    reset = _number(response.header("x-ratelimit-reset"))
    if reset is not None:
        if reset >= EPOCH_THRESHOLD:
            return max(0.0, reset - now.timestamp())
        return max(0.0, reset)
    return NO_HEADER_BACKOFF_SECONDS * float(2**waits)


def _seconds_until(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds from `now`: a number of seconds or an HTTP date."""
    if not value:
        return None
    number = _number(value)
    if number is not None:
        return max(0.0, number)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _page(response: Response, path: str) -> Page:
    try:
        data = json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"Pinterest API {path}: the answer is not JSON") from exc
    items = data.get("items") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise ParseError(f"Pinterest API {path}: the answer has no 'items' list")
    bookmark = data.get("bookmark")
    return Page(
        items=tuple(item for item in items if isinstance(item, Mapping)),
        bookmark=bookmark if isinstance(bookmark, str) and bookmark else None,
        url=response.url.split("?", 1)[0],
    )


def _status_error(response: Response, path: str) -> Exception:
    status = response.status
    code, message = api_error(response.content)
    shown = f"Pinterest API {path}: HTTP {status}" + _detail(code, message)
    if status == 401:
        return AuthExpired(
            f"{shown}. The OAuth access token is invalid or expired: create a new token "
            f"with {SCOPES} and put it in the account's access_token environment variable"
        )
    if status == 403:
        return PermissionMissing(f"{shown}. The OAuth token needs the scopes {SCOPES}")
    if status == 404:
        return NotFound(shown)
    return FetchError(shown)


def _detail(code: int | None, message: str) -> str:
    if code is None and not message:
        return ""
    return f" (code {code}: {message})" if code is not None else f" ({message})"
