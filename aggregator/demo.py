"""`aggregator sandbox` and `aggregator demo`: the offline platform sandbox for people."""

from __future__ import annotations

import contextlib
from contextlib import closing
from pathlib import Path

from rich.console import Console

from aggregator.config import load_settings
from aggregator.db import upgrade
from aggregator.output import print_results, progress
from aggregator.runner import exit_code, open_engine, select_accounts, sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.store import Store


def run_sandbox(
    console: Console, host: str, port: int, seed: int, comments: int, config_path: Path | None
) -> None:
    """Serve the sandbox in the foreground until Ctrl-C."""
    sandbox = Sandbox(seed=seed, host=host, port=port, comments=comments)
    with sandbox:
        if config_path is not None:
            sandbox.write_config(config_path)
            console.print(f"wrote {config_path} (every account points at this sandbox)")
        console.print(f"sandbox serving on {sandbox.base_url} (Ctrl-C stops it)")
        with contextlib.suppress(KeyboardInterrupt):
            sandbox.serve_forever()


def run_demo(console: Console, directory: Path, seed: int, comments: int) -> int:
    """Start a sandbox, write its config, sync every account, print a summary; return exit code."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "config.yaml"
    database = (directory / "demo.db").resolve()
    with Sandbox(seed=seed, port=0, comments=comments) as sandbox:
        sandbox.write_config(config_path, database_url=f"sqlite:///{database}")
        console.print(f"sandbox running on {sandbox.base_url}; config written to {config_path}")
        settings = load_settings(config_path, environ={})
        url = settings.database_url(environ={})  # never AGGREGATOR_DATABASE_URL: a demo
        upgrade(url)
        with closing(Store(open_engine(settings, url))) as store:
            accounts = select_accounts(settings)
            with progress(console, enabled=True) as on_batch:
                results = sync_accounts(store, settings, accounts, "manual", on_batch)
            posts, comments = store.count_rows("post"), store.count_rows("comment")
    print_results(console, results)
    console.print(
        f"\n[bold]{posts} posts and {comments} comments[/] are in {database}.\n"
        f"Next: `aggregator status --config {config_path}`"
    )
    return exit_code(results)
