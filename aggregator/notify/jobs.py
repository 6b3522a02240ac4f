"""The two entry points cron and the scheduler share: `notify` (queue new events, send
what is due; every minute) and `digest` (queue today's digests, send them; daily at
`notifications.digest_time`, Monday to Friday, holidays skipped)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aggregator.config import Schedule, Settings
from aggregator.deadlines import is_business_day
from aggregator.http import HttpClient
from aggregator.notify.delivery import Channels, DeliveryReport, NotifierBusy, deliver_due
from aggregator.notify.digest import DIGEST_RECORD, DigestReport, digest_done, send_digests
from aggregator.notify.queue import queue_new
from aggregator.store import Store

if TYPE_CHECKING:
    from aggregator.scheduling import ExtraJob

log = logging.getLogger(__name__)


def channels_for(settings: Settings) -> Channels:
    """The SMTP server and a guarded HTTP client with the config's limits (no retries:
    the outbox retries, later)."""
    from aggregator.runner import http_settings

    limits = replace(http_settings(settings), retries=0)
    return Channels(settings, HttpClient(settings=limits))


def notify(store: Store, settings: Settings, limit: int = 200) -> tuple[int, DeliveryReport]:
    """Queue the messages of new events, then send every due message."""
    queued = queue_new(store, settings)
    return queued, deliver_due(store, channels_for(settings), limit)


def digest(store: Store, settings: Settings) -> tuple[DigestReport, DeliveryReport]:
    """Queue today's digests (business days only), then send every due message."""
    report = send_digests(store, settings)
    return report, deliver_due(store, channels_for(settings))


def digest_overdue(store: Store, settings: Settings) -> bool:
    """A business day past `digest_time` whose digests were not made (the scheduler was
    down at that time): the next `notify` run makes them."""
    local = store.clock().astimezone(ZoneInfo(settings.timezone))
    if local.time() < settings.notifications.digest_at or not is_business_day(local.date()):
        return False
    return not digest_done(store.outbox.notification_cursor(DIGEST_RECORD), local.date())


def scheduled_notify(store: Store, settings: Settings) -> None:
    """The scheduler's `notify` job (skipped while cron's `notify send` runs); it also
    makes a day's digests the `digest` job missed."""
    try:
        if settings.notifications.enabled and digest_overdue(store, settings):
            log.info("making today's digests, missed at %s", settings.notifications.digest_time)
            send_digests(store, settings)
        queued, report = notify(store, settings)
    except NotifierBusy as exc:
        log.info("notify job skipped: %s", exc)
        return
    if queued or report.outcomes:
        log.info("notify job: queued %d, %s", queued, dict(report.outcomes))


def scheduled_digest(store: Store, settings: Settings) -> None:
    """The scheduler's `digest` job."""
    try:
        report, delivered = digest(store, settings)
    except NotifierBusy as exc:
        log.warning("digest job: sending postponed to the next notify run: %s", exc)
        return
    log.info("digest job %s: %s, %s", report.day, report.places, dict(delivered.outcomes))


def notify_jobs(settings: Settings) -> list[ExtraJob]:
    """The scheduler's `notify` (every minute) and `digest` (daily) jobs."""
    from aggregator.scheduling import ExtraJob

    at = settings.notifications.digest_at
    daily = Schedule(cron=f"{at.minute} {at.hour} * * mon-fri")
    return [
        ExtraJob("notify", Schedule(interval_minutes=1), scheduled_notify),
        ExtraJob("digest", daily, scheduled_digest),
    ]
