"""The one adapter around tweepy's API v2 `Client`: our host, timeouts, retries and rate limits.

tweepy 4.17 supplies the routes and parameter names; what does not fit a scheduled,
budgeted sync is corrected here, once:

Host, timeouts, size cap and secrets in logs: see `connectors.twitter.session`.

Rate limits. Always `wait_on_rate_limit=False`: tweepy would `time.sleep` up to 15
minutes, and without `x-rate-limit-reset` retry recursively without end. tweepy's
exceptions are read here and the decision is the one policy of `aggregator.http`
(`RetryPolicy`): a 429 waits for `x-rate-limit-reset` (counted from X's `Date`, through
`HttpClient.sleep`, injectable) only when that is within `max_wait_seconds` and the
run's remaining time, at most `HttpSettings.throttle_waits` times per call, with short
jittered backoffs when the header is missing; otherwise `RateLimited` ends the run
cleanly (status `throttled`) and the next run resumes from the stored cursors. A 429 of
type `usage-capped` (the monthly post cap) raises `BudgetExhausted` at once: waiting
cannot help.

Errors. 5xx and network errors get the policy's retries (`HttpSettings.retries`,
jittered exponential backoff), then `FetchError`. 401 -> `AuthExpired` (token wrong, revoked or
expired); 403 -> `PermissionMissing` (app permissions, project or plan); other 4xx ->
`FetchError`; each message carries X's problem title and detail, never a credential.
A 200 with an `errors` array keeps its `data`; `Page.warnings` has one line per error.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from aggregator.connector import (
    AuthExpired,
    BudgetExhausted,
    Clock,
    FetchError,
    ParseError,
    PermissionMissing,
)
from aggregator.http import HttpClient
from aggregator.http_retry import Attempts, throttle_hint
from aggregator.net_errors import describe_network_error
from aggregator.redaction import redact_url
from connectors.twitter.session import XSession

log = logging.getLogger(__name__)

TWEET_FIELDS = (
    "created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets",
    "public_metrics", "lang", "edit_history_tweet_ids", "reply_settings",
)  # fmt: skip
EXPANSIONS = ("author_id", "referenced_tweets.id", "in_reply_to_user_id")
USER_FIELDS = ("username", "name", "profile_image_url")

Call = Callable[[], requests.Response]
ID_LIST = re.compile(r"\[([\d,\s]+)\]")


@dataclass(frozen=True)
class XCredentials:
    """A bearer token (app-only), or the four OAuth 1.0a user-context secrets."""

    bearer_token: str | None = None
    consumer_key: str | None = None
    consumer_secret: str | None = None
    access_token: str | None = None
    access_token_secret: str | None = None

    def __repr__(self) -> str:
        return "XCredentials(****)"

    @property
    def user_auth(self) -> bool:
        """True when requests are signed with OAuth 1.0a instead of the bearer token."""
        return self.bearer_token is None


@dataclass(frozen=True)
class Page:
    """One API answer: its items, expansions, metadata and per-item errors (raw JSON)."""

    endpoint: str
    url: str
    """Where it was read (the query string left out)."""
    data: tuple[dict[str, Any], ...]
    includes: Mapping[str, Any]
    meta: Mapping[str, Any]
    errors: tuple[Mapping[str, Any], ...] = ()

    @property
    def next_token(self) -> str | None:
        """The token of the next (older) page, or None on the last page."""
        token = self.meta.get("next_token")
        return str(token) if token else None

    @property
    def newest_id(self) -> str | None:
        """The newest item's id (`meta.newest_id`), or None for an empty page."""
        newest = self.meta.get("newest_id")
        return str(newest) if newest else None

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line per partial error (a 200 that also carries an `errors` array)."""
        return tuple(f"X {self.endpoint}: {describe_problem(e)}" for e in self.errors)

    @property
    def not_found(self) -> frozenset[str]:
        """The tweet ids of the `resource-not-found` partial errors (deleted or unknown)."""
        return frozenset(i for e in self.errors if is_not_found(e) for i in problem_ids(e))

    @property
    def other_warnings(self) -> tuple[str, ...]:
        """`warnings` without the not-found errors (authorization errors and the like)."""
        return tuple(
            f"X {self.endpoint}: {describe_problem(e)}" for e in self.errors if not is_not_found(e)
        )


class XApi:
    """The X API v2 calls the connector makes, each returning a `Page` or raising our errors.

    Args:
        credentials: bearer token or user-context secrets.
        api_url: where requests go (`https://api.twitter.com` for real).
        http: the run's HTTP client (limits, call count, deadline, `sleep`).
        clock: our clock, used only until X has answered once.
        max_wait_seconds: the longest single wait for a rate-limit reset.
    """

    def __init__(
        self,
        credentials: XCredentials,
        api_url: str,
        http: HttpClient,
        clock: Clock,
        max_wait_seconds: float = 60,
    ) -> None:
        self.http = http
        self.clock = clock
        self.max_wait_seconds = max_wait_seconds
        self.user_auth = credentials.user_auth
        self.session = XSession(http, api_url)
        self.client = tweepy.Client(
            bearer_token=credentials.bearer_token,
            consumer_key=credentials.consumer_key,
            consumer_secret=credentials.consumer_secret,
            access_token=credentials.access_token,
            access_token_secret=credentials.access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self.session.serve(self.client)

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    def now(self) -> datetime:
        """X's current time (see `XSession.server_now`)."""
        return self.session.server_now(self.clock)

    def user_by_username(self, username: str) -> Page:
        """`GET /2/users/by/username/:username`."""
        return self._call(
            "users/by/username",
            lambda: self.client.get_user(
                username=username, user_fields=list(USER_FIELDS), user_auth=self.user_auth
            ),
        )

    def users_tweets(
        self, user_id: str, since_id: str | None, token: str | None, max_results: int
    ) -> Page:
        """`GET /2/users/:id/tweets` without retweets, newest first."""
        return self._listing(
            "users/tweets", self.client.get_users_tweets, user_id, since_id=since_id,
            pagination_token=token, max_results=max_results, exclude=["retweets"],
        )  # fmt: skip

    def users_mentions(
        self, user_id: str, since_id: str | None, token: str | None, max_results: int
    ) -> Page:
        """`GET /2/users/:id/mentions`, newest first."""
        return self._listing(
            "users/mentions", self.client.get_users_mentions, user_id, since_id=since_id,
            pagination_token=token, max_results=max_results,
        )  # fmt: skip

    def search_recent(
        self, query: str, since_id: str | None, token: str | None, max_results: int
    ) -> Page:
        """`GET /2/tweets/search/recent` (the last 7 days only), newest first."""
        return self._listing(
            "tweets/search/recent", self.client.search_recent_tweets, query, since_id=since_id,
            next_token=token, max_results=max_results, sort_order="recency",
        )  # fmt: skip

    def tweets(self, ids: list[str]) -> Page:
        """`GET /2/tweets?ids=` (at most 100); unknown or deleted ids come back as errors."""
        return self._listing("tweets", self.client.get_tweets, ids)

    def _listing(
        self, endpoint: str, method: Callable[..., requests.Response], *args: Any, **params: Any
    ) -> Page:
        """Call a tweepy method with our fields and expansions under our retry policy."""
        params.update(
            tweet_fields=list(TWEET_FIELDS),
            expansions=list(EXPANSIONS),
            user_fields=list(USER_FIELDS),
            user_auth=self.user_auth,
        )
        return self._call(endpoint, lambda: method(*args, **params))

    # -- the retry loop -------------------------------------------------------------------

    def _call(self, endpoint: str, call: Call) -> Page:
        """Run `call` under the one retry and rate-limit policy; return its page."""
        attempts = Attempts()
        what = f"X {endpoint}"
        while True:
            try:
                return to_page(endpoint, call())
            except tweepy.TooManyRequests as exc:
                self._on_rate_limited(endpoint, exc, attempts)
            except tweepy.TwitterServerError as exc:
                reason = f"HTTP {exc.response.status_code}"
                self.http.sleep(self.http.retry_delay(attempts, what, reason))
            except (requests.ConnectionError, requests.Timeout) as exc:
                reason = describe_network_error(exc)
                self.http.sleep(self.http.retry_delay(attempts, what, reason))
            except tweepy.HTTPException as exc:
                raise classify_http_error(endpoint, exc) from None
            except requests.RequestException as exc:
                raise FetchError(f"X {endpoint}: {describe_network_error(exc)}") from None

    def _on_rate_limited(
        self, endpoint: str, exc: tweepy.TooManyRequests, attempts: Attempts
    ) -> None:
        """A 429: the monthly cap ends the run at once, else the shared 429 decision."""
        problem = problem_of(exc.response)
        if "usage-capped" in str(problem.get("type", "")):
            raise BudgetExhausted(
                f"X {endpoint}: the app's usage cap is reached ({describe_problem(problem)}); "
                "reads resume when X resets the cap or the plan is changed"
            )
        asked = throttle_hint(exc.response.headers, self.now())
        reason = "HTTP 429 rate limited"
        if asked is None:
            reason = "HTTP 429 without x-rate-limit-reset"
        elif exc.reset_time is not None:
            reset = datetime.fromtimestamp(exc.reset_time, UTC).isoformat()
            reason = f"HTTP 429 rate limited until {reset}"
        delay = self.http.throttle_delay(
            attempts, f"X {endpoint}", reason, asked, self.max_wait_seconds
        )
        self.http.sleep(delay)


def to_page(endpoint: str, response: requests.Response) -> Page:
    """Parse a successful answer; raise `ParseError` when it is not a JSON object.

    Items without an `id` cannot be stored or linked and are left out.
    """
    try:
        body = json.loads(response.content)
    except ValueError:
        raise ParseError(f"X {endpoint}: the answer is not JSON") from None
    if not isinstance(body, dict):
        raise ParseError(f"X {endpoint}: the answer is not a JSON object")
    data = body.get("data")
    items = [data] if isinstance(data, dict) else data if isinstance(data, list) else []
    errors = body.get("errors")
    includes, meta = body.get("includes"), body.get("meta")
    _log_rate(endpoint, response)
    return Page(
        endpoint=endpoint,
        url=redact_url(response.url),
        data=tuple(item for item in items if isinstance(item, dict) and item.get("id")),
        includes=includes if isinstance(includes, dict) else {},
        meta=meta if isinstance(meta, dict) else {},
        errors=tuple(e for e in errors if isinstance(e, dict)) if isinstance(errors, list) else (),
    )


def _log_rate(endpoint: str, response: requests.Response) -> None:
    remaining = response.headers.get("x-rate-limit-remaining")
    if remaining is not None:
        log.debug("X %s: %s calls left in this window", endpoint, remaining)


def problem_of(response: requests.Response) -> dict[str, Any]:
    """The RFC 7807 problem (or legacy `errors[0]`) of an error answer; {} when none."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    errors = body.get("errors")
    if "title" not in body and isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return dict(errors[0])
    return body


def is_not_found(problem: Mapping[str, Any]) -> bool:
    """True for a tweet's `resource-not-found` error (`Not Found Error`): it is gone."""
    kind = str(problem.get("type") or "")
    found = kind.endswith("/resource-not-found") or problem.get("title") == "Not Found Error"
    return found and problem.get("resource_type", "tweet") == "tweet"


def problem_ids(problem: Mapping[str, Any]) -> tuple[str, ...]:
    """The ids an error is about: `resource_id`, else those of `detail` (`... ids: [1, 2].`)."""
    named = str(problem.get("resource_id") or problem.get("value") or "")
    if named.isdigit():
        return (named,)
    listed = ID_LIST.search(str(problem.get("detail") or ""))
    return tuple(re.findall(r"\d+", listed.group(1))) if listed else ()


def describe_problem(problem: Mapping[str, Any]) -> str:
    """`title: detail` of a problem or partial error (`message` for legacy bodies)."""
    title = str(problem.get("title") or problem.get("code") or "error")
    detail = problem.get("detail") or problem.get("message")
    resource = problem.get("resource_id") or problem.get("value")
    head = f"{problem.get('resource_type', 'item')} {resource}: " if resource else ""
    return head + (f"{title}: {detail}" if detail else title)


def classify_http_error(endpoint: str, exc: tweepy.HTTPException) -> Exception:
    """Our error for a 4xx tweepy raised (never showing a credential)."""
    status = exc.response.status_code
    problem = problem_of(exc.response)
    said = describe_problem(problem) if problem else f"HTTP {status}"
    if status == 401:
        return AuthExpired(
            f"X {endpoint}: 401 {said}. The token was refused: check that the configured "
            "bearer token (or user-context keys) is current and not revoked"
        )
    if status == 403:
        return PermissionMissing(
            f"X {endpoint}: 403 {said}. The app may lack permission for this endpoint: check "
            "the app's permissions, that it belongs to a Project, and that the plan includes it"
        )
    return FetchError(f"X {endpoint}: HTTP {status} {said}")
