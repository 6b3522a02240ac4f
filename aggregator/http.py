"""One place for HTTP: timeouts, size caps, the run deadline, one retry and 429 policy.

Every request of every connector, the tweepy and facebook-sdk adapters included, is one
`HttpClient.send`: the run deadline checked before it starts and while the body streams
in, connect/read timeouts (the read timeout shrinks to the deadline), a body-size cap
(checked against `Content-Length` and while reading), a call counter, and the SSRF
guard of `aggregator.net_guard` on the session (no request or redirect hop reaches a
private or local address outside `HttpSettings.allow_private_networks`).

What to do after a failed attempt is decided once, by `aggregator.http_retry.RetryPolicy`,
for every platform (5xx, timeouts and connection errors retried with backoff; 429s
waited out as the platform asks, when the wait fits; see that module).

`HttpClient.get` applies the policy itself; adapters that must read a library's
exceptions first (tweepy, facebook-sdk, Pinterest's budget) ask `HttpClient.retry_delay`
and `HttpClient.throttle_delay`. URLs shown to people pass through `redact_url`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from aggregator.errors import DeadlineExceeded, FetchError, ParseError
from aggregator.http_retry import Attempts, RetryPolicy, throttle_hint
from aggregator.net_errors import describe_network_error
from aggregator.net_guard import AddressPolicy, IPNetwork, guard_session
from aggregator.redaction import REDACTOR, install_redaction, redact_url

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
TOO_MANY_REQUESTS = 429
CHUNK_BYTES = 64 * 1024
INCOMPLETE = "incomplete body: the connection closed before the answer ended; nothing used"
DEFAULT_ALLOWED_NETWORKS: tuple[IPNetwork, ...] = ()
"""Private networks a client allows when its settings do not say: none. The test suite
sets loopback here once (tests/conftest.py), where its local servers listen."""
NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout)
"""Failures of the connection (not of the request): retried like a 5xx."""


class IncompleteBody(ParseError):
    """The connection closed before the whole body arrived: nothing of it may be used."""


@dataclass(frozen=True)
class HttpSettings:
    """Limits that apply to every request."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_body_bytes: int = 5 * 1024 * 1024
    retries: int = 2
    """Retries after a 5xx, a timeout or a connection error."""
    backoff_seconds: float = 1.0
    """The first retry's wait; each further one doubles it."""
    throttle_waits: int = 3
    """429s (or throttling errors) waited out per call before the run ends `throttled`."""
    throttle_backoff_seconds: float = 5.0
    """The first wait after a 429 that says nothing about when to come back; doubles."""
    max_wait_seconds: float = 60.0
    """The longest single 429 wait, unless the platform's settings give their own."""
    jitter: float | None = None
    """Backoff stretch factor (see `aggregator.http_retry.DEFAULT_JITTER`, used when
    None); never applied to a wait the platform asked for."""
    user_agent: str = "district-sns-aggregator/0.1 (+local)"
    allow_private_networks: tuple[IPNetwork, ...] | None = None
    """Private or local networks requests may reach (config `http.allow_private_networks`);
    None: `DEFAULT_ALLOWED_NETWORKS`."""


@dataclass
class Response:
    """A fully read HTTP response."""

    url: str
    status: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    moved_permanently_to: str | None = None
    """The new address when the server answered 301/308 on the way (feeds update their URL)."""

    def header(self, name: str) -> str | None:
        """Return a response header (case-insensitive) or None."""
        return self.headers.get(name)


@dataclass
class HttpClient:
    """A `requests.Session` wrapper that enforces our limits, counts calls and retries once."""

    settings: HttpSettings = field(default_factory=HttpSettings)
    session: requests.Session = field(default_factory=requests.Session)
    deadline: float | None = None
    """`time.monotonic()` value after which no request may start or continue."""
    sleep: Callable[[float], None] = time.sleep
    calls: int = 0

    def __post_init__(self) -> None:
        self.session.headers["User-Agent"] = self.settings.user_agent
        guard_session(self.session, self.address_policy)
        self.policy = RetryPolicy(self.settings)
        install_redaction()

    def protect(self, secrets: Iterable[str | None]) -> None:
        """Keep these credentials (and their percent-encoded forms) out of every log record.

        Adapters call it with the tokens they are given, so that no token reaches a log
        even where the CLI's `protect_secrets` did not run (tests, library use).
        """
        REDACTOR.add(secret for secret in secrets if secret)

    @property
    def address_policy(self) -> AddressPolicy:
        """Which addresses this client's requests may reach."""
        return address_policy(self.settings.allow_private_networks)

    def seconds_left(self) -> float | None:
        """Seconds until the run deadline, or None when there is none."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def get(
        self, url: str, headers: Mapping[str, str] | None = None, *, throttle: bool = True
    ) -> Response:
        """GET `url` under the retry policy; raise `FetchError` and friends on failure.

        Statuses below 500 (304 and 4xx) are returned to the caller, which knows what
        they mean for its platform, except 429, which is waited out or ends the run
        (`RateLimited`) unless `throttle` is False (the caller then decides).
        """
        attempts, shown = Attempts(), redact_url(url)
        while True:
            try:
                response = self._get_once(url, headers)
            except NETWORK_ERRORS as exc:
                self.sleep(self.retry_delay(attempts, shown, describe_network_error(exc)))
                continue
            except requests.RequestException as exc:  # redirect loops, invalid URLs: not retried
                raise FetchError(f"{shown}: {describe_network_error(exc)}") from exc
            if response.status in RETRYABLE_STATUSES:
                self.sleep(self.retry_delay(attempts, shown, f"HTTP {response.status}"))
            elif response.status == TOO_MANY_REQUESTS and throttle:
                hint = throttle_hint(response.headers)
                why = "HTTP 429 Too Many Requests"
                self.sleep(self.throttle_delay(attempts, shown, why, hint))
            else:
                return response

    def retry_delay(self, attempts: Attempts, what: str, reason: str) -> float:
        """Seconds to wait before retrying a 5xx/timeout/connection error, or raise.

        `RetryPolicy.after_failure` decides, with this run's remaining time; the caller
        sleeps (through `sleep`, or an adapter's injected one).
        """
        attempts.reasons.append(reason)
        delay = self.policy.after_failure(attempts, what, self.seconds_left())
        log.warning("%s: %s; retry %d in %.1fs", what, reason, attempts.failures, delay)
        return delay

    def throttle_delay(
        self,
        attempts: Attempts,
        what: str,
        reason: str,
        asked: float | None,
        max_wait: float | None = None,
    ) -> float:
        """Seconds to wait out a 429 or throttling error, or raise `RateLimited`.

        `RetryPolicy.after_throttle` decides with this run's remaining time: `asked` is
        what the platform asked for (None: it did not say), `max_wait` the platform's
        longest single wait. The caller sleeps.
        """
        attempts.reasons.append(reason)
        delay = self.policy.after_throttle(attempts, what, asked, self.seconds_left(), max_wait)
        log.warning("%s: %s; waiting %.1fs (wait %d)", what, reason, delay, attempts.throttle_waits)
        return delay

    def _get_once(self, url: str, headers: Mapping[str, str] | None) -> Response:
        raw = self.send("GET", url, headers=dict(headers or {}), allow_redirects=True)
        permanent = any(step.status_code in (301, 308) for step in raw.history)
        return Response(
            url=raw.url,
            status=raw.status_code,
            headers=raw.headers,
            content=raw.content,
            moved_permanently_to=raw.url if permanent else None,
        )

    def timeouts(self) -> tuple[float, float]:
        """(connect, read) timeouts for a request starting now; read is cut to the deadline."""
        return (self.settings.connect_timeout, self._read_timeout())

    def _read_timeout(self) -> float:
        left = self.seconds_left()
        if left is None:
            return self.settings.read_timeout
        return max(0.1, min(self.settings.read_timeout, left))

    def read_body(self, raw: requests.Response, url: str) -> bytes:
        """Read a streamed response under our size cap and the run deadline."""
        cap, shown = self.settings.max_body_bytes, redact_url(url)
        declared = raw.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(f"{shown}: body of {declared} bytes exceeds cap of {cap}")
        chunks: list[bytes] = []
        size = 0
        try:
            # read1 returns whatever has arrived, so a server dripping one byte at a time
            # still lets us check the deadline (iter_content would block for a full chunk).
            while chunk := raw.raw.read1(CHUNK_BYTES, decode_content=True):
                size += len(chunk)
                if size > cap:
                    raise FetchError(f"{shown}: body exceeds cap of {cap} bytes")
                chunks.append(chunk)
                self.check_deadline(url)
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead) as exc:
            raise IncompleteBody(f"{shown}: {INCOMPLETE}") from exc
        _check_complete(raw, shown)
        return b"".join(chunks)

    def check_deadline(self, url: str) -> None:
        """Raise `DeadlineExceeded` when the run deadline has passed."""
        left = self.seconds_left()
        if left is not None and left <= 0:
            raise DeadlineExceeded(f"run deadline reached while fetching {redact_url(url)}")

    def send(
        self,
        method: str,
        url: str,
        via: Callable[..., requests.Response] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One attempt of one request: every request of every adapter is one of these.

        Deadline checked, counted, with our timeouts (the read timeout shrinks to the run
        deadline; a library's own `timeout` is superseded), and the body read under the
        size cap before it is returned (so `.content` and `.json()` work as usual). No
        retries: `get` and the adapters apply `RetryPolicy` around it. Extra keyword
        arguments (`params`, `data`, `headers`, `hooks`, ...) go to `requests`.

        Args:
            method: the HTTP method.
            url: where to; shown only through `redact_url` in errors.
            via: the `request` method to use instead of the client session's (tweepy's
                session, which must prepare the request itself to sign it).
        """
        self.check_deadline(url)
        self.calls += 1
        connect, read = self.timeouts()
        kwargs.update(timeout=(connect, read), stream=True)
        cut_by_deadline = read < self.settings.read_timeout
        try:
            raw = (via or self.session.request)(method, url, **kwargs)
            try:
                raw._content = self.read_body(raw, url)
            finally:
                raw.close()
        except (requests.Timeout, urllib3.exceptions.ReadTimeoutError) as exc:
            if cut_by_deadline:  # the wait was the run's last seconds, not a slow server
                raise DeadlineExceeded(
                    f"run deadline reached while waiting for {redact_url(url)}"
                ) from exc
            raise
        return raw


def address_policy(allowed: tuple[IPNetwork, ...] | None) -> AddressPolicy:
    """The policy for an allow-list; None (not configured) means `DEFAULT_ALLOWED_NETWORKS`."""
    return AddressPolicy(DEFAULT_ALLOWED_NETWORKS if allowed is None else allowed)


def _check_complete(raw: requests.Response, shown: str) -> None:
    """Raise `IncompleteBody` when fewer bytes arrived than `Content-Length` announced."""
    declared = raw.headers.get("Content-Length")
    if raw.status_code in (204, 304) or raw.request.method == "HEAD":
        return  # no body follows, whatever Content-Length says
    received = raw.raw.tell()  # bytes off the wire, before any Content-Encoding is undone
    if declared and declared.isdigit() and received < int(declared):
        raise IncompleteBody(f"{shown}: {INCOMPLETE} ({received} of {declared} bytes)")
