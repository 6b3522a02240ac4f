"""`aggregator sandbox` and `aggregator demo`: the offline platform sandbox for people.

The demo replays `days` days of a district's life in a few seconds: the sandbox clock
starts that far back and moves forward `every_hours` at a time, and every account is
synced at each step, exactly as cron would, so comments arrive incrementally.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from aggregator.config import Settings, load_settings
from aggregator.db import upgrade
from aggregator.output import print_results
from aggregator.runner import exit_code, open_engine, select_accounts, sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.store import Store
from aggregator.sync import RunResult


def run_sandbox(
    console: Console, host: str, port: int, seed: int, comments: int, config_path: Path | None
) -> None:
    """Serve the sandbox in the foreground until Ctrl-C."""
    sandbox = Sandbox(seed=seed, host=host, port=port, comments=comments)
    with sandbox:
        if config_path is not None:
            sandbox.write_config(config_path)
            console.print(f"wrote {config_path} (every account points at this sandbox)")
            for name, value in SANDBOX_ENV.items():
                console.print(f"export {name}={value}", highlight=False)
        console.print(f"sandbox serving on {sandbox.base_url} (Ctrl-C stops it)")
        with contextlib.suppress(KeyboardInterrupt):
            sandbox.serve_forever()


def run_demo(
    console: Console, directory: Path, seed: int, comments: int, days: int, every_hours: int
) -> int:
    """Sandbox, config, database, then `days` days of syncs; print a summary; return exit code."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "config.yaml"
    database = (directory / "demo.db").resolve()
    with Sandbox(seed=seed, port=0, comments=comments, speed=0, rewind_days=days) as sandbox:
        sandbox.write_config(config_path, database_url=f"sqlite:///{database}")
        console.print(f"sandbox running on {sandbox.base_url}; config written to {config_path}")
        settings = load_settings(config_path, environ=SANDBOX_ENV)
        url = settings.database_url(environ={})  # never AGGREGATOR_DATABASE_URL: a demo
        upgrade(url)
        with closing(Store(open_engine(settings, url))) as store:
            steps = days * 24 // every_hours
            totals = _replay(console, sandbox, store, settings, steps, every_hours)
            posts, stored = store.count_rows("post"), store.count_rows("comment")
    print_results(console, totals)
    console.print(
        f"\n{steps + 1} syncs of every account over {days} simulated days.\n"
        f"[bold]{posts} posts and {stored} comments[/] are in {database}.\n"
        f"Next: `aggregator status --config {config_path}`"
    )
    return exit_code(totals)


def _replay(
    console: Console,
    sandbox: Sandbox,
    store: Store,
    settings: Settings,
    steps: int,
    every_hours: int,
) -> list[RunResult]:
    """Sync every account, move sandbox time on, repeat; return per-account totals."""
    accounts = select_accounts(settings)
    totals = {account.name: RunResult(account=account.name) for account in accounts}
    zone = ZoneInfo(settings.timezone)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("syncing", total=steps + 1)
        for step in range(steps + 1):
            moment = sandbox.now().astimezone(zone).strftime("%Y-%m-%d %H:%M")
            bar.update(task, description=f"sandbox time {moment}")
            _accumulate(totals, sync_accounts(store, settings, accounts, "manual"))
            bar.advance(task)
            if step < steps:
                sandbox.advance(every_hours * 60)
    return list(totals.values())


def _accumulate(totals: dict[str, RunResult], results: Sequence[RunResult]) -> None:
    for result in results:
        total = totals[result.account]
        total.posts.add(result.posts)
        total.comments.add(result.comments)
        total.api_calls += result.api_calls
        total.batches += result.batches
        total.warnings.extend(w for w in result.warnings if w not in total.warnings)
        if total.status in ("running", "ok") or not result.ok:
            total.status, total.error = result.status, result.error
