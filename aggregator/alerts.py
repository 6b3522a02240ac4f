"""Alerts to the administrator: by e-mail (SMTP) or a webhook, once per state change.

An account alerts when it turns into a problem state (failing, stale, re-authorisation
needed, budget exhausted), when it moves between problem states, and when it recovers;
and once, as a heads-up, when it turns into a warning state (token expiring), which is
no problem and never says "recovered" when it ends. The last state is kept in the
database, so cron runs and the scheduler alert once, not on every run. Alert delivery
failures are logged and never break a sync.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import requests

from aggregator.config_sections import AlertsSection, EmailAlerts
from aggregator.health import PROBLEMS, Health
from aggregator.store import Store

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
"""Headers are not folded at 78 characters: Python's folding of a long Korean subject
drops the space at each encoded-word boundary ("일일 요약" arrived as "일일요약")."""


@dataclass(frozen=True)
class Alert:
    """One message for the administrator."""

    subject: str
    body: str


Sender = Callable[[Alert], None]


def senders(section: AlertsSection) -> list[Sender]:
    """The configured alert channels (none configured: alerts are only logged)."""
    channels: list[Sender] = []
    if section.email is not None:
        email = section.email

        def send_email(alert: Alert) -> None:
            send_mail(email, email.recipients, alert.subject, alert.body)

        channels.append(send_email)
    if section.webhook_url is not None:
        url = str(section.webhook_url)

        def send_webhook(alert: Alert) -> None:
            payload = {"text": f"{alert.subject}\n{alert.body}", "subject": alert.subject}
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json; charset=utf-8"}
            requests.post(
                url, data=body, headers=headers, timeout=TIMEOUT_SECONDS
            ).raise_for_status()

        channels.append(send_webhook)
    return channels


def send_mail(
    server: EmailAlerts,
    recipients: Sequence[str],
    subject: str,
    body: str,
    sender: str | None = None,
) -> None:
    """Send one plain-text message through the configured SMTP server (STARTTLS, login)."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"], message["From"] = subject, sender or server.sender
    message["To"] = ", ".join(recipients)
    message.set_content(body)
    with smtplib.SMTP(server.smtp_host, server.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if server.starttls:
            smtp.starttls()
        if server.username and server.password:
            smtp.login(server.username, server.password.value)
        smtp.send_message(message)


def deliver(alert: Alert, channels: Sequence[Sender]) -> bool:
    """Send on every channel; log failures; True when at least one channel took it."""
    log.warning("ALERT %s: %s", alert.subject, alert.body)
    delivered = False
    for channel in channels:
        try:
            channel(alert)
            delivered = True
        except Exception as exc:  # an alert must never break the sync that raised it
            log.error("alert delivery failed (%s): %s", type(exc).__name__, exc)
    return delivered or not channels


def notify_changes(
    store: Store, healths: Sequence[Health], channels: Sequence[Sender]
) -> list[Alert]:
    """Alert on every account whose problem state changed since last recorded; record it."""
    known = store.sync.health_states()
    sent = []
    for health in healths:
        previous = known.get(health.account)
        quiet = not (health.is_problem or health.is_warning)
        if previous == health.state or (previous is None and quiet):
            if previous is None:
                store.sync.record_health(health.account, health.state, alerted=False)
            continue
        alert = _alert_for(health, previous)
        if alert is None:
            store.sync.record_health(health.account, health.state, alerted=False)
            continue
        store.sync.record_health(health.account, health.state, alerted=deliver(alert, channels))
        sent.append(alert)
    return sent


def _alert_for(health: Health, previous: str | None) -> Alert | None:
    was_problem = previous in PROBLEMS
    if health.is_problem:
        body = f"{health.account} is now {health.label}"
        if health.detail:
            body += f": {health.detail}"
        if health.state == "needs_reauth":
            body += "\nRenew the token (see README, the platform's section) and set its variable."
        return Alert(f"[aggregator] {health.account}: {health.label}", body)
    if health.is_warning:
        body = f"{health.account}: {health.label}"
        if health.detail:
            body += f": {health.detail}"
        if was_problem:
            body += f"\n(It was {previous}: that has cleared.)"
        return Alert(f"[aggregator] {health.account}: {health.label}", body)
    if was_problem:
        return Alert(
            f"[aggregator] {health.account}: recovered",
            f"{health.account} is {health.label} again (was {previous}).",
        )
    return None
