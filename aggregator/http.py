"""One place for HTTP: timeouts, body-size caps, run deadlines, bounded retries.

Every outbound call of every connector goes through `HttpClient`, so no request can
hang a run (connect/read timeouts plus an overall deadline checked while the body
streams in) and no body can exhaust memory (a size cap checked against
`Content-Length` and while reading). Every session it uses (and the one tweepy gets,
see `connectors.x_session`) is guarded against SSRF by `aggregator.net_guard`: no
request or redirect hop reaches a private or local address outside
`HttpSettings.allow_private_networks`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from aggregator.connector import DeadlineExceeded, FetchError, ParseError
from aggregator.net_errors import describe_network_error
from aggregator.net_guard import AddressPolicy, IPNetwork, guard_session

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
CHUNK_BYTES = 64 * 1024
INCOMPLETE = "incomplete body: the connection closed before the answer ended; nothing used"
DEFAULT_ALLOWED_NETWORKS: tuple[IPNetwork, ...] = ()
"""Private networks a client allows when its settings do not say: none. The test suite
sets loopback here once (tests/conftest.py), where its local servers listen."""


class IncompleteBody(ParseError):
    """The connection closed before the whole body arrived: nothing of it may be used."""


@dataclass(frozen=True)
class HttpSettings:
    """Limits that apply to every request."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_body_bytes: int = 5 * 1024 * 1024
    retries: int = 2
    backoff_seconds: float = 1.0
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
    """A `requests.Session` wrapper that enforces our limits and counts calls."""

    settings: HttpSettings = field(default_factory=HttpSettings)
    session: requests.Session = field(default_factory=requests.Session)
    deadline: float | None = None
    """`time.monotonic()` value after which no request may start or continue."""
    sleep: Callable[[float], None] = time.sleep
    calls: int = 0

    def __post_init__(self) -> None:
        self.session.headers["User-Agent"] = self.settings.user_agent
        guard_session(self.session, self.address_policy)

    @property
    def address_policy(self) -> AddressPolicy:
        """Which addresses this client's requests may reach."""
        return address_policy(self.settings.allow_private_networks)

    def seconds_left(self) -> float | None:
        """Seconds until the run deadline, or None when there is none."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET `url` with retries on connection errors and 5xx; raise `FetchError` on failure.

        Statuses below 500 (including 304 and 4xx) are returned to the caller, which
        knows what they mean for its platform.
        """
        attempt = 0
        while True:
            try:
                response = self._get_once(url, headers)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.settings.retries:
                    raise FetchError(f"{_redact_url(url)}: {describe_network_error(exc)}") from exc
            except requests.RequestException as exc:  # redirect loops, invalid URLs: not retried
                raise FetchError(f"{_redact_url(url)}: {describe_network_error(exc)}") from exc
            else:
                if response.status not in RETRYABLE_STATUSES:
                    return response
                if attempt >= self.settings.retries:
                    raise FetchError(f"{_redact_url(url)}: HTTP {response.status}")
            attempt += 1
            self._backoff(attempt, url)

    def _backoff(self, attempt: int, url: str) -> None:
        delay = self.settings.backoff_seconds * (2 ** (attempt - 1))
        left = self.seconds_left()
        if left is not None and left <= delay:
            raise DeadlineExceeded(f"run deadline reached while retrying {_redact_url(url)}")
        log.warning("retrying %s in %.1fs (attempt %d)", _redact_url(url), delay, attempt + 1)
        self.sleep(delay)

    def _get_once(self, url: str, headers: Mapping[str, str] | None) -> Response:
        self.check_deadline(url)
        self.calls += 1
        timeout = self.timeouts()
        with self.session.get(
            url, headers=dict(headers or {}), timeout=timeout, stream=True, allow_redirects=True
        ) as raw:
            content = self.read_body(raw, url)
            permanent = any(step.status_code in (301, 308) for step in raw.history)
            return Response(
                url=raw.url,
                status=raw.status_code,
                headers=raw.headers,
                content=content,
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
        cap = self.settings.max_body_bytes
        declared = raw.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(f"{_redact_url(url)}: body of {declared} bytes exceeds cap of {cap}")
        chunks: list[bytes] = []
        size = 0
        try:
            # read1 returns whatever has arrived, so a server dripping one byte at a time
            # still lets us check the deadline (iter_content would block for a full chunk).
            while chunk := raw.raw.read1(CHUNK_BYTES, decode_content=True):
                size += len(chunk)
                if size > cap:
                    raise FetchError(f"{_redact_url(url)}: body exceeds cap of {cap} bytes")
                chunks.append(chunk)
                self.check_deadline(url)
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead) as exc:
            raise IncompleteBody(f"{_redact_url(url)}: {INCOMPLETE}") from exc
        _check_complete(raw, url)
        return b"".join(chunks)

    def check_deadline(self, url: str) -> None:
        """Raise `DeadlineExceeded` when the run deadline has passed."""
        left = self.seconds_left()
        if left is not None and left <= 0:
            raise DeadlineExceeded(f"run deadline reached while fetching {_redact_url(url)}")

    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request for a library that wants a `requests.Response` (facebook-sdk).

        Counted, with our timeouts (the read timeout shrinks to the run deadline), the
        body read under the size cap before it is returned (so `.content` and `.json()`
        work as usual), and no retries: the caller decides what to retry. Extra keyword
        arguments (`params`, `data`, `hooks`, ...) go to `requests`; `url` must not carry
        secrets, since error messages show it (pass them in `params`).
        """
        self.check_deadline(url)
        self.calls += 1
        timeout = self.timeouts()
        raw = self.session.request(method, url, timeout=timeout, stream=True, **kwargs)
        try:
            raw._content = self.read_body(raw, url)
        finally:
            raw.close()
        return raw


def address_policy(allowed: tuple[IPNetwork, ...] | None) -> AddressPolicy:
    """The policy for an allow-list; None (not configured) means `DEFAULT_ALLOWED_NETWORKS`."""
    return AddressPolicy(DEFAULT_ALLOWED_NETWORKS if allowed is None else allowed)


def _redact_url(url: str) -> str:
    """Drop the query string, which may carry tokens, from a URL shown to people."""
    return url.split("?", 1)[0]


def _check_complete(raw: requests.Response, url: str) -> None:
    """Raise `IncompleteBody` when fewer bytes arrived than `Content-Length` announced."""
    declared = raw.headers.get("Content-Length")
    if raw.status_code in (204, 304) or raw.request.method == "HEAD":
        return  # no body follows, whatever Content-Length says
    received = raw.raw.tell()  # bytes off the wire, before any Content-Encoding is undone
    if declared and declared.isdigit() and received < int(declared):
        raise IncompleteBody(f"{_redact_url(url)}: {INCOMPLETE} ({received} of {declared} bytes)")
