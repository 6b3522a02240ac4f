"""`aggregator report` (download a monthly report), `report close`, `report reopen`, and
`aggregator topics update` (analyse comments' nouns for the reports' topics).

The command line has no login, so whoever runs it is recorded as `cli:<OS user>`
unless `--staff NAME` names a staff account; exporting real author names
(`--no-pseudonymize`) and reopening a closed month need `--staff` naming an active
admin account, and a reason. Every download, close and reopen is in the access log.
"""

from __future__ import annotations

import getpass
import secrets
import time
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from aggregator.cli_common import ConfigOption, fail, settings_or_exit, stdout, store_or_exit
from aggregator.reports.data import ReportError
from aggregator.reports.service import Requester, close, download, reopen
from aggregator.reports.topic_index import update_in_child
from aggregator.store import Store

report_app = typer.Typer(
    help="Monthly reports: download (xlsx, csv, html, pdf), close and reopen months.",
    invoke_without_command=True,
    subcommand_metavar="[close | reopen | init-key]",  # without one, it writes a report
)

MonthOption = Annotated[
    str | None, typer.Option("--month", help="The month, YYYY-MM (in the configured time zone).")
]
StaffOption = Annotated[
    str | None,
    typer.Option(
        "--staff",
        help="Your staff account (default: cli:<login>); an admin's for --no-pseudonymize.",
    ),
]
CloserOption = Annotated[
    str | None,
    typer.Option("--staff", help="Your staff account, for the access log (default: cli:<login>)."),
]
AdminOption = Annotated[
    str | None, typer.Option("--staff", help="Your staff account: an active admin (required).")
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Why (recorded in the access log).")
]


NEED_MONTH = "월을 적어 주세요, 예: --month 2026-11 (--month YYYY-MM is required)"


def korean_error(exc: ReportError) -> str:
    """A report error as staff read it: the Korean, then the English in brackets."""
    english = str(exc)
    return english if exc.korean in english else f"{exc.korean} ({english})"


def _requester(store: Store, staff: str | None) -> Requester:
    if staff is None:
        return Requester(staff=f"cli:{getpass.getuser()}", role=None)
    found = next((u for u in store.staff.users() if u.name == staff and not u.disabled), None)
    if found is None:
        english = f"no active staff account named {staff!r}"
        fail(f"사용 중인 직원 계정 {staff!r}이(가) 없습니다 ({english})")
    return Requester(staff=found.name, role=found.role)


@report_app.callback()
def report(
    ctx: typer.Context,
    month: MonthOption = None,
    fmt: Annotated[str, typer.Option("--format", help="xlsx, csv, html or pdf.")] = "xlsx",
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the file.")] = None,
    no_pseudonymize: Annotated[
        bool, typer.Option("--no-pseudonymize", help="Real author names (admins, with a reason).")
    ] = False,
    reason: ReasonOption = None,
    staff: StaffOption = None,
    config: ConfigOption = None,
) -> None:
    """Write a month's report (authors pseudonymised unless --no-pseudonymize)."""
    if ctx.invoked_subcommand is not None:
        return
    if month is None:
        fail(NEED_MONTH)
    if not (reason or "").strip():
        fail(
            "사유를 적어 주세요: 모든 내려받기는 사유와 함께 접속기록에 남습니다 "
            "(--reason is required: every download is recorded in the access log with its reason)"
        )
    settings = settings_or_exit(config)
    started = time.perf_counter()
    with closing(store_or_exit(settings)) as store:
        who = _requester(store, staff)
        try:
            body, name = download(
                store, settings, month, fmt, reason or "", who, pseudonymize=not no_pseudonymize
            )
        except ReportError as exc:
            fail(korean_error(exc))
    target = out or Path(name)
    target.write_bytes(body)
    seconds = time.perf_counter() - started
    stdout.print(f"wrote {target} ({len(body):,} bytes, {seconds:.1f} s)", highlight=False)


@report_app.command("close")
def report_close(
    month: MonthOption = None, staff: CloserOption = None, config: ConfigOption = None
) -> None:
    """Freeze a month's figures and rows: its reports stay the same, byte for byte."""
    if month is None:
        fail(NEED_MONTH)
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        try:
            closed = close(store, settings, month, _requester(store, staff))
        except ReportError as exc:
            fail(korean_error(exc))
    stdout.print(f"{month} closed" if closed else f"{month} was already closed")


@report_app.command("reopen")
def report_reopen(
    month: MonthOption = None,
    reason: ReasonOption = None,
    staff: AdminOption = None,
    config: ConfigOption = None,
) -> None:
    """Unfreeze a closed month (an admin's --staff and a --reason are required)."""
    if month is None:
        fail(NEED_MONTH)
    settings = settings_or_exit(config)
    with closing(store_or_exit(settings)) as store:
        try:
            reopened = reopen(store, month, reason or "", _requester(store, staff))
        except ReportError as exc:
            fail(korean_error(exc))
    stdout.print(f"{month} reopened" if reopened else f"{month} was not closed")


KEY_ENV = "AGGREGATOR_PSEUDONYM_KEY"


@report_app.command("init-key")
def report_init_key() -> None:
    """Once per install: generate the pseudonym key and print where to keep it."""
    key = secrets.token_urlsafe(32)
    stdout.print(
        "A new pseudonym key (keep it secret and back it up: another key gives other\n"
        "pseudonyms and no longer matches earlier `privacy forget` tombstones):\n\n"
        f"  {KEY_ENV}={key}\n\n"
        "1. Add that line to the environment of every aggregator process: on an install\n"
        "   from scripts/install.sh, to /etc/aggregator/secrets.env (mode 640); by hand,\n"
        f"   `export {KEY_ENV}=...`. Never write the key into config.yaml.\n"
        "2. Reference it in config.yaml:\n"
        "     reports:\n"
        f"       pseudonym_key: {{env: {KEY_ENV}}}\n"
        "3. Check: aggregator config check",
        highlight=False,
        markup=False,
    )


topics_app = typer.Typer(
    help="Topic nouns of comments for the monthly report's top topics.", no_args_is_help=True
)


@topics_app.command("update")
def topics_update(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Analyse at most this many comments.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Analyse the nouns of new and edited comments (kiwipiepy; cron: every 30 minutes)."""
    settings = settings_or_exit(config)
    started = time.perf_counter()
    with closing(store_or_exit(settings)) as store:
        count = update_in_child(store, limit=limit)
    seconds = time.perf_counter() - started
    stdout.print(f"analysed {count:,} comments ({seconds:.1f} s)", highlight=False)
