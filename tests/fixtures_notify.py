"""Real receivers for notification tests: an SMTP server (aiosmtpd) and a webhook
receiver (http.server), both on loopback, plus settings that point at them."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from aggregator.config import Settings, parse_settings
from tests.fixtures_web import CONFIG, PSEUDONYM_KEY

PUBLIC_URL = "https://sns.hanbit-gu.example"


@dataclass
class MailHandler:
    """Keeps every message; refuses the first `refuse` deliveries with 451."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    refuse: int = 0

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 mailbox temporarily unavailable"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages delivered to `address`."""
        return [
            m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt
        ]


@dataclass
class SmtpServer:
    """A running aiosmtpd server and what it received."""

    port: int
    handler: MailHandler


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = MailHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield SmtpServer(controller.port, handler)
    controller.stop()


class Receiver(ThreadingHTTPServer):
    """Keeps every POSTed JSON body; answers with `statuses` in turn, then 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.posts: list[dict[str, Any]] = []
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/dept"


class _Hook(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        if status == 200:
            self.server.posts.append(json.loads(body.decode("utf-8")))
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def notify_settings(smtp_port: int, extra: str = "") -> Settings:
    """The web tests' config plus an SMTP server, the public URL and `extra` YAML."""
    text = (
        CONFIG
        + f"""
alerts:
  email:
    smtp_host: 127.0.0.1
    smtp_port: {smtp_port}
    starttls: false
    sender: sns@hanbit-gu.example
    recipients: [it@hanbit-gu.example]
web:
  public_url: {PUBLIC_URL}
"""
        + extra
    )
    return parse_settings(text, environ={"AGGREGATOR_PSEUDONYM_KEY": PSEUDONYM_KEY})
