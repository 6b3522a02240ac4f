"""A tiny loopback HTTP server for blog-connector tests (stdlib only, port 0).

Serves canned feeds per path, honours ETag / Last-Modified for conditional GET,
sends redirects and error statuses, and records every request with its headers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "blog"
BASE_PLACEHOLDER = b"__BASE__"


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=UTF-8"
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]


@dataclass
class FeedServer:
    """Start with `with FeedServer() as server:`; `server.base` is `http://127.0.0.1:{port}`."""

    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    base: str = ""

    def __post_init__(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def serve(self, path: str, body: bytes = b"", **options: object) -> Route:
        """Answer `path` with `body` (`__BASE__` replaced by this server's address)."""
        route = Route(body=body.replace(BASE_PLACEHOLDER, self.base.encode()), **options)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def serve_fixture(self, path: str, name: str, **options: object) -> Route:
        """Answer `path` with the fixture file `name` from tests/fixtures/blog/."""
        return self.serve(path, (FIXTURES / name).read_bytes(), **options)

    def hits(self, path: str) -> list[Seen]:
        """The requests received for `path` (query string ignored)."""
        return [seen for seen in self.requests if urlsplit(seen.path).path == path]


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(Seen(self.path, dict(self.headers.items())))
            route = server.routes.get(urlsplit(self.path).path)
            if route is None:
                self._answer(404, {"Content-Type": "text/plain"}, b"not found")
            elif self._not_modified(route):
                self._answer(304, _validators(route), b"")
            else:
                self._answer(route.status, _headers(route), route.body)

        def _not_modified(self, route: Route) -> bool:
            etag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if route.etag and etag is not None:
                return etag == route.etag
            return bool(route.last_modified and since == route.last_modified)

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


def _validators(route: Route) -> dict[str, str]:
    headers = {}
    if route.etag:
        headers["ETag"] = route.etag
    if route.last_modified:
        headers["Last-Modified"] = route.last_modified
    return headers


def _headers(route: Route) -> dict[str, str]:
    headers = _validators(route)
    if route.content_type:
        headers["Content-Type"] = route.content_type
    if route.location:
        headers["Location"] = route.location
    return headers
