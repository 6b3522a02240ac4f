"""Account health: is each account fresh, and if not, why? (pure, from runs, schedules
and the platform's reading of the account's cursors)

States, worst first: `needs_configuration` (a token's environment variable is unset),
`needs_reauth` (a token must be renewed), `budget_exhausted`,
`failing` (N consecutive failed runs), `stale` (no success for several schedule
intervals), `token_expiring` (a token must be renewed soon), `throttled` (the last run was
throttled; it resumes by itself), `abandoned` (the last run's process died before it
finished; the next run resumes), `never` (no run yet), `disabled`, `ok`. Only
`needs_configuration`, `needs_reauth`, `budget_exhausted`, `failing` and `stale` are
problems that alert and make `aggregator status --check` fail; `token_expiring` is a
warning: it alerts once, as a heads-up, and `status --check` passes.

Most states come from the account's runs. A platform may also put an account in a state
from its stored cursors (its spec's `health` function, answering an `AccountFlag`): a
YouTube channel whose OAuth refresh token Google refused to the answers worker is
`needs_reauth` while its reads run fine; an Instagram Login account whose token is
`token_warn_days` old is `token_expiring`, and `needs_reauth` once it is 60 days old. The
worse of the two states wins (on a tie both details are kept); a disabled account is
`disabled` whatever its cursors say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from aggregator.config import Schedule
from aggregator.config_sections import AlertsSection
from aggregator.connector import AccountFlag, RunStatus
from aggregator.store import AccountStatus
from connectors import load
from connectors.registry import PLATFORMS as REGISTERED

PROBLEMS = frozenset(
    {"needs_configuration", "needs_reauth", "budget_exhausted", "failing", "stale"}
)
WARNINGS = frozenset({"token_expiring"})
"""States that alert once (a heads-up) but do not fail `status --check`."""
ORDER = (
    "needs_configuration", "needs_reauth", "budget_exhausted", "failing", "stale",
    "token_expiring", "throttled", "abandoned", "never", "ok",
)  # fmt: skip
"""The states an account's runs or cursors can give, worst first."""
LABELS = {
    "ok": "ok",
    "never": "never synced",
    "disabled": "disabled",
    "stale": "stale",
    "failing": "failing",
    "needs_configuration": "needs configuration",
    "needs_reauth": "re-authorisation needed",
    "throttled": "throttled",
    "budget_exhausted": "budget exhausted",
    "abandoned": "last run abandoned",
    "token_expiring": "token expiring",
}


@dataclass(frozen=True)
class Health:
    """One account's health as `aggregator status` shows it."""

    account: str
    state: str
    last_success_at: datetime | None
    lag: timedelta | None
    """How far the last success is behind the schedule (None: on time or never)."""
    consecutive_failures: int
    next_run_at: datetime | None
    detail: str

    @property
    def is_problem(self) -> bool:
        """True for states that alert and fail `status --check`."""
        return self.state in PROBLEMS

    @property
    def is_warning(self) -> bool:
        """True for states that alert once but pass `status --check` (`token_expiring`)."""
        return self.state in WARNINGS

    @property
    def label(self) -> str:
        """The state in words."""
        return LABELS.get(self.state, self.state)


def schedule_interval(schedule: Schedule, timezone: str, now: datetime) -> timedelta:
    """The expected time between runs (for a cron schedule: between its next two fires)."""
    if schedule.interval_minutes is not None:
        return timedelta(minutes=schedule.interval_minutes)
    trigger = cron_trigger(schedule, timezone)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    return (second - first) if first and second else timedelta(days=1)


def cron_trigger(schedule: Schedule, timezone: str) -> CronTrigger:
    """An APScheduler trigger for a 5-field cron expression in `timezone`."""
    assert schedule.cron is not None
    return CronTrigger.from_crontab(schedule.cron, timezone=timezone)


def next_run(
    schedule: Schedule, timezone: str, last_start: datetime | None, now: datetime
) -> datetime:
    """When the schedule next runs the account (an overdue interval run: now)."""
    if schedule.interval_minutes is not None:
        if last_start is None:
            return now
        return max(now, last_start + timedelta(minutes=schedule.interval_minutes))
    fire: datetime | None = cron_trigger(schedule, timezone).get_next_fire_time(None, now)
    return fire or now


def assess(
    account: Any, status: AccountStatus | None, alerts: AlertsSection, timezone: str, now: datetime
) -> Health:
    """The health of one configured account given its stored status (None: never synced)."""
    interval = schedule_interval(account.schedule, timezone, now)
    last_start = status.last_run_started_at if status else None
    next_at = next_run(account.schedule, timezone, last_start, now) if account.enabled else None
    success = status.last_success_at if status else None
    overdue = now - (success + interval) if success else None
    lag = overdue if overdue and overdue > timedelta(0) else None
    failures = status.consecutive_failures if status else 0
    state = _state(account, status, alerts, interval, now)
    detail = (status.last_error or "") if status else ""
    flag = account_flag(account, status, now) if account.enabled else None
    if flag is not None:
        state, detail = _weigh(state, detail, flag)
    return Health(account.name, state, success, lag, failures, next_at, detail)


def account_flag(account: Any, status: AccountStatus | None, now: datetime) -> AccountFlag | None:
    """The state the account's platform reads from its stored cursors (its spec's
    `health`), or None (never synced, or the platform reads nothing there)."""
    platform = REGISTERED.get(getattr(account, "platform", ""))
    if status is None or platform is None or platform.health is None:
        return None
    flag: AccountFlag | None = load(platform.health)(account, status.cursors, now)
    return flag


def _weigh(state: str, detail: str, flag: AccountFlag) -> tuple[str, str]:
    """The worse of the runs' state and the cursors' flag, with its detail (both on a tie)."""
    rank = {name: place for place, name in enumerate(ORDER)}
    if state == flag.state:
        return state, "; ".join(d for d in (detail, flag.detail) if d)
    if rank.get(flag.state, len(ORDER)) < rank.get(state, len(ORDER)):
        return flag.state, flag.detail
    return state, detail


def _state(
    account: Any,
    status: AccountStatus | None,
    alerts: AlertsSection,
    interval: timedelta,
    now: datetime,
) -> str:
    if not account.enabled:
        return "disabled"
    if status is None or status.last_run_status is None:
        return "never"
    last = status.last_run_status
    if last in (RunStatus.NEEDS_CONFIGURATION, RunStatus.NEEDS_REAUTH, RunStatus.BUDGET_EXHAUSTED):
        return last  # the states are named like these run statuses
    if status.consecutive_failures >= alerts.failing_after:
        return "failing"
    reference = status.last_success_at or status.last_run_started_at
    if reference is not None and now - reference > interval * alerts.stale_after_intervals:
        return "stale"
    if last == RunStatus.THROTTLED:
        return "throttled"
    if last == RunStatus.ABANDONED:
        return "abandoned"
    return "ok"
