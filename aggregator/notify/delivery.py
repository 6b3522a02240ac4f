"""Sending queued messages: e-mail through the SMTP server of `alerts.email`, webhooks
(Slack-compatible `{"text": ...}`) through the SSRF-guarded HTTP client.

Each message is tried up to `notifications.max_attempts` times, waiting
`retry_minutes`, then twice as long each time; then it is `failed`, with its last
error, for the admin (`/admin/departments`, `aggregator notify status`). One sender
at a time per database (the `notify` service lease): cron and the scheduler never
send the same message twice.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import requests

from aggregator.alerts import send_mail
from aggregator.config import Settings
from aggregator.http import HttpClient
from aggregator.net_errors import describe_network_error
from aggregator.store import Store
from aggregator.store.sync_repo import Holder

log = logging.getLogger(__name__)
LEASE = "notify"
LEASE_TTL = timedelta(minutes=10)


class NotifierBusy(Exception):
    """Another process (cron or the scheduler) is sending notifications right now."""


class DeliveryError(Exception):
    """A message could not be sent; the message says why, in Korean."""


@dataclass
class DeliveryReport:
    """What one delivery run did: sent, retried later, failed for good."""

    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        """Messages that failed for good in this run."""
        return self.outcomes["failed"]


@dataclass
class Channels:
    """The ways out: the SMTP server and the HTTP client for webhooks."""

    settings: Settings
    http: HttpClient

    def send(self, message: dict[str, Any]) -> None:
        """Send one queued message; `DeliveryError` saying why not."""
        if message["channel"] == "email":
            self._mail(message)
        else:
            self._webhook(message)

    def _mail(self, message: dict[str, Any]) -> None:
        server = self.settings.alerts.email
        if server is None:
            raise DeliveryError("메일 서버가 설정되지 않았습니다 (config.yaml의 alerts.email)")
        sender = self.settings.notifications.sender
        try:
            send_mail(server, [message["recipient"]], message["subject"], message["body"], sender)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"메일을 보내지 못했습니다: {_describe_smtp(exc)}") from exc

    def _webhook(self, message: dict[str, Any]) -> None:
        text = f"{message['subject']}\n{message['body']}"
        body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            answer = self.http.send("POST", message["recipient"], data=body, headers=headers)
        except requests.RequestException as exc:
            raise DeliveryError(
                f"웹훅에 연결하지 못했습니다: {describe_network_error(exc)}"
            ) from exc
        except Exception as exc:  # the SSRF guard, size caps, deadlines: all say why
            raise DeliveryError(f"웹훅에 보내지 못했습니다: {exc}") from exc
        if answer.status_code >= 300:
            raise DeliveryError(f"웹훅이 HTTP {answer.status_code} 로 거부했습니다")


def _describe_smtp(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error
        text = said.decode("utf-8", "replace") if isinstance(said, bytes) else said
        return f"서버 응답 {exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "받는 주소를 서버가 거부했습니다"
    if isinstance(exc, ConnectionRefusedError):
        return "메일 서버가 연결을 거부했습니다"
    if isinstance(exc, TimeoutError):
        return "메일 서버 응답 시간 초과"
    return f"{type(exc).__name__}: {exc}"


def deliver_due(store: Store, channels: Channels, limit: int = 200) -> DeliveryReport:
    """Send every due message once (each in its own transaction); `NotifierBusy` when
    another sender holds the lease."""
    holder = Holder.this_process()
    if store.sync.acquire_service_lease(LEASE, holder, LEASE_TTL) is not None:
        raise NotifierBusy("다른 알림 발송이 진행 중입니다 (cron 또는 scheduler의 notify 작업)")
    report = DeliveryReport()
    try:
        due = store.outbox.due_notifications(limit)
        for message in due:
            report.outcomes[_deliver_one(store, channels, message)] += 1
    finally:
        store.sync.release_service_lease(LEASE, holder)
    return report


def _deliver_one(store: Store, channels: Channels, message: dict[str, Any]) -> str:
    """Try one message; record the outcome: sent, retry or failed."""
    attempts = int(message["attempts"]) + 1
    try:
        channels.send(message)
    except DeliveryError as exc:
        return _record_failure(store, channels.settings, message, attempts, str(exc))
    store.outbox.notification_sent(message["id"], attempts)
    return "sent"


def _record_failure(
    store: Store, settings: Settings, message: dict[str, Any], attempts: int, error: str
) -> str:
    section = settings.notifications
    retry_at = None
    if attempts < section.max_attempts:
        wait = timedelta(minutes=section.retry_minutes * 2 ** (attempts - 1))
        retry_at = store.clock() + wait
    store.outbox.notification_failed(message["id"], attempts, error, retry_at)
    log.warning("notification %s to %s: %s", message["id"], message["channel"], error)
    return "retry" if retry_at else "failed"
