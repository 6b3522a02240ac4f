"""A minimal write platform over real HTTP for the answers worker's process tests, and a
`writer_for` that talks to it (stands in for `connectors.writers` in process tests).

`POST /replies` stores a reply and then waits `ACCEPT_DELAY` before answering, so a
worker killed at a random moment is often killed after the platform accepted a reply
and before the worker committed it: the case exactly-once must survive.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from aggregator.http import HttpClient
from connectors.common.reply import (
    PostedReply,
    ReplyTarget,
    ReplyWriter,
    WriteError,
    WriteErrorKind,
)

URL_ENV = "ANSWER_TEST_PLATFORM_URL"
ACCEPT_DELAY = 0.05


class PlatformServer(ThreadingHTTPServer):
    """Holds the replies it accepted."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: PlatformServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            reply = {
                "id": f"{body['under']}_r{len(self.server.replies) + 1}",
                "under": body["under"],
                "text": body["text"],
                "at": datetime.now(UTC).isoformat(),
            }
            self.server.replies.append(reply)
        time.sleep(ACCEPT_DELAY)
        self._send(reply)

    def do_GET(self) -> None:
        under = parse_qs(urlsplit(self.path).query).get("under", [""])[0]
        with self.server.lock:
            self._send([r for r in self.server.replies if r["under"] == under])

    def _send(self, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running_platform() -> Iterator[PlatformServer]:
    server = PlatformServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class HttpWriter:
    """`ReplyWriter` over the test platform."""

    can_hide = False

    def __init__(self, url: str) -> None:
        self.url = url

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        body = {"under": target.platform_comment_id, "text": text}
        try:
            reply = requests.post(f"{self.url}/replies", json=body, timeout=5).json()
        except requests.RequestException as exc:
            raise WriteError(WriteErrorKind.NETWORK, repr(exc), "게시 결과 확인 불가") from exc
        return PostedReply(reply["id"], reply["id"])

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        params = {"under": target.platform_comment_id}
        replies = requests.get(f"{self.url}/replies", params=params, timeout=5).json()
        for reply in replies:
            at = datetime.fromisoformat(reply["at"])
            if reply["text"].strip() == text.strip() and at >= since:
                return PostedReply(reply["id"], reply["id"])
        return None

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        raise NotImplementedError


def writer_for(account: Any, http: HttpClient) -> ReplyWriter | None:
    """Every account writes to the platform named by `ANSWER_TEST_PLATFORM_URL`."""
    return HttpWriter(os.environ[URL_ENV])
