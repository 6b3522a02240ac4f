"""Sessions, CSRF, roles and security headers of the inbox.

- Sessions are server-side rows; the cookie (HttpOnly, SameSite=Strict, Secure over
  https) holds a random token whose SHA-256 is the row's key.
- Every POST carries the session's CSRF token in a form field (synchronizer token);
  a missing or foreign token is refused with 403. No GET route changes state.
- Every route names the roles it admits (`RouteSpec`); the check runs on the server
  for every request, whatever the page shows.
- Responses carry a Content-Security-Policy without 'unsafe-inline'.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aggregator.config_review import WebSection
from aggregator.workflow import Role

SESSION_COOKIE = "aggregator_session"
LOGIN_COOKIE = "aggregator_login"
MAX_BODY = 256 * 1024
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


@dataclass(frozen=True)
class RouteSpec:
    """One route: path, method, endpoint name and the roles allowed (None: public)."""

    path: str
    method: str
    name: str
    roles: frozenset[Role] | None


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def same_token(expected: str, given: Any) -> bool:
    """Constant-time comparison of a CSRF token."""
    return isinstance(given, str) and bool(given) and hmac.compare_digest(expected, given)


def csrf_ok(form: FormData, expected: str) -> bool:
    """The form's `csrf_token` equals the session's."""
    return same_token(expected, form.get("csrf_token"))


def client_ip(request: Request, web: WebSection) -> str | None:
    """The client's address (the first X-Forwarded-For hop only behind a trusted proxy)."""
    if web.trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded[:64]
    return request.client.host if request.client else None


def cookie_secure(request: Request, web: WebSection) -> bool:
    """Whether cookies get the Secure flag."""
    if web.secure_cookies == "auto":
        return request.url.scheme == "https"
    return web.secure_cookies == "always"


class SecurityHeaders:
    """ASGI middleware: security headers on every response, request bodies capped.

    It must be the outermost layer (see `aggregator.web.InboxApp`), so that the
    answers made outside the routes carry the headers too: the 500 page of
    Starlette's error middleware, 404/405 from the router, static files, and the 413
    this middleware gives itself.
    """

    def __init__(self, app: ASGIApp, too_large_page: str = "") -> None:
        self.app = app
        self.too_large_page = too_large_page or "요청이 너무 큽니다"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_security_headers(
                    list(message.get("headers", [])), scope["path"]
                )
            await send(message)

        length = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if length.isdigit() and int(length) > MAX_BODY:
            await _too_large(send_with_headers, self.too_large_page)
            return
        await self.app(scope, receive, send_with_headers)


def _with_security_headers(
    headers: list[tuple[bytes, bytes]], path: str
) -> list[tuple[bytes, bytes]]:
    """`headers` plus every security header they lack (and no-store outside /static)."""
    present = {name.lower() for name, _ in headers}
    for name, value in HEADERS.items():
        if name.encode() not in present:
            headers.append((name.encode(), value.encode()))
    if not path.startswith("/static/"):
        headers.append((b"cache-control", b"no-store"))
    return headers


async def _too_large(send: Send, page: str) -> None:
    kind = b"text/html" if page.startswith("<") else b"text/plain"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", kind + b"; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": page.encode()})
