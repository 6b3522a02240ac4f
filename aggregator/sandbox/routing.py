"""Requests, responses and the route table the sandbox's platform modules serve through.

A platform module registers `(method, regex) -> handler` routes on a `Router`; a handler
gets the decoded `SandboxRequest` and the path's match and returns a `SandboxResponse`.
The sandbox's own admin routes live under `ADMIN_PREFIX` (faults never apply there, and
the request log leaves them out unless asked for them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

ADMIN_PREFIX = "/_sandbox/"


@dataclass(frozen=True)
class SandboxRequest:
    """A request as handlers see it: the path is percent-decoded, header names lower-case."""

    method: str
    path: str
    target: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str
    """`http://host:port` as the client addressed the sandbox (from the Host header)."""

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive) or None."""
        return self.headers.get(name.lower())

    def param(self, name: str) -> str | None:
        """The first value of a query parameter or None."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class SandboxResponse:
    """What a handler returns; `Content-Length` is added when sending."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[SandboxRequest, "re.Match[str]"], SandboxResponse]


def text_response(status: int, text: str, content_type: str = "text/plain") -> SandboxResponse:
    """A small UTF-8 response."""
    headers = {"Content-Type": f"{content_type}; charset=UTF-8"}
    return SandboxResponse(status, text.encode("utf-8"), headers)


@dataclass(frozen=True)
class Route:
    """One entry of the route table; `pattern` must match the whole decoded path."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Maps (method, path) to handlers; HEAD is served by GET handlers."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register `handler` for `method` requests whose whole path matches `pattern`."""
        self._routes.append(Route(method.upper(), re.compile(pattern), handler))

    @property
    def routes(self) -> tuple[Route, ...]:
        """The route table, in the order requests try it."""
        return tuple(self._routes)

    def dispatch(self, request: SandboxRequest) -> SandboxResponse:
        """Call the matching handler; 404 when no route matches, 405 for a wrong method."""
        allowed: list[str] = []
        for route in self._routes:
            match = route.pattern.fullmatch(request.path)
            if match is None:
                continue
            wanted = "GET" if request.method == "HEAD" else request.method
            if route.method == wanted:
                return route.handler(request, match)
            allowed.append(route.method)
        if allowed:
            response = text_response(405, "method not allowed")
            response.headers["Allow"] = ", ".join(sorted(set(allowed)))
            return response
        return text_response(404, f"no such page: {request.path}", "text/html")
