"""Pinterest API v5 over `HttpClient`: bearer auth, typed errors, 429 waits, a daily budget.

Every call goes through `PinterestApi.get_page`, which:

- checks the daily call budget first (`CallBudget`): a call is made only when the
  worst case of its attempts (`HttpClient` retries 5xx and network errors up to
  `settings.retries` times) still fits, so the budget is never exceeded; every attempt
  actually made is counted;
- on 429, applies the one policy of `aggregator.http`: waits for `Retry-After`
  (seconds or an HTTP date), else `x-ratelimit-reset` (seconds to wait, or a Unix time
  when it is that large), else a short jittered backoff, through `HttpClient.sleep`
  (injectable) — but only when the wait fits `max_wait_seconds` and the run's remaining
  time, at most `HttpSettings.throttle_waits` times per call; otherwise `RateLimited`
  ends the run (`throttled`) and the next run resumes;
- maps errors (`{"code": int, "message": str}` bodies) to typed ones: 401 ->
  `AuthExpired`, 403 -> `PermissionMissing`, 404 -> `NotFound`, other 4xx ->
  `FetchError`; a 200 that is not `{"items": [...], "bookmark": ...}` -> `ParseError`.

Messages name the endpoint (never the token or the bookmark) and Pinterest's code and
message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from aggregator.connector import (
    AuthExpired,
    BudgetExhausted,
    Clock,
    FetchError,
    ParseError,
    PermissionMissing,
)
from aggregator.http import HttpClient, Response
from aggregator.http_retry import Attempts, throttle_hint
from aggregator.records import JSONValue
from aggregator.redaction import redact_url
from connectors.pinterest.mapping import api_error

log = logging.getLogger(__name__)

BUDGET_ZONE = ZoneInfo("Asia/Seoul")
"""Budget days are calendar days in Korea."""
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
        http.protect([token])
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
        """GET with the one 429 decision; each attempt (and its retries) budget-checked."""
        attempts = Attempts()
        while True:
            response = self._attempt(url)
            if response.status != 429:
                return response
            code, message = api_error(response.content)
            reason = "HTTP 429 rate limited" + _detail(code, message)
            asked = throttle_hint(response.headers, self.clock())
            what = f"Pinterest API {path}"
            limit = float(self.max_wait_seconds)
            self.http.sleep(self.http.throttle_delay(attempts, what, reason, asked, limit))

    def _attempt(self, url: str) -> Response:
        self.budget.check(self.http.settings.retries + 1)
        before = self.http.calls
        try:
            return self.http.get(url, headers=self._headers, throttle=False)
        finally:
            self.budget.spend(self.http.calls - before)


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
        url=redact_url(response.url),
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
