"""The one adapter around facebook-sdk's `GraphAPI`: version, HTTP, headers, proof, errors.

facebook-sdk 3.1.0 keeps doing what it does well (the `{version}/{id}/{edge}` paths,
adding the token, parsing JSON bodies and raising `GraphAPIError` for error bodies);
what it gets wrong is fixed here, once:

- Version: 3.1.0 rejects every current version (`^\\d\\.\\d{1,2}$` and a list ending at
  3.1), so the client is built without one and `version` is then set to the configured
  `graph_version` (the SDK uses it verbatim as the path prefix).
- HTTP and base URL: the SDK's `session` is a `GraphTransport`, a facade with the one
  method the SDK calls (`request`). It sends through our `HttpClient` (its
  `requests.Session`, connect/read timeouts shrinking to the run deadline, size cap,
  call counter; the SDK's own `timeout=` is superseded) and swaps the SDK's hard-coded
  `https://graph.facebook.com/` prefix for the configured `graph_url`. The base URL is
  thus per instance: the module global `facebook.FACEBOOK_GRAPH_URL` is never written,
  so accounts (or a test and the sandbox) with different hosts can share a process.
- Headers: the SDK never shows response headers. A per-request response hook reads the
  usage headers into `GraphClient.usage`; a body that is not JSON (a proxy's error page,
  a missing Content-Type that would make the SDK raise `KeyError`) is reported as such.
- `appsecret_proof` (HMAC-SHA256 of the token keyed by the app secret) is added to every
  call when an app secret is configured; 3.1.0 cannot compute it.
- Errors and pacing: `GraphClient.call` retries transient failures (codes 1 and 2,
  5xx, network errors, timeouts) from the same cursor, halves the page size on code 1
  "reduce the amount of data", waits out throttling (the usage headers' regain time,
  else `Retry-After`, else backoff), slows down when the usage headers report high
  usage, and raises our typed errors otherwise (see `graph_errors`). How long to wait
  and when to give up is the one policy of `aggregator.http_retry` (`RetryPolicy`); sleeps go
  through an injectable `sleep`.
  A body that is not JSON (a proxy's page) is judged by its status: 429 is throttling
  (its `Retry-After` waited out when that fits the run, else the run ends `throttled`),
  5xx is retried like a network error, anything else is a parse error.
- Secrets: the SDK puts the token in the query string. Nothing here logs or raises with
  a URL's query, error text is scrubbed of the token, and the token, app secret and
  proof are registered with the one log redaction (`HttpClient.protect`,
  `aggregator.redaction`), which cleans urllib3's DEBUG request lines.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import facebook
import requests
import urllib3

from aggregator.connector import FetchError, ParseError, RateLimited
from aggregator.http import HttpClient
from aggregator.http_retry import Attempts
from aggregator.net_errors import describe_network_error
from connectors.graph.errors import (
    Action,
    GraphError,
    GraphOwner,
    GraphUsage,
    classify,
    parse_usage,
    retry_after_seconds,
)
from connectors.graph.settings import GraphSettings

log = logging.getLogger(__name__)

SDK_PREFIX: str = facebook.FACEBOOK_GRAPH_URL
"""What the SDK puts before every path (read here, never written)."""
STOP_AT_PERCENT = 95
"""Usage at which a run stops before the next call (calls past the limit extend it)."""
FOLLOW_KEYS = ("after", "until", "__paging_token")
NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError)


class GraphObjectGone(FetchError):
    """The object is gone or unreadable (error 100/33): deleted since it was listed."""


class UnexpectedResponse(Exception):
    """The Graph host (or a proxy before it) answered with something that is not JSON."""

    def __init__(self, status: int, content_type: str, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status} with Content-Type {content_type or '(none)'}")
        self.status = status
        self.retry_after = retry_after


def appsecret_proof(token: str, app_secret: str) -> str:
    """`appsecret_proof`: hex HMAC-SHA256 of the access token keyed by the app secret."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


class GraphTransport:
    """What facebook-sdk sees as its `session`: our HTTP client, our base URL, headers seen.

    Args:
        http: the run's HTTP client (session, timeouts, deadline, size cap, call count).
        base_url: the configured Graph address, e.g. `https://graph.facebook.com/`.
        on_response: called with every response's headers (usage headers).
    """

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        on_response: Callable[[Mapping[str, str]], None],
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/") + "/"
        self.on_response = on_response

    def request(
        self,
        method: str,
        url: str,
        timeout: Any = None,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        proxies: Any = None,
        files: Any = None,
    ) -> requests.Response:
        """Send the SDK's request to our base URL; only JSON bodies go back to the SDK."""
        target = self.base_url + url.removeprefix(SDK_PREFIX)
        response = self.http.send(
            method, target, params=params, data=data, files=files, hooks={"response": [self._hook]}
        )
        content_type = response.headers.get("Content-Type", "")
        if "json" not in content_type:
            wait = retry_after_seconds(response.headers)
            raise UnexpectedResponse(response.status_code, content_type, wait)
        return response

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.on_response(response.headers)


class SdkGraph(facebook.GraphAPI):  # type: ignore[misc]  # facebook-sdk has no type hints
    """facebook-sdk's client with the configured version and `appsecret_proof` on every call."""

    def __init__(self, token: str, transport: GraphTransport, version: str, proof: str | None):
        super().__init__(access_token=token, session=transport)  # no version: 3.1.0 rejects it
        self.version = version
        self.proof = proof

    def request(
        self,
        path: str,
        args: Mapping[str, Any] | None = None,
        post_args: Any = None,
        files: Any = None,
        method: str | None = None,
    ) -> Any:
        args = dict(args or {})
        if self.proof:
            args["appsecret_proof"] = self.proof
        return super().request(path, args, post_args, files, method)


@dataclass(frozen=True)
class GraphPage:
    """One page of an edge: its items, how to get the next page, its summary."""

    data: list[dict[str, Any]]
    following: Mapping[str, str] | None
    """The query that fetches the next page (`after`, or `until` and `__paging_token` on
    time-paged edges); None on the last page (no `paging.next`)."""
    summary: Mapping[str, Any] | None
    source_url: str


class GraphClient:
    """Graph API calls for one account (a Page, an Instagram account): typed errors,
    bounded retries, pacing, call counts.

    Args:
        account: the account's Graph settings (token, app secret, URL, version, limits).
        http: the run's HTTP client; its `calls` counts every attempt.
        sleep: how to wait (tests pass a fake); defaults to `http.sleep`.
    """

    def __init__(
        self,
        account: GraphSettings,
        http: HttpClient,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.account = account
        self.owner: GraphOwner = account.graph_owner()
        self.http = http
        self.sleep = http.sleep if sleep is None else sleep
        self.page_size = account.page_size
        self.usage = GraphUsage()
        self.retry_after: float | None = None  # the last response's `Retry-After`
        token = account.access_token.value
        secret = account.app_secret.value if account.app_secret else None
        proof = appsecret_proof(token, secret) if secret else None
        self.secrets = tuple(s for s in (token, secret, proof) if s)
        http.protect(self.secrets)
        self.transport = GraphTransport(http, str(account.graph_url), self._record_usage)
        self.graph = SdkGraph(token, self.transport, account.graph_version, proof)

    @property
    def version(self) -> str:
        """The Graph version in every path (`v25.0`)."""
        return str(self.graph.version)

    def url(self, path: str) -> str:
        """The address of `path` without query (provenance, messages: never a token)."""
        return f"{self.transport.base_url}{self.version}/{path}"

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """One object (`{id}`, `me`) as a dict."""
        return self.call(path, dict(params or {}), paged=False)

    def page(
        self,
        node: str,
        edge: str,
        params: Mapping[str, str],
        following: Mapping[str, str] | None = None,
    ) -> GraphPage:
        """One page of `{node}/{edge}` with `limit` = the current page size.

        Args:
            node: the object id.
            edge: `published_posts`, `comments`, ...
            params: the query of every page (fields, filters).
            following: `GraphPage.following` of the previous page (None: the first page).
        """
        path = f"{node}/{edge}"
        body = self.call(path, {**params, **(following or {})}, paged=True)
        data = body.get("data")
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ParseError(f"Graph API {self.url(path)}: the answer has no `data` list")
        paging = _mapping(body.get("paging"))
        summary = _mapping(body.get("summary")) or None
        return GraphPage(data, next_query(paging), summary, self.url(path))

    def call(self, path: str, params: dict[str, str], paged: bool) -> dict[str, Any]:
        """GET `path`, retrying and pacing as the module docstring says."""
        attempts = Attempts()
        while True:
            self._pace()
            args = {**params, "limit": str(self.page_size)} if paged else dict(params)
            try:
                result = self.graph.request(f"{self.version}/{path}", args)
            except facebook.GraphAPIError as exc:
                self._handle(GraphError.from_body(exc.result, self.secrets), attempts, path)
            except NETWORK_ERRORS as exc:
                self._retry(attempts, path, describe_network_error(exc))
            except UnexpectedResponse as exc:
                self._unexpected(attempts, path, exc)
            except requests.JSONDecodeError:
                raise ParseError(
                    f"Graph API {self.url(path)}: the body is not valid JSON"
                ) from None
            else:
                if not isinstance(result, dict):
                    raise ParseError(f"Graph API {self.url(path)}: the answer is not an object")
                return result

    def _record_usage(self, headers: Mapping[str, str]) -> None:
        self.usage = parse_usage(headers)
        self.retry_after = retry_after_seconds(headers)

    def _handle(self, error: GraphError, attempts: Attempts, path: str) -> None:
        outcome = classify(error, self.owner, self.account.access_token.env)
        log.info("Graph API %s: %s -> %s", path, error.describe(), outcome.action)
        if outcome.action is Action.RETRY:
            self._retry(attempts, path, error.describe())
        elif outcome.action is Action.THROTTLE:
            why = error.describe()
            self._throttle(attempts, path, why, outcome.min_wait, self.retry_after)
        elif outcome.action is Action.SHRINK:
            self._shrink(path, error)
        elif outcome.action is Action.GONE:
            raise GraphObjectGone(f"{path} is gone upstream {error.describe()}")
        else:
            assert outcome.error is not None
            raise outcome.error

    def _unexpected(self, attempts: Attempts, path: str, exc: UnexpectedResponse) -> None:
        """A body that is not JSON: a 429 throttles, a 5xx is retried, else a parse error."""
        if exc.status == HTTPStatus.TOO_MANY_REQUESTS:
            self._throttle(attempts, path, str(exc), retry_after=exc.retry_after)
        elif exc.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            self._retry(attempts, path, str(exc))
        else:
            raise ParseError(f"Graph API {self.url(path)}: {exc}")

    def _retry(self, attempts: Attempts, path: str, reason: str) -> None:
        self.sleep(self.http.retry_delay(attempts, f"Graph API {self.url(path)}", reason))

    def _throttle(
        self,
        attempts: Attempts,
        path: str,
        why: str,
        min_wait: float = 0.0,
        retry_after: float | None = None,
    ) -> None:
        """Wait as asked (the usage headers, else `Retry-After`) or end the run throttled."""
        hint = self.usage.regain_seconds or retry_after
        asked = max(min_wait, hint) if hint else (min_wait or None)
        what = f"Graph API {self.url(path)}"
        limit = self.account.max_throttle_wait_seconds
        self.sleep(self.http.throttle_delay(attempts, what, f"throttled {why}", asked, limit))
        self.usage = GraphUsage()  # waited what was asked; the next response tells anew

    def _shrink(self, path: str, error: GraphError) -> None:
        if self.page_size <= 1:
            raise FetchError(
                f"Graph API {self.url(path)} asks to reduce the amount of data even "
                f"with a page size of 1 {error.describe()}"
            )
        self.page_size = max(1, self.page_size // 2)
        log.warning("Graph API %s: %s; page size now %d", path, error.message,
                    self.page_size)  # fmt: skip

    def _pace(self) -> None:
        """Before a call: stop near the limit, pause when usage is high or Graph asks to."""
        usage = self.usage
        if usage.percent >= STOP_AT_PERCENT:
            raise RateLimited(
                f"Graph API usage is at {usage.percent}% ({usage.describe()}): stopping "
                "before the limit; the next run resumes",
                retry_after_seconds=usage.regain_seconds or None,
            )
        wait = usage.regain_seconds
        slow = self.account.slow_down_at_percent
        if slow <= usage.percent:
            share = (usage.percent - slow + 1) / max(1, STOP_AT_PERCENT - slow)
            wait = max(wait, 1.0, self.account.max_throttle_wait_seconds * min(1.0, share))
        if wait > 0:
            self._wait(wait, f"usage high ({usage.describe()})")

    def _wait(self, seconds: float, why: str) -> None:
        """Pause `seconds` before the next call, or end the run throttled when that does not
        fit (the same decision as a throttling answer's)."""
        limit = self.account.max_throttle_wait_seconds
        self.sleep(self.http.throttle_delay(Attempts(), "Graph API", why, seconds, limit))
        self.usage = GraphUsage()  # waited what was asked; the next response tells anew


def next_query(paging: Mapping[str, Any]) -> dict[str, str] | None:
    """The query of the next page: the `after` cursor, else what `paging.next` pages by.

    Stop only when `next` is absent (a page may be short, or empty, and still have one).
    Time-paged edges give no cursors but `until` and `__paging_token` in `next`; our own
    parameters (`since`, fields, token) are kept, never taken from the URL.
    """
    following = paging.get("next")
    if not isinstance(following, str) or not following:
        return None
    after = _mapping(paging.get("cursors")).get("after")
    if isinstance(after, str) and after:
        return {"after": after}
    query = parse_qs(urlsplit(following).query)
    found = {key: query[key][0] for key in FOLLOW_KEYS if query.get(key, [""])[0]}
    return found or None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
