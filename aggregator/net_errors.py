"""One line naming why a request failed: DNS, refused, timeout, TLS, proxy, reset.

`requests` wraps the cause several layers deep (`ConnectionError` -> urllib3
`MaxRetryError` -> `NewConnectionError` -> `ConnectionRefusedError`); this walks the
chain and names the first cause it recognises. The line never contains a URL (URLs may
carry tokens): callers put the redacted URL in front.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterator
from http.client import RemoteDisconnected

import requests
import urllib3.exceptions as u3

TIMEOUT_IN_MESSAGE = re.compile(r"(read|connect) timeout=([0-9.]+)")


def describe_network_error(exc: BaseException) -> str:
    """A short cause for a failed request, e.g. `connection refused by 127.0.0.1:9`."""
    if isinstance(exc, requests.TooManyRedirects):
        return "too many redirects"
    causes = list(_causes(exc))
    if any(isinstance(c, requests.exceptions.ProxyError | u3.ProxyError) for c in causes):
        inner = [c for c in causes if not isinstance(c, requests.RequestException | u3.HTTPError)]
        return "proxy failed: " + (_cause(inner[0], causes) if inner else "no answer")
    for cause in causes:
        said = _cause(cause, causes)
        if said:
            return said
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return f"request failed ({type(exc).__name__})"


def _cause(cause: BaseException, chain: list[BaseException]) -> str:
    if isinstance(cause, ssl.SSLError | requests.exceptions.SSLError | u3.SSLError):
        return _tls_problem(chain)
    if isinstance(cause, u3.NameResolutionError | socket.gaierror):
        return f"DNS lookup failed: {_dns_reason(chain)}"
    if isinstance(cause, u3.NewConnectionError):
        return ""  # a ConnectTimeoutError by inheritance only: its cause says what happened
    if isinstance(cause, requests.ConnectTimeout | u3.ConnectTimeoutError):
        return f"timed out connecting{_seconds(chain, 'connect')}"
    if isinstance(cause, requests.Timeout | u3.TimeoutError | TimeoutError):
        return f"timed out waiting for an answer{_seconds(chain, 'read')}"
    if isinstance(cause, ConnectionRefusedError):
        return f"connection refused{_by(chain)}"
    if isinstance(cause, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(cause, RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(cause, OSError) and cause.strerror:
        return f"connection failed: {cause.strerror}"
    return ""


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps (causes, contexts, urllib3 reasons, args), once each."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [a for a in current.args if isinstance(a, BaseException)]
        reason = getattr(current, "reason", None)
        pending += [*wrapped, reason if isinstance(reason, BaseException) else None]
        pending += [current.__cause__, current.__context__]


def _tls_problem(chain: list[BaseException]) -> str:
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate rejected: {cause.verify_message}"
    return f"TLS handshake failed: {_ssl_reason(chain)}"


def _ssl_reason(chain: list[BaseException]) -> str:
    for cause in chain:
        if isinstance(cause, ssl.SSLError):
            return str(cause.reason or cause.strerror or cause).replace("_", " ").lower()
    return "unknown TLS error"


def _dns_reason(chain: list[BaseException]) -> str:
    host = next((c.conn.host for c in chain if isinstance(c, u3.NameResolutionError)), None)
    error = next((c for c in chain if isinstance(c, socket.gaierror)), None)
    reason = error.strerror if error is not None and error.strerror else "name not found"
    return f"{host} ({reason})" if host else reason


def _by(chain: list[BaseException]) -> str:
    for cause in chain:
        if isinstance(cause, u3.NewConnectionError):
            return f" by {cause.conn.host}:{cause.conn.port}"
    return ""


def _seconds(chain: list[BaseException], kind: str) -> str:
    for cause in chain:
        found = TIMEOUT_IN_MESSAGE.search(str(cause))
        if found and found.group(1) == kind:
            return f" ({kind} timeout {float(found.group(2)):g}s)"
    return ""
