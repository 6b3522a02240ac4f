"""The scheduler's jobs, built from config (the one source of truth) on any APScheduler 3.x.

Jobs: `sync:<account>` on each enabled account's schedule, `reconcile:<account>` where a
`reconcile_schedule` is set, `health` (alerts on state changes), `lease` (keeps this
scheduler the only one for the database), and the maintenance jobs the caller passes
in (`scheduler.py` lists them: retention, topics, answers, notifications). Every sync
job calls the same function as the CLI, with the run deadline from config, so a hung
server can never block later runs.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobExecutionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from aggregator.alerts import Alert, deliver, senders
from aggregator.config import Schedule, Settings
from aggregator.connector import RunStatus
from aggregator.health import cron_trigger
from aggregator.runner import alert_on_changes, close_abandoned_runs, sync_accounts
from aggregator.store import AccountStatus, Store
from aggregator.store.locks import Holder

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
BUILT_IN_JOBS = frozenset({"health", "lease"})
"""Ids of the service's own jobs; the accounts' jobs are `sync:<name>`, `reconcile:<name>`."""


@dataclass(frozen=True)
class ExtraJob:
    """A maintenance job a feature offers (retention, topics, answers, notifications)."""

    id: str
    schedule: Schedule
    run: Callable[[Store, Settings], None]


def unique_jobs(jobs: Sequence[ExtraJob]) -> tuple[ExtraJob, ...]:
    """`jobs` as a tuple; `ValueError` naming an id given twice or one the service uses."""
    seen: set[str] = set()
    for job in jobs:
        if job.id in BUILT_IN_JOBS or ":" in job.id:
            raise ValueError(
                f"scheduler job id {job.id!r} is reserved for the scheduler's own jobs "
                "(health, lease, sync:<account>, reconcile:<account>)"
            )
        if job.id in seen:
            raise ValueError(f"scheduler job id {job.id!r} is given twice")
        seen.add(job.id)
    return tuple(jobs)


def trigger_for(schedule: Schedule, timezone: str) -> BaseTrigger:
    """An interval or cron trigger in the office's time zone."""
    if schedule.interval_minutes is not None:
        return IntervalTrigger(minutes=schedule.interval_minutes, timezone=timezone)
    return cron_trigger(schedule, timezone)


class SchedulerService:
    """Builds the jobs on a scheduler and runs them; counts skipped runs; stops cleanly.

    `extra_jobs` are the maintenance jobs to run besides syncs, health and the lease
    (`ValueError` when an id repeats or is reserved).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        holder: Holder | None = None,
        *,
        extra_jobs: Sequence[ExtraJob] = (),
    ) -> None:
        self.settings = settings
        self.store = store
        self.extra_jobs = unique_jobs(extra_jobs)
        self.holder = holder or Holder.this_process()
        self.stop_requested = threading.Event()
        self.skips: Counter[str] = Counter()
        self.running = 0
        self._running_lock = threading.Lock()
        self._channels = senders(settings.alerts)
        self._scheduler: BaseScheduler | None = None

    def stop(self) -> None:
        """Ask running syncs to end after their current page and stop scheduling."""
        log.warning("stopping: running syncs end after their current page")
        self.stop_requested.set()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def _on_started(self, _event: SchedulerEvent) -> None:
        """A stop asked for while the service was starting ends the scheduler at once
        (`stop` could not shut down a scheduler that was not running yet)."""
        if self.stop_requested.is_set() and self._scheduler is not None:
            self._scheduler.shutdown(wait=False)

    # -- building ---------------------------------------------------------------------
    def configure(self, scheduler: BaseScheduler) -> BaseScheduler:
        """Give `scheduler` our executor, defaults, listeners and every job."""
        section = self.settings.scheduler
        scheduler.configure(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(section.max_workers)},
            job_defaults={
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": section.misfire_grace_seconds,
            },
            timezone=self.settings.timezone,
        )
        self._scheduler = scheduler
        scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        scheduler.add_listener(self._on_skip, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        scheduler.add_listener(self._on_done, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self._add_account_jobs(scheduler)
        self._add_service_jobs(scheduler)
        return scheduler

    def _add_account_jobs(self, scheduler: BaseScheduler) -> None:
        zone = self.settings.timezone
        close_abandoned_runs(self.store)
        statuses = {s.name: s for s in self.store.sync.account_statuses(zone)}
        for account in self.settings.accounts:
            if not account.enabled:
                continue
            scheduler.add_job(
                self.run_sync, trigger_for(account.schedule, zone), args=[account.name, False],
                id=f"sync:{account.name}", name=f"sync {account.name}",
                next_run_time=self._first_run(account.schedule, statuses.get(account.name)),
            )  # fmt: skip
            if account.reconcile_schedule is not None:
                scheduler.add_job(
                    self.run_sync, trigger_for(account.reconcile_schedule, zone),
                    args=[account.name, True], id=f"reconcile:{account.name}",
                    name=f"reconcile {account.name}",
                )  # fmt: skip

    def _add_service_jobs(self, scheduler: BaseScheduler) -> None:
        section = self.settings.scheduler
        scheduler.add_job(
            self.check_health, IntervalTrigger(minutes=section.health_check_minutes), id="health"
        )
        scheduler.add_job(
            self.renew_lease,
            IntervalTrigger(seconds=max(10, section.lease_seconds // 3)),
            id="lease",
        )
        for job in self.extra_jobs:
            scheduler.add_job(
                self._guarded(job), trigger_for(job.schedule, self.settings.timezone), id=job.id
            )

    def _first_run(self, schedule: Schedule, last: AccountStatus | None) -> datetime | None:
        """When an account first runs: at once if its last run did not finish (killed,
        interrupted) or an interval is overdue (one catch-up run after downtime)."""
        now = self.store.clock()
        if last is not None and last.last_run_status in RunStatus.UNFINISHED:
            return now
        if schedule.interval_minutes is None:
            return None  # a cron schedule runs at its next fire time
        if last is None or last.last_run_started_at is None:
            return now
        return max(now, last.last_run_started_at + timedelta(minutes=schedule.interval_minutes))

    # -- jobs -------------------------------------------------------------------------
    def run_sync(self, account_name: str, reconcile: bool) -> None:
        """One scheduled sync (or reconcile pass) of one account, then alerts."""
        with self._running_lock:
            self.running += 1
        try:
            account = self.settings.account(account_name)
            results = sync_accounts(
                self.store, self.settings, [account], "scheduler",
                reconcile=reconcile, should_stop=self.stop_requested.is_set,
            )  # fmt: skip
            for result in results:
                if not result.ok:
                    log.warning("sync of %s: %s %s", result.account, result.status, result.error)
            alert_on_changes(self.store, self.settings)
        finally:
            with self._running_lock:
                self.running -= 1

    def check_health(self) -> None:
        """Alert on accounts that turned stale or failing (or recovered) without a sync."""
        close_abandoned_runs(self.store)
        alert_on_changes(self.store, self.settings)

    def renew_lease(self) -> None:
        """Keep our lease; if another scheduler took it over, stop."""
        ttl = timedelta(seconds=self.settings.scheduler.lease_seconds)
        if not self.store.sync.renew_service_lease(LEASE_NAME, self.holder, ttl):
            log.error("the scheduler lease was taken over by another process: stopping")
            self.stop()

    def _guarded(self, job: ExtraJob) -> Callable[[], None]:
        def run() -> None:
            job.run(self.store, self.settings)

        return run

    # -- events -----------------------------------------------------------------------
    def _on_skip(self, event: SchedulerEvent) -> None:
        job_id = getattr(event, "job_id", "?")
        self.skips[job_id] += 1
        count = self.skips[job_id]
        log.warning(
            "skipped a run of job %s (%d in a row): the previous run is still busy "
            "or the scheduler was late",
            job_id,
            count,
        )
        if count == self.settings.alerts.skipped_runs:
            text = f"job {job_id} skipped {count} runs in a row: runs take longer than the schedule"
            deliver(Alert(f"[aggregator] {job_id}: runs skipped", text), self._channels)

    def _on_done(self, event: SchedulerEvent) -> None:
        job_id = getattr(event, "job_id", "?")
        self.skips[job_id] = 0
        if isinstance(event, JobExecutionEvent) and event.exception is not None:
            log.error("job %s failed: %r", job_id, event.exception)


__all__ = ["ExtraJob", "SchedulerService", "describe", "trigger_for", "unique_jobs"]


def describe(scheduler: BaseScheduler) -> list[dict[str, Any]]:
    """The jobs as plain data (id, trigger, next run, options) for logs and tests.

    Before the scheduler starts, jobs are pending and carry only id and trigger.
    """
    fields = ("next_run_time", "max_instances", "coalesce", "misfire_grace_time")
    return [
        {"id": job.id, "trigger": str(job.trigger)} | {f: getattr(job, f, None) for f in fields}
        for job in scheduler.get_jobs()
    ]
