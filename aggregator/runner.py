"""Glue for the edges (CLI, scheduler): sync the chosen accounts, alert on changes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from aggregator.alerts import Alert, notify_changes, senders
from aggregator.config import ConfigError, Settings
from aggregator.connector import RunStatus
from aggregator.health import Health, assess
from aggregator.http import HttpSettings
from aggregator.store import Store
from aggregator.sync import (
    AlreadyRunning,
    RunResult,
    SyncOptions,
    describe_unexpected,
    sync_account,
)
from connectors import factory_for

log = logging.getLogger(__name__)

ALREADY_RUNNING = "already_running"


def http_settings(settings: Settings) -> HttpSettings:
    """HTTP limits from the config's `http` section."""
    section = settings.http
    return HttpSettings(
        connect_timeout=section.connect_timeout_seconds,
        read_timeout=section.read_timeout_seconds,
        max_body_bytes=section.max_body_bytes,
        retries=section.retries,
        user_agent=section.user_agent,
        allow_private_networks=section.allowed_networks(),
    )


def select_accounts(
    settings: Settings, names: Sequence[str] = (), platform: str | None = None
) -> list[Any]:
    """The accounts to sync: the named ones (even if disabled), else all enabled ones."""
    if names:
        chosen = [settings.account(name) for name in names]
    else:
        chosen = [account for account in settings.accounts if account.enabled]
    if platform is not None:
        chosen = [account for account in chosen if account.platform == platform]
    if not chosen:
        raise ConfigError("no accounts to sync (check --account / --platform and `enabled`)")
    return chosen


def sync_accounts(
    store: Store,
    settings: Settings,
    accounts: Sequence[Any],
    trigger: str,
    on_batch: Callable[[RunResult], None] | None = None,
    reconcile: bool = False,
    should_stop: Callable[[], bool] | None = None,
) -> list[RunResult]:
    """Sync each account in turn; one failing (or locked) account never stops the others."""
    results = []
    for account in accounts:
        if should_stop is not None and should_stop():
            break
        options = SyncOptions(
            should_stop=should_stop,
            trigger=trigger,
            reconcile=reconcile,
            timezone=settings.timezone,
            deadline_seconds=settings.sync.run_deadline_seconds,
            http=http_settings(settings),
            on_batch=on_batch,
        )
        try:
            result = sync_account(store, account, factory_for(account.platform), options)
        except AlreadyRunning as exc:
            result = RunResult(account=account.name, status=ALREADY_RUNNING, error=str(exc))
        except Exception as exc:  # the store failed before the run began (disk full, ...)
            log.info("sync of %s could not start", account.name, exc_info=True)
            error = describe_unexpected(exc)
            result = RunResult(account=account.name, status=RunStatus.FAILED, error=error)
        results.append(result)
    return results


def close_abandoned_runs(store: Store) -> None:
    """Close runs left `running` by dead processes; a failure is logged, never raised."""
    try:
        closed = store.sync.close_abandoned_runs()
    except Exception as exc:
        log.warning("could not close abandoned runs: %s", describe_unexpected(exc))
        return
    if closed:
        log.info("closed %d run(s) left running by a process that died", closed)


def account_health(store: Store, settings: Settings) -> list[Health]:
    """The health of every configured account, from the stored runs."""
    statuses = {s.name: s for s in store.sync.account_statuses(settings.timezone)}
    now = store.clock()
    return [
        assess(account, statuses.get(account.name), settings.alerts, settings.timezone, now)
        for account in settings.accounts
    ]


def alert_on_changes(store: Store, settings: Settings) -> list[Alert]:
    """Send (once) the alerts for accounts whose health changed; never raises."""
    try:
        stored = {s.name for s in store.sync.account_statuses(settings.timezone)}
        healths = [h for h in account_health(store, settings) if h.account in stored]
        return notify_changes(store, healths, senders(settings.alerts))
    except Exception:
        log.exception("checking account health for alerts failed")
        return []


def exit_code(results: Sequence[RunResult]) -> int:
    """0 when all succeeded, 1 when any failed, 3 when the only problem was a held lock."""
    if any(not r.ok and r.status != ALREADY_RUNNING for r in results):
        return 1
    if any(r.status == ALREADY_RUNNING for r in results):
        return 3
    return 0


__all__ = [
    "RunStatus",
    "account_health",
    "alert_on_changes",
    "close_abandoned_runs",
    "exit_code",
    "select_accounts",
    "sync_accounts",
]
