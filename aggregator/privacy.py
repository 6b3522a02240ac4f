"""PIPA destruction as the CLI and the scheduler use it: the retention purge and
forgetting one person on request (rules in `aggregator.store.privacy`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from aggregator.config import Schedule, Settings
from aggregator.store import Store
from aggregator.store.access_log import AccessEntry
from aggregator.store.privacy_repo import Forgotten
from aggregator.workflow import Role

if TYPE_CHECKING:
    from aggregator.scheduling import ExtraJob

log = logging.getLogger(__name__)

PURGE_JOB = "privacy-purge"
PURGE_SCHEDULE = Schedule(cron="30 3 * * *")
"""Daily at 03:30 office time, when nobody syncs by hand."""


class PrivacyError(Exception):
    """A privacy action cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class Actor:
    """Who destroys: a staff account (with its role), `cli:<user>` or a scheduler job."""

    staff: str
    role: Role | None = None


def purge(store: Store, settings: Settings, actor: Actor, dry_run: bool = False) -> dict[str, int]:
    """Destroy residents' data older than `privacy.retention_days`; return the counts."""
    days = settings.privacy.retention_days
    cutoff = store.clock() - timedelta(days=days)
    detail = {"retention_days": days, "cutoff": cutoff.isoformat()}
    entry = AccessEntry(
        staff=actor.staff,
        action="privacy_purge",
        role=actor.role.value if actor.role else None,
        target="retention",
        detail=detail,
    )
    return store.privacy.purge_expired(cutoff, settings.timezone, entry, dry_run=dry_run)


def forget(
    store: Store,
    settings: Settings,
    actor: Actor,
    platform: str,
    author_id: str,
    author_name: str | None,
    reason: str,
) -> Forgotten:
    """Delete one person's data and tombstone them (admins only, with a reason)."""
    if actor.role is not Role.ADMIN:
        raise PrivacyError("only an admin may delete a person's data")
    if not reason.strip():
        raise PrivacyError("a reason is required: it is recorded in the access log")
    if not platform.strip() or not author_id.strip():
        raise PrivacyError("give the platform and the author's id")
    entry = AccessEntry(
        staff=actor.staff,
        action="privacy_forget",
        role=actor.role.value,
        detail={"reason": reason.strip()},
    )
    return store.privacy.forget_author(
        platform.strip(), author_id.strip(), (author_name or "").strip() or None,
        settings.timezone, entry,
    )  # fmt: skip


def scheduled_purge(store: Store, settings: Settings) -> None:
    """The scheduler's daily retention purge."""
    counts = purge(store, settings, Actor(staff=f"job:{PURGE_JOB}"))
    log.info("privacy purge: %d comments destroyed", counts["comments"])


def privacy_jobs(_settings: Settings) -> list[ExtraJob]:
    """The scheduler's daily purge (`scheduler.py` lists it)."""
    from aggregator.scheduling import ExtraJob

    return [ExtraJob(PURGE_JOB, PURGE_SCHEDULE, scheduled_purge)]
