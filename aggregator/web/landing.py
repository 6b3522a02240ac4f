"""Where a login lands: the dashboard (`/`), or the on-site page a visitor was sent away
from (`/login?next=/comments/42`).

`next` is honoured only as a path of this site: it must start with one `/`, carry no
scheme, host, backslash or control character, and not point back at the login itself.
Anything else (`//evil.example`, `https://evil.example`, `/\\evil.example`) lands on
the dashboard, so a crafted login link cannot send staff off-site.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.requests import Request

HOME = "/"
LOGIN = "/login"
MAX_NEXT = 2000
"""Longer `next` values are ignored (no inbox URL comes near it)."""


def safe_next(value: object) -> str | None:
    """`value` if it is a path of this site to return to after login, else None."""
    if not isinstance(value, str) or not value or len(value) > MAX_NEXT:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in (LOGIN, "/logout"):
        return None
    return value


def landing(value: object) -> str:
    """Where to go after a successful login: `next` if safe, else the dashboard."""
    return safe_next(value) or HOME


def login_url(request: Request) -> str:
    """The login page for a visitor refused at `request` (a GET): the page they asked
    for travels along as `next`, except the dashboard, where login lands anyway."""
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    wanted = safe_next(path)
    if wanted is None or wanted == HOME:
        return LOGIN
    return f"{LOGIN}?{urlencode({'next': wanted})}"
