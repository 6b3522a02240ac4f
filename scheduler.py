"""The long-running scheduler: `python scheduler.py [--config PATH] [-v]` (e.g. under systemd).

One APScheduler 3.x `BlockingScheduler` (time zone from config, Asia/Seoul), one job
per enabled account built from `config.yaml` at start, and the maintenance jobs that
`maintenance_jobs` lists (jobs live in memory: the config is the one source of truth;
restart to apply changes). Only one scheduler runs per
database: a second one exits with code 3. SIGTERM or SIGINT: running syncs stop after
the page in flight is stored (or rolled back), and the process exits within
`scheduler.shutdown_timeout_seconds`.

Exit codes: 0 stopped cleanly; 2 bad config or database; 3 another scheduler holds the
lease; 4 running syncs did not stop within the shutdown timeout.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler

from aggregator.answers.worker import answers_jobs
from aggregator.config import ConfigError, Settings, load_settings
from aggregator.db import DatabaseError
from aggregator.logging_setup import configure_logging, protect_secrets
from aggregator.notify.jobs import notify_jobs
from aggregator.privacy import privacy_jobs
from aggregator.reports.topic_index import topic_jobs
from aggregator.scheduling import LEASE_NAME, ExtraJob, SchedulerService, describe
from aggregator.stopping import stop_on_signals
from aggregator.store import Store
from aggregator.store.opening import open_store

log = logging.getLogger("scheduler")


def main(argv: list[str] | None = None) -> int:
    """Run the scheduler until SIGTERM/SIGINT; return the exit code."""
    args = _parse(argv)
    configure_logging(args.verbose)
    try:
        settings = load_settings(args.config)
        protect_secrets(settings)
        store = open_store(settings)
    except (ConfigError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return run(settings, store)
    finally:
        store.close()


def maintenance_jobs(settings: Settings) -> list[ExtraJob]:
    """Every job besides syncs, health and the lease: retention purge (daily 03:30),
    topics (`reports.topics_schedule`), answers (every minute), notify (every minute)
    and digest (`notifications.digest_time`, Monday to Friday)."""
    return [
        *privacy_jobs(settings),
        *topic_jobs(settings),
        *answers_jobs(settings),
        *notify_jobs(settings),
    ]


def run(settings: Settings, store: Store) -> int:
    """Hold the lease, build the jobs, block until asked to stop."""
    service = SchedulerService(settings, store, extra_jobs=maintenance_jobs(settings))
    ttl = timedelta(seconds=settings.scheduler.lease_seconds)
    # From before the lease is taken: a SIGTERM while the jobs are being built (systemd
    # stopping a service that is starting) still ends cleanly and gives the lease back.
    with stop_on_signals(service.stop):
        holder = store.sync.acquire_service_lease(LEASE_NAME, service.holder, ttl)
        if holder is not None:
            print(
                f"error: another scheduler is running for this database ({holder.host} pid "
                f"{holder.pid}); stop it first, or wait {settings.scheduler.lease_seconds}s "
                "if it crashed",
                file=sys.stderr,
            )
            return 3
        try:
            scheduler = service.configure(BlockingScheduler())
            for job in describe(scheduler):
                log.info("job %s: %s", job["id"], job["trigger"])
            scheduler.start()  # returns at once after a stop asked for while starting
        finally:
            store.sync.release_service_lease(LEASE_NAME, service.holder)
    return _wait_for_running(service, settings.scheduler.shutdown_timeout_seconds)


def _wait_for_running(service: SchedulerService, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while service.running and time.monotonic() < deadline:
        time.sleep(0.05)
    if service.running:
        log.error("%d syncs still running after %ss: exiting anyway", service.running, timeout)
        sys.stderr.flush()
        os._exit(4)  # their open transactions roll back; nothing half-applied is kept
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", "-c", type=Path, default=None, help="config file")
    parser.add_argument("--verbose", "-v", action="store_true", help="log each job")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
