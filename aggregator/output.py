"""Human output of the CLI (Rich): result tables, status tables, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url

from aggregator.store import AccountStatus
from aggregator.sync import RunResult

STATUS_STYLE = {"ok": "green", "ok_with_warnings": "yellow", "already_running": "yellow"}


def redact_url(url: str) -> str:
    """A database URL (or SQLite path) with its password hidden."""
    if "://" not in url:
        return url
    return make_url(url).render_as_string(hide_password=True)


def print_results(console: Console, results: Sequence[RunResult]) -> None:
    """One row per synced account (status, new/updated/unchanged, calls), then problems."""
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
            console.print(f"[red]{r.account}[/]: {r.error}", highlight=False)
        elif r.warnings:
            console.print(
                f"[yellow]{r.account}[/]: {_warning_summary(r.warnings)}", highlight=False
            )


def _warning_summary(warnings: Sequence[str]) -> str:
    first = warnings[0] if len(warnings[0]) <= 160 else warnings[0][:159] + "…"
    more = f" (+{len(warnings) - 1} more warnings, see --json)" if len(warnings) > 1 else ""
    return first + more


def print_statuses(console: Console, statuses: Sequence[AccountStatus], timezone: str) -> None:
    """One row per account known to the database."""
    if not statuses:
        console.print("no accounts synced yet: run `aggregator sync`")
        return
    zone = ZoneInfo(timezone)
    table = Table(title=f"accounts (times in {timezone})", title_justify="left")
    for column in ("account", "platform", "posts", "comments", "last run", "last success"):
        table.add_column(column)
    table.add_column("cursor / last error", overflow="fold")
    for s in statuses:
        style = STATUS_STYLE.get(s.last_run_status or "", "red")
        last_run = f"[{style}]{s.last_run_status}[/] {_local(s.last_run_started_at, zone)}"
        detail = s.last_error or _cursor_summary(s.cursors)
        if s.month_usage.units_read or s.month_usage.cost:
            usage = s.month_usage
            detail += f"\nthis month: {usage.units_read} reads, ${usage.cost:.2f}"
        table.add_row(
            s.name, s.platform, str(s.posts), str(s.comments),
            last_run if s.last_run_status else "never",
            _local(s.last_success_at, zone), detail,
        )  # fmt: skip
    console.print(table)


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "-"


def _cursor_summary(cursors: dict[str, object]) -> str:
    return ", ".join(sorted(cursors)) if cursors else "-"


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
