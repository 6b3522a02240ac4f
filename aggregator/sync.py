"""Sync one account: lock -> cursors -> pull pages -> store each page with its cursor -> record.

The same function serves the CLI (cron) and the scheduler. It never raises for a
connector's failure: the outcome is in the returned `RunResult` and in the
`sync_run` row, so one failing account never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import requests
import sqlalchemy.exc

from aggregator.connector import (
    Connector,
    ConnectorError,
    ConnectorFactory,
    DeadlineExceeded,
    NeedsConfiguration,
    RunStatus,
    SyncContext,
)
from aggregator.http import HttpClient, HttpSettings
from aggregator.records import Batch
from aggregator.store import BatchResult, Counts, Store
from aggregator.store.locks import Holder

log = logging.getLogger(__name__)

EXIT_ALREADY_RUNNING = 3
LOCK_MARGIN = timedelta(minutes=5)


class AlreadyRunning(Exception):
    """Another process is syncing this account right now."""


class Interrupted(ConnectorError):
    """The process is shutting down; what was stored stays, the rest comes next run."""

    status = RunStatus.INTERRUPTED


@dataclass
class RunResult:
    """What one account's sync did (also printed by `aggregator sync --json`)."""

    account: str
    status: str = RunStatus.RUNNING
    run_id: int | None = None
    posts: Counts = field(default_factory=Counts)
    comments: Counts = field(default_factory=Counts)
    api_calls: int = 0
    batches: int = 0
    units_read: int = 0
    cost: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the run succeeded (possibly with warnings)."""
        return self.status in RunStatus.SUCCESSFUL

    def add(self, stored: BatchResult) -> None:
        """Count a stored batch."""
        self.posts.add(stored.posts)
        self.comments.add(stored.comments)
        self.batches += 1

    def add_batch_info(self, batch: Batch) -> None:
        """Count the calls, reads, cost and warnings a connector reported with a batch."""
        self.api_calls += batch.api_calls
        self.units_read += batch.units_read
        self.cost += batch.cost
        self.warnings.extend(batch.warnings)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        data = asdict(self)
        data["ok"] = self.ok
        return data

    def run_values(self) -> dict[str, Any]:
        """The columns of the `sync_run` row."""
        return {
            "status": self.status, "api_calls": self.api_calls, "warnings": self.warnings,
            "error": self.error, "units_read": self.units_read, "estimated_cost": self.cost,
            "posts_new": self.posts.new, "posts_updated": self.posts.updated,
            "posts_unchanged": self.posts.unchanged,
            "comments_new": self.comments.new, "comments_updated": self.comments.updated,
            "comments_unchanged": self.comments.unchanged,
        }  # fmt: skip


@dataclass(frozen=True)
class SyncOptions:
    """How a run behaves (from config `sync` and `http` sections)."""

    trigger: str = "manual"
    reconcile: bool = False
    timezone: str = "Asia/Seoul"
    """Where calendar months (for budgets) begin."""
    deadline_seconds: float = 900
    http: HttpSettings = field(default_factory=HttpSettings)
    on_batch: Callable[[RunResult], None] | None = None
    """Called after each stored batch (progress bars)."""
    should_stop: Callable[[], bool] | None = None
    """Checked after each stored batch: True ends the run as `interrupted` (shutdown)."""


def sync_account(
    store: Store,
    account: Any,
    factory: ConnectorFactory,
    options: SyncOptions = SyncOptions(),
) -> RunResult:
    """Sync one account and record the run.

    Args:
        store: where records, cursors, runs and locks live.
        account: the account's validated settings (has `.name`, `.platform`).
        factory: builds the connector from (account, http client, clock).
        options: trigger, deadline, HTTP limits, progress callback.

    Raises:
        AlreadyRunning: another process holds this account's lock.
    """
    account_id = store.sync.ensure_account(account.name, account.platform, account.display_name)
    holder = Holder.this_process()
    ttl = timedelta(seconds=options.deadline_seconds) + LOCK_MARGIN
    current = store.sync.acquire_lock(account_id, holder, ttl)
    if current is not None:
        raise AlreadyRunning(
            f"account {account.name!r} is already being synced by {current.host} pid {current.pid}"
        )
    try:
        return _locked_run(store, account, account_id, factory, options)
    finally:
        _quietly(
            lambda: store.sync.release_lock(account_id, holder), f"releasing {account.name}'s lock"
        )


def _locked_run(
    store: Store, account: Any, account_id: int, factory: ConnectorFactory, options: SyncOptions
) -> RunResult:
    run_id = store.sync.start_run(account_id, options.trigger)
    result = RunResult(account=account.name, run_id=run_id)
    http = HttpClient(settings=options.http, deadline=time.monotonic() + options.deadline_seconds)
    context = SyncContext(
        http=http,
        clock=store.clock,
        reconcile=options.reconcile,
        month_usage=store.sync.month_usage(account_id, options.timezone),
        units=store.sync.daily_units(account_id),
    )
    try:
        _require_configuration(account)
        connector = factory(account, context)
        _store_pages(store, account_id, connector, http, options, result)
        result.status = RunStatus.WARNING if result.warnings else RunStatus.OK
    # The edges report each failed run in one line (the CLI's result, the scheduler's
    # warning); here failures are logged at INFO, with the traceback, for `-v`.
    except ConnectorError as exc:
        result.status, result.error = exc.status, str(exc)
        log.info("sync of %s ended with %s: %s", account.name, exc.status, exc)
    except requests.RequestException as exc:
        result.status, result.error = RunStatus.FAILED, f"network error: {type(exc).__name__}"
        log.info("sync of %s failed: %s", account.name, result.error)
    except KeyboardInterrupt:
        result.status, result.error = RunStatus.INTERRUPTED, "interrupted"
        raise
    except Exception as exc:
        result.status, result.error = RunStatus.FAILED, describe_unexpected(exc)
        log.info("sync of %s failed unexpectedly", account.name, exc_info=True)
    finally:
        _finish_run(store, run_id, result, http)
    return result


def _store_pages(
    store: Store,
    account_id: int,
    connector: Connector,
    http: HttpClient,
    options: SyncOptions,
    result: RunResult,
) -> None:
    """Pull the connector's pages from the stored cursors and store each (with its cursor
    updates), until the last page, a shutdown request or the run deadline."""
    for batch in connector.pull(store.sync.cursors(account_id)):
        result.add(store.sync.apply_batch(account_id, batch))
        result.add_batch_info(batch)
        if options.on_batch is not None:
            options.on_batch(result)
        if options.should_stop is not None and options.should_stop():
            raise Interrupted("stopped for shutdown after the last stored page")
        left = http.seconds_left()
        if left is not None and left <= 0:
            raise DeadlineExceeded(f"run deadline of {options.deadline_seconds:.0f}s reached")


def _finish_run(store: Store, run_id: int, result: RunResult, http: HttpClient) -> None:
    """Count the run's HTTP calls, close its session and record it; a run that cannot be
    recorded has failed."""
    # Connectors report calls per batch (also calls made outside `http`, e.g. by an SDK);
    # `http.calls` also counts calls of a page that failed before it became a batch.
    result.api_calls = max(result.api_calls, http.calls)
    http.session.close()
    if not _quietly(
        lambda: store.sync.finish_run(run_id, result.run_values()), "recording the run"
    ):
        result.status = RunStatus.FAILED
        result.error = result.error or "the run could not be recorded (see -v)"


def _require_configuration(account: Any) -> None:
    """Raise `NeedsConfiguration` when the account's token variables are unset."""
    missing_secrets = getattr(account, "missing_secrets", None)
    missing = missing_secrets() if missing_secrets is not None else {}
    if missing:
        raise NeedsConfiguration.unset(missing.values())


def describe_unexpected(exc: BaseException) -> str:
    """One line for an unexpected failure: the database's own words for database errors."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        first_line = str(exc.orig).splitlines()[0] if str(exc.orig) else type(exc.orig).__name__
        return f"database error: {first_line}"
    return f"internal error: {exc!r}"


def _quietly(action: Callable[[], object], what: str) -> bool:
    """Run a bookkeeping step that must not turn one account's failure into a crash."""
    try:
        action()
    except Exception as exc:
        log.info("%s failed: %s", what, describe_unexpected(exc), exc_info=True)
        return False
    return True
