"""Human output of the CLI (Rich): result tables, status tables, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url

from aggregator.config import Settings
from aggregator.health import Health
from aggregator.store import AccountStatus
from aggregator.sync import RunResult
from connectors import load
from connectors.registry import PLATFORMS

STATUS_STYLE = {"ok": "green", "ok_with_warnings": "yellow", "already_running": "yellow"}


def console(stderr: bool = False) -> Console:
    """A console for the CLI that never wraps printed lines (tables still fit the width).

    Off a terminal Rich assumes 80 columns (or `$COLUMNS`) and would break long lines,
    e.g. an `export NAME=value` line meant for `eval`, a path or a URL to copy.
    """
    return Console(stderr=stderr, soft_wrap=True)


def redact_url(url: str) -> str:
    """A database URL (or SQLite path) with its password hidden."""
    if "://" not in url:
        return url
    return make_url(url).render_as_string(hide_password=True)


def print_results(
    console: Console, results: Sequence[RunResult], more_warnings: str = "see --json"
) -> None:
    """One row per synced account (status, new/updated/unchanged, calls), then problems:
    the first warning and where the others are (`more_warnings`; "": list them all)."""
    table = Table(title="sync", title_justify="left")
    for column in ("account", "status", "posts\nnew/upd/same", "comments\nnew/upd/same", "calls"):
        table.add_column(column, no_wrap=True)
    for r in results:
        style = STATUS_STYLE.get(r.status, "red")
        table.add_row(
            r.account,
            f"[{style}]{r.status}[/]",
            f"{r.posts.new}/{r.posts.updated}/{r.posts.unchanged}",
            f"{r.comments.new}/{r.comments.updated}/{r.comments.unchanged}",
            str(r.api_calls),
        )
    console.print(table)
    for r in results:
        if r.error:
            console.print(f"[red]{r.account}[/]: {escape(r.error)}", highlight=False)
        elif r.warnings:
            console.print(
                f"[yellow]{r.account}[/]: {escape(_warning_summary(r.warnings, more_warnings))}",
                highlight=False,
            )


def _warning_summary(warnings: Sequence[str], more_warnings: str) -> str:
    if not more_warnings:
        return "\n  ".join(warnings)
    first = warnings[0] if len(warnings[0]) <= 160 else warnings[0][:159] + "…"
    more = f" (+{len(warnings) - 1} more warnings, {more_warnings})" if len(warnings) > 1 else ""
    return first + more


@dataclass(frozen=True)
class StatusRow:
    """A configured account with what the database knows about it (None: never synced)."""

    account: Any
    stored: AccountStatus | None


def status_rows(settings: Settings, statuses: Sequence[AccountStatus]) -> list[StatusRow]:
    """Every configured account, then stored accounts no longer in the config."""
    by_name = {s.name: s for s in statuses}
    rows = [StatusRow(a, by_name.pop(a.name, None)) for a in settings.accounts]
    return rows + [StatusRow(None, s) for s in by_name.values()]


def status_json(rows: Sequence[StatusRow], healths: Sequence[Health]) -> list[dict[str, Any]]:
    """`status --json`: stored facts, health and month-to-date usage per account."""
    health_by_name = {h.account: h for h in healths}
    result = []
    for row in rows:
        name = row.account.name if row.account else row.stored.name if row.stored else "?"
        entry: dict[str, Any] = asdict(row.stored) if row.stored else {"name": name}
        entry["configured"] = row.account is not None
        health = health_by_name.get(name)
        if health is not None:
            entry.update(
                state=health.state, state_label=health.label,
                lag_seconds=health.lag.total_seconds() if health.lag else 0,
                consecutive_failures=health.consecutive_failures,
                next_run_at=health.next_run_at, detail=health.detail,
            )  # fmt: skip
        note = usage_note(row)
        if note is not None:
            entry["usage_note"] = note
        budget = getattr(row.account, "monthly_budget", None)
        if budget is not None and row.stored is not None:
            entry["month_usage"]["budget"] = budget
            entry["month_usage"]["remaining"] = round(budget - row.stored.month_usage.cost, 6)
        result.append(entry)
    return result


def print_statuses(
    console: Console, rows: Sequence[StatusRow], healths: Sequence[Health], timezone: str
) -> None:
    """One row per account: state, last success, lag, failures, next run, items, usage."""
    zone = ZoneInfo(timezone)
    health_by_name = {h.account: h for h in healths}
    table = Table(title=f"accounts (times: {timezone}, month-day)", title_justify="left")
    table.add_column("account", no_wrap=True)
    table.add_column("state", no_wrap=True)
    for column in ("last success", "lag", "fails", "next run", "items"):
        table.add_column(column)
    table.add_column("last error / usage", overflow="fold", ratio=1)
    for row in rows:
        name = row.account.name if row.account else (row.stored.name if row.stored else "?")
        health = health_by_name.get(name)
        stored = row.stored
        state = health.label if health else "not in config"
        style = "red" if health and health.is_problem else "green" if state == "ok" else "yellow"
        table.add_row(
            name, f"[{style}]{state}[/]",
            _local(stored.last_success_at if stored else None, zone),
            _duration(health.lag if health else None),
            str(health.consecutive_failures if health else 0),
            _local(health.next_run_at if health else None, zone),
            f"{stored.posts}/{stored.comments}" if stored else "-",
            _detail(row, health),
        )  # fmt: skip
    console.print(table)
    console.print("items = posts/comments stored", style="dim")


def _detail(row: StatusRow, health: Health | None) -> str:
    """The health's detail (the last error, or what the account's cursors flag), then the
    month's spend and the platform's own line."""
    stored = row.stored
    if stored is None:
        return ""
    detail = health.detail if health is not None else (stored.last_error or "")
    usage = stored.month_usage
    budget = getattr(row.account, "monthly_budget", None)
    if usage.units_read or usage.cost or budget is not None:
        spent = f"this month: {usage.units_read} reads, ${usage.cost:.2f}"
        if budget is not None:
            spent += f" of ${budget:.2f} (${budget - usage.cost:.2f} left)"
        detail = f"{detail}\n{spent}" if detail else spent
    note = usage_note(row)
    if note is not None:
        detail = f"{detail}\n{note}" if detail else note
    return detail


def usage_note(row: StatusRow) -> str | None:
    """The platform's own spending line for this account (its spec's `usage`), if any."""
    if row.account is None or row.stored is None:
        return None
    platform = PLATFORMS.get(row.account.platform)
    if platform is None or platform.usage is None:
        return None
    note: str | None = load(platform.usage)(row.account, row.stored.cursors)
    return note


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "-"
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%m-%d %H:%M") if value else "-"


@contextmanager
def progress(console: Console, enabled: bool) -> Iterator[Callable[[RunResult], None] | None]:
    """A live progress line per account while syncing; yields the batch callback."""
    if not enabled:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def on_batch(result: RunResult) -> None:
            if result.account not in tasks:
                tasks[result.account] = bar.add_task(result.account)
            bar.update(
                tasks[result.account],
                description=f"{result.account}: {result.batches} pages, "
                f"{result.comments.new} new comments, {result.posts.new} new posts",
            )

        yield on_batch
