"""The sandbox's loopback HTTP server: request log, fault injection, routing, clean stop.

Built on `http.server.ThreadingHTTPServer` (one daemon thread per connection, HTTP/1.1
keep-alive). Platform modules register `(method, regex) -> handler` routes on a `Router`
(`routing.py`); the server logs every request (`request_log.py`), applies the active
faults (never on `/_sandbox/`), and writes the response. `stop()` wakes hung and dripping
handlers and closes every open connection, so it returns promptly even while clients are
stuck.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from aggregator.sandbox import faults as fault_mod
from aggregator.sandbox.faults import Fault, FaultKind, FaultSet
from aggregator.sandbox.request_log import LoggedRequest, RequestLog
from aggregator.sandbox.routing import (
    ADMIN_PREFIX,
    Router,
    SandboxRequest,
    SandboxResponse,
    text_response,
)

log = logging.getLogger(__name__)

WRITE_CHUNK = 64 * 1024
IDLE_TIMEOUT_SECONDS = 30.0


@dataclass
class Application:
    """What the HTTP handler needs from the sandbox."""

    router: Router
    faults: FaultSet
    requests: RequestLog
    now: Callable[[], datetime]


class SandboxServer(ThreadingHTTPServer):
    """The HTTP server: one daemon thread per connection, all tracked so stop() can end them."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: Application) -> None:
        self.app = app
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._connections: dict[threading.Thread, socket.socket] = {}
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without the reverse-DNS lookup `HTTPServer` does (slow when offline)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a tracked daemon thread."""
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle plus the
        # client's delayed ACK hold every response back ~40 ms.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"sandbox-conn-{client_address[1]}",
            daemon=True,
        )
        with self._lock:
            self._connections[thread] = request
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log (not print) errors; a client hanging up is routine."""
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self, timeout: float) -> int:
        """Wake handlers, close every open connection; return how many threads are left."""
        self.stopping.set()
        with self._lock:
            open_now = dict(self._connections)
        for sock in open_now.values():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in open_now:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            return len(self._connections)


class _Handler(BaseHTTPRequestHandler):
    """Reads a request, applies faults, routes it and writes the response."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    timeout = IDLE_TIMEOUT_SECONDS
    server: SandboxServer

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def version_string(self) -> str:
        """The `Server` header: what a typical Korean blog host answers with."""
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header in sandbox time, so clients see the sandbox's clock (X's
        rate-limit resets and 7-day search window are read against it)."""
        if timestamp is None:
            timestamp = self.server.app.now().timestamp()
        return email.utils.formatdate(timestamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _handle(self) -> None:
        app = self.server.app
        request = self._read_request()
        app.requests.add(
            LoggedRequest(request.method, request.path, request.query, request.headers, app.now())
        )
        fired: dict[FaultKind, Fault] = {}
        if not request.path.startswith(ADMIN_PREFIX):
            fired = app.faults.take(request.method, request.path)
        try:
            if self._interrupted(request, fired):
                return
            response = self._respond(request, fired)
            self._send(request, response, fired)
        except (BrokenPipeError, ConnectionResetError, TimeoutError) as exc:
            log.debug("client went away during %s %s: %s", request.method, request.path, exc)
            self.close_connection = True

    def _read_request(self) -> SandboxRequest:
        parts = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        length = int(headers.get("content-length", "0") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        host = headers.get("host") or "{}:{}".format(*self.server.server_address[:2])
        return SandboxRequest(
            method=self.command.upper(),
            path=unquote(parts.path),
            target=self.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body,
            base_url=f"http://{host}",
        )

    def _interrupted(self, request: SandboxRequest, fired: Mapping[FaultKind, Fault]) -> bool:
        """Apply delay, hang and reset; True when no response must be sent."""
        stopping = self.server.stopping
        if FaultKind.RESET in fired:
            if fired[FaultKind.RESET].after_handling:
                self._dispatch(request)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return True
        if FaultKind.HANG in fired:
            stopping.wait()
            self.close_connection = True
            return True
        delay = fired.get(FaultKind.DELAY)
        if delay is not None and stopping.wait(delay.seconds):
            self.close_connection = True
            return True
        return False

    def _respond(
        self, request: SandboxRequest, fired: Mapping[FaultKind, Fault]
    ) -> SandboxResponse:
        status = fired.get(FaultKind.STATUS)
        if status is not None:
            if status.after_handling:
                self._dispatch(request)
            body, content_type = fault_mod.status_body(status)
            headers = {"Content-Type": content_type, **status.headers}
            return SandboxResponse(status.status, body, headers)
        response = self._dispatch(request)
        if FaultKind.MALFORMED in fired:
            response.body = fault_mod.corrupt(response.body, fired[FaultKind.MALFORMED].mode)
        if FaultKind.OVERSIZED in fired:
            response.body = fault_mod.pad(response.body, fired[FaultKind.OVERSIZED].size)
        retype = fired.get(FaultKind.CONTENT_TYPE)
        if retype is not None:
            response.headers.pop("Content-Type", None)
            if retype.content_type is not None:
                response.headers["Content-Type"] = retype.content_type
        return response

    def _dispatch(self, request: SandboxRequest) -> SandboxResponse:
        try:
            return self.server.app.router.dispatch(request)
        except Exception:
            log.exception("sandbox handler failed for %s %s", request.method, request.path)
            return text_response(500, "internal sandbox error")

    def _send(
        self, request: SandboxRequest, response: SandboxResponse, fired: Mapping[FaultKind, Fault]
    ) -> None:
        oversized = fired.get(FaultKind.OVERSIZED)
        declare = oversized is None or oversized.declare_length
        cut = fired.get(FaultKind.CUT)
        chunked = cut is not None and not cut.declare_length
        self.send_response(response.status, HTTPStatus(response.status).phrase)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif response.status != 304 and declare:
            self.send_header("Content-Length", str(len(response.body)))
        if not declare:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if request.method == "HEAD" or response.status == 304:
            return
        if cut is not None:
            self._write_cut(response.body, chunked)
            return
        drip = fired.get(FaultKind.DRIP)
        if drip is not None:
            self._write(response.body, drip.chunk, drip.seconds)
        else:
            self._write(response.body, WRITE_CHUNK, 0.0)

    def _write_cut(self, body: bytes, chunked: bool) -> None:
        """Send the first half of `body` (one unterminated chunk when chunked), then close."""
        part = body[: fault_mod.cut_point(body)]
        if chunked:
            part = b"%x\r\n%s\r\n" % (len(part), part)
        self.wfile.write(part)
        self.wfile.flush()
        self.close_connection = True

    def _write(self, body: bytes, size: int, pause: float) -> None:
        """Write `body` in pieces of `size`, pausing between them; stop when the sandbox does."""
        stopping = self.server.stopping
        for offset in range(0, len(body), size):
            if stopping.is_set():
                self.close_connection = True
                return
            self.wfile.write(body[offset : offset + size])
            if pause and offset + size < len(body) and stopping.wait(pause):
                self.close_connection = True
                return
