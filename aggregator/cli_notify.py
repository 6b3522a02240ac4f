"""`aggregator notify send|digest|status`: staff notifications from cron (or by hand).

Exit codes like `sync`: 0 done; 1 a message failed for good in this run; 2 bad input
(config, database); 3 another sender (cron or the scheduler's `notify` job) is running.
"""

from __future__ import annotations

import json
from contextlib import closing
from typing import Annotated, Any

import typer

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
from aggregator.notify import jobs
from aggregator.notify.delivery import DeliveryReport, NotifierBusy
from aggregator.notify.kinds import place_label

notify_app = typer.Typer(
    help="Staff notifications (알림): send queued messages, the daily digest, status.",
    no_args_is_help=True,
)
OUTCOMES = {"sent": "보냄", "retry": "재시도 예정", "failed": "실패"}


@notify_app.command("send")
def notify_send(
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10000, help="Messages sent at most.")
    ] = 200,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Queue the notifications of new review events and send every due message."""
    setup_logging(verbose)
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        try:
            queued, report = jobs.notify(store, settings, limit)
        except NotifierBusy as exc:
            fail(str(exc), code=3)
    if as_json:
        print(json.dumps({"queued": queued, "outcomes": dict(report.outcomes)}))
    elif queued or report.outcomes:
        stdout.print(f"새 알림 {queued}건 · {_outcomes(report)}", highlight=False)
    raise typer.Exit(1 if report.failed else 0)


@notify_app.command("digest")
def notify_digest(
    as_json: JsonOption = False,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Queue and send today's digests (business days only; once per day)."""
    setup_logging(verbose)
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        try:
            digest, report = jobs.digest(store, settings)
        except NotifierBusy as exc:
            fail(str(exc), code=3)
    if as_json:
        print(
            json.dumps(
                {
                    "day": digest.day.isoformat(),
                    "business_day": digest.business_day,
                    "already_sent": digest.already_sent,
                    "queued": digest.queued,
                    "places": digest.places,
                    "outcomes": dict(report.outcomes),
                },
                ensure_ascii=False,
            )
        )
    elif digest.already_sent:
        stdout.print(f"{digest.day}: 오늘 일일 요약은 이미 보냈습니다", highlight=False)
    elif not digest.business_day:
        stdout.print(
            f"{digest.day}: 근무일이 아니어서 일일 요약을 보내지 않습니다", highlight=False
        )
    else:
        places = ", ".join(place_label(p) for p in digest.places) or "없음 (모두 비어 있음)"
        stdout.print(
            f"{digest.day} 일일 요약 {digest.queued}건 ({places}) · {_outcomes(report)}",
            highlight=False,
        )
    raise typer.Exit(1 if report.failed else 0)


@notify_app.command("status")
def notify_status(
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Failures shown.")] = 20,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Messages per state and the latest failed ones with their error."""
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        counts = store.outbox.notification_counts()
        failed = store.outbox.notification_failures(limit)
    if as_json:
        print(
            json.dumps(
                {"counts": counts, "failed": [_plain(f) for f in failed]}, ensure_ascii=False
            )
        )
        return
    stdout.print(
        f"대기 {counts.get('pending', 0)}건 · 보냄 {counts.get('sent', 0)}건 · "
        f"실패 {counts.get('failed', 0)}건",
        highlight=False,
    )
    for f in failed:
        stdout.print(
            f"#{f['id']} {f['created_at']:%Y-%m-%d %H:%M} {f['channel']} {f['recipient']} "
            f"({f['attempts']}회): {f['last_error']}",
            highlight=False,
            markup=False,
        )


def _outcomes(report: DeliveryReport) -> str:
    shown = [f"{OUTCOMES.get(k, k)} {n}건" for k, n in sorted(report.outcomes.items())]
    return ", ".join(shown) or "보낼 알림 없음"


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
