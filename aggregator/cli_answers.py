"""`aggregator answers send`: post approved answers to their platforms (cron-able).

It also carries out the hide/unhide requests staff made on the thread ("플랫폼에서도
숨김", `aggregator.answers.hide_worker`). Exit codes like `sync`: 0 every due answer and
request was handled; 1 some answer or hide request failed or needs a person; 2 bad
input (config, database, no platform writers installed); 3 another answers worker (cron
or the scheduler's `answers` job) is running.
"""

from __future__ import annotations

import json
from contextlib import closing
from typing import Annotated

import typer

from aggregator.answers.worker import AnswerWorker, SendReport, WorkerBusy, default_writer_for
from aggregator.cli_common import (
    ConfigOption,
    JsonOption,
    VerboseOption,
    fail,
    settings_or_exit,
    setup_logging,
    stdout,
    store_or_exit,
)
from aggregator.http import HttpClient
from aggregator.runner import http_settings

answers_app = typer.Typer(help="Answers to residents: post approved answers.", no_args_is_help=True)


@answers_app.command("send")
def answers_send(
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="Answers handled at most.")
    ] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Post approved answers (and recover answers a crash left `sending`), then hide or
    unhide comments on their platforms as staff asked."""
    setup_logging(verbose)
    settings = settings_or_exit(config)
    writer_for = default_writer_for()
    with closing(store_or_exit(settings)) as store:
        http = HttpClient(settings=http_settings(settings))
        worker = AnswerWorker(store, settings, http, writer_for)
        try:
            report = worker.run(limit=limit)
        except WorkerBusy as exc:
            fail(str(exc), code=3)
    _print(report, as_json)
    raise typer.Exit(1 if report.failed else 0)


def _print(report: SendReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"outcomes": dict(report.outcomes), "answers": report.answers}))
        return
    shown = ", ".join(f"{outcome} {count}" for outcome, count in sorted(report.outcomes.items()))
    stdout.print(shown or "no answers due", highlight=False)
