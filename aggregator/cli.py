"""The `aggregator` command: sync, status, db, config, comments, checks, users, report,
privacy, answers, notify, serve, sandbox, demo, and the commands a platform's spec declares
(`aggregator instagram refresh-token`).

Exit codes: 0 success; 1 a sync failed; 2 bad input (config, arguments, database
not upgraded); 3 the account is already being synced by another process.
"""

from __future__ import annotations

import json
import os
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer
import yaml

from aggregator import output
from aggregator.cli_answers import answers_app
from aggregator.cli_common import (
    ConfigOption,
    JsonOption,
    VerboseOption,
    fail,
    settings_or_exit,
    setup_logging,
    stderr,
    stdout,
    store_or_exit,
)
from aggregator.cli_manual import checks_app, comments_app
from aggregator.cli_notify import notify_app
from aggregator.cli_privacy import privacy_app
from aggregator.cli_report import report_app, topics_app
from aggregator.cli_web import serve, users_app
from aggregator.config import ConfigError, resolve_config_path
from aggregator.config_inspect import forbidden_account_urls, redacted_dump
from aggregator.db import upgrade
from aggregator.runner import (
    account_health,
    alert_on_changes,
    close_abandoned_runs,
    exit_code,
    select_accounts,
    sync_accounts,
)
from connectors import load
from connectors.registry import PLATFORMS

app = typer.Typer(
    help="한빛구청 SNS 소통 수집기: collects the district's posts and residents' comments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Create or upgrade the database.", no_args_is_help=True)
config_app = typer.Typer(help="Validate or show the configuration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(comments_app, name="comments")
app.add_typer(checks_app, name="checks")
app.add_typer(users_app, name="users")
app.add_typer(report_app, name="report")
app.add_typer(topics_app, name="topics")
app.add_typer(privacy_app, name="privacy")
app.add_typer(answers_app, name="answers")
app.add_typer(notify_app, name="notify")
for _spec in PLATFORMS.values():
    if _spec.commands is not None:
        app.add_typer(load(_spec.commands), name=_spec.name)
app.command()(serve)


@app.command()
def sync(
    config: ConfigOption = None,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", "-a", help="Sync only this account (repeatable)."),
    ] = None,
    platform: Annotated[
        str | None, typer.Option("--platform", "-p", help="Sync only accounts of this platform.")
    ] = None,
    trigger: Annotated[
        str, typer.Option(help="Recorded with the run: manual, cron or scheduler.")
    ] = "manual",
    reconcile: Annotated[
        bool,
        typer.Option(help="Also re-read the recent window to find edits and deletions (slower)."),
    ] = False,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Sync every enabled account (or the chosen ones) once.

    Quiet on success when not on a terminal (cron), unless -v; failures always go to stderr.
    """
    setup_logging(verbose)
    if trigger not in ("manual", "cron", "scheduler"):
        fail(f"--trigger must be manual, cron or scheduler, not {trigger!r}")
    settings = settings_or_exit(config)
    try:
        accounts = select_accounts(settings, account or (), platform)
    except ConfigError as exc:
        fail(str(exc))
    with (
        closing(store_or_exit(settings)) as store,
        output.progress(stderr, enabled=not as_json and stderr.is_terminal) as on_batch,
    ):
        results = sync_accounts(store, settings, accounts, trigger, on_batch, reconcile)
        alert_on_changes(store, settings)
    code = exit_code(results)
    if as_json:
        print(json.dumps({"ok": code == 0, "accounts": [r.as_dict() for r in results]},
                         ensure_ascii=False, indent=2, default=str))  # fmt: skip
    elif verbose or stdout.is_terminal or code != 0:
        output.print_results(stdout if code == 0 else stderr, results)
    raise typer.Exit(code)


@app.command()
def status(
    config: ConfigOption = None,
    as_json: JsonOption = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 1 when any account has a problem (stale, failing, needs configuration "
            "or re-authorisation, budget exhausted); a token expiring is only a warning.",
        ),
    ] = False,
) -> None:
    """Per account: health state, last success, lag, failures, next run, items, usage."""
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        close_abandoned_runs(store)  # a killed run must not show as running forever
        rows = output.status_rows(settings, store.sync.account_statuses(settings.timezone))
        healths = account_health(store, settings)
    if as_json:
        print(
            json.dumps(output.status_json(rows, healths), ensure_ascii=False, indent=2, default=str)
        )
    else:
        output.print_statuses(stdout, rows, healths, settings.timezone)
    problems = [h.account for h in healths if h.is_problem]
    if check and problems:
        stderr.print(f"problem accounts: {', '.join(problems)}", highlight=False)
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Create the database, or migrate it in place to the current schema."""
    settings = settings_or_exit(config)
    url = settings.database_url()
    try:
        done = upgrade(url)
    except Exception as exc:
        fail(f"upgrade failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    stdout.print(f"{done.describe()}: {output.redact_url(url)}")


@config_app.command("check")
def config_check(
    path: Annotated[Path | None, typer.Argument(help="Config file to check.")] = None,
) -> None:
    """Validate a config file; exit 2 listing every problem (also unset token variables)."""
    settings = settings_or_exit(path)
    problems = [*settings.secret_problems(), *forbidden_account_urls(settings)]
    if problems:
        source = resolve_config_path(path, os.environ)
        fail("\n  ".join([f"{source}: {len(problems)} problem(s):", *problems]))
    enabled = sum(1 for a in settings.accounts if a.enabled)
    stdout.print(
        f"config ok: {len(settings.accounts)} accounts ({enabled} enabled), "
        f"{len(settings.departments)} departments"
    )


@config_app.command("show")
def config_show(config: ConfigOption = None) -> None:
    """Print the resolved config with secrets redacted."""
    settings = settings_or_exit(config)
    data = redacted_dump(settings)
    data["database"]["url"] = output.redact_url(settings.database.url)
    data["database"]["resolved_url"] = output.redact_url(settings.database_url())
    print(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), end="")


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).", min=0, max=65535)] = 8800,
    seed: Annotated[int, typer.Option(help="Seed of the generated data set.")] = 7,
    comments: Annotated[int, typer.Option(help="How many resident comments.", min=0)] = 1200,
    write_config: Annotated[
        Path | None, typer.Option("--write-config", help="Write a config for this sandbox here.")
    ] = None,
) -> None:
    """Serve the offline platform sandbox until stopped (Ctrl-C)."""
    from aggregator.demo import run_sandbox

    if host not in ("127.0.0.1", "localhost", "::1"):
        fail("the sandbox only listens on loopback (127.0.0.1, localhost or ::1)")
    run_sandbox(
        stdout, host=host, port=port, seed=seed, comments=comments, config_path=write_config
    )


@app.command()
def demo(
    directory: Annotated[Path, typer.Option(help="Where the demo config and database go.")] = Path(
        "data/demo"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the generated data set.")] = 7,
    comments: Annotated[int, typer.Option(help="How many resident comments.", min=0)] = 1200,
    days: Annotated[int, typer.Option(help="Simulated days of syncing.", min=0, max=30)] = 14,
    every_hours: Annotated[
        int, typer.Option("--every-hours", help="Simulated hours between syncs.", min=1, max=24)
    ] = 3,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the review inbox at the end.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port of the inbox.", min=1, max=65535)] = 8000,
) -> None:
    """Start the sandbox, write its config, replay DAYS days of syncs into a demo database,
    create one demo login per role, then serve the review inbox (unless --no-serve)."""
    from aggregator.demo import run_demo

    setup_logging(False)
    code = run_demo(
        stdout,
        directory=directory,
        seed=seed,
        comments=comments,
        days=days,
        every_hours=every_hours,
        serve_port=port if serve else None,
    )
    raise typer.Exit(code)


def main() -> None:
    """Entry point of the `aggregator` command."""
    app()
