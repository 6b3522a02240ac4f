"""`aggregator sandbox` and `aggregator demo`: the offline platform sandbox for people.

The demo replays `days` days of a district's life in a few seconds: the sandbox clock
starts that far back and moves forward `every_hours` at a time, and every account is
synced at each step, exactly as cron would, so comments arrive incrementally.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from aggregator.answers.states import STATE_LABELS, AnswerState
from aggregator.config import Settings, load_settings
from aggregator.db import upgrade
from aggregator.demo_desk import DemoDesk
from aggregator.logging_setup import protect_secrets
from aggregator.output import print_results
from aggregator.runner import exit_code, select_accounts, sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.stopping import serve_web, stop_on_signals
from aggregator.store import Store
from aggregator.store.opening import open_store
from aggregator.sync import RunResult
from aggregator.users import generate_password, hash_password
from aggregator.workflow import ROLE_LABELS, Role


def run_sandbox(
    console: Console, host: str, port: int, seed: int, comments: int, config_path: Path | None
) -> None:
    """Serve the sandbox in the foreground until Ctrl-C or SIGTERM."""
    sandbox = Sandbox(seed=seed, host=host, port=port, comments=comments)
    with sandbox, stop_on_signals(sandbox.request_stop):  # also while printing
        if config_path is not None:
            sandbox.write_config(config_path)
            console.print(f"wrote {config_path} (every account points at this sandbox)")
            for name, value in SANDBOX_ENV.items():
                console.print(f"export {name}={value}", highlight=False)
        console.print(f"sandbox serving on {sandbox.base_url} (Ctrl-C or SIGTERM stops it)")
        sandbox.serve_forever()


def run_demo(
    console: Console,
    directory: Path,
    seed: int,
    comments: int,
    days: int,
    every_hours: int,
    serve_port: int | None = None,
) -> int:
    """Sandbox, config, database, then `days` days of syncs; print a summary and the demo
    logins; then serve the inbox on `serve_port` (None: don't); return the exit code."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "config.yaml"
    database = (directory / "demo.db").resolve()
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    # The data set ends at the current hour, so deadlines and "overdue" look as in real use.
    with Sandbox(
        seed=seed, port=0, comments=comments, speed=0, rewind_days=days, start=anchor
    ) as sandbox:
        settings = _demo_settings(console, sandbox, config_path, database)
        url = settings.database_url(environ={})  # never AGGREGATOR_DATABASE_URL: a demo
        upgrade(url)
        outcome = _simulate(console, sandbox, settings, url, days, every_hours)
    print_results(console, outcome.totals, more_warnings="")  # the demo has no --json: list them
    console.print(
        f"\n{outcome.steps + 1} syncs of every account over {days} simulated days.\n"
        f"[bold]{outcome.posts} posts and {outcome.comments} comments[/] are in {database}.\n"
        f"Answers by state: {_answer_summary(outcome.answers)}\n"
        f"Next: `aggregator status --config {config_path}`"
    )
    _print_logins(console, outcome.logins)
    if serve_port is not None:
        serve_inbox(console, settings, url, serve_port)
    return exit_code(outcome.totals)


class DemoOutcome(NamedTuple):
    """What a demo's replay left: per-account totals, stored rows, answers and logins."""

    totals: list[RunResult]
    steps: int
    posts: int
    comments: int
    answers: dict[str, int]
    logins: list[tuple[str, Role, str | None, str]]


def _demo_settings(
    console: Console, sandbox: Sandbox, config_path: Path, database: Path
) -> Settings:
    """Write the sandbox's config (with the demo's routing rules) and read it back, its
    secrets registered for redaction."""
    sandbox.write_config(config_path, database_url=f"sqlite:///{database}")
    with config_path.open("a", encoding="utf-8") as config_file:
        config_file.write(DEMO_ROUTING_RULES)
    console.print(f"sandbox running on {sandbox.base_url}; config written to {config_path}")
    settings = load_settings(config_path, environ=SANDBOX_ENV)
    protect_secrets(settings)
    return settings


def _simulate(
    console: Console, sandbox: Sandbox, settings: Settings, url: str, days: int, every_hours: int
) -> DemoOutcome:
    """Replay `days` days, a step every `every_hours`, with the demo desk answering; then
    count what is stored and make the demo logins."""
    with closing(demo_store(settings, url, sandbox)) as store:
        steps = days * 24 // every_hours
        desk = DemoDesk(store, settings, sandbox, every_hours)
        desk.seed_templates()
        totals = _replay(console, sandbox, store, settings, steps, every_hours, desk)
        posts, stored = store.sync.count_rows("post"), store.sync.count_rows("comment")
        return DemoOutcome(totals, steps, posts, stored, desk.counts(), demo_users(store))


def demo_store(settings: Settings, url: str, sandbox: Sandbox) -> Store:
    """The demo's store, on the sandbox's clock: staff work in simulated time too, so the
    replies the sandbox stores, the answers' `posted_at` (and the read-back after a crash,
    which looks from `send_started_at`) and the deadlines all agree."""
    return open_store(settings, url=url, clock=sandbox.now)


DEMO_ROUTING_RULES = """
# Routing rules of the demo: suggestions the communications office accepts in one click.
routing_rules:
  - {name: 주차, keywords: [주차, 주정차, 견인], department: 주차관리과, tags: [주차]}
  - {name: 쓰레기, keywords: [쓰레기, 무단투기, 분리배출], department: 청소행정과, tags: [청소]}
  - {name: 소음, keywords: [소음], department: 환경과, tags: [소음]}
  - {name: 도로, keywords: [가로등, 보도블록, 포트홀, 도로], department: 도로과, tags: [도로]}
  - {name: 위험, pattern: "(위험|사고|다쳤)", tags: [안전], priority: 높음}
  - {name: 광고, pattern: '(\\[광고\\]|대출|카지노|수익 보장)', spam: true}
"""
DEMO_USERS = (
    ("demo-admin", Role.ADMIN, None),
    ("demo-office", Role.COMMUNICATIONS, None),
    ("demo-parking", Role.DEPARTMENT, "주차관리과"),
    ("demo-cleaning", Role.DEPARTMENT, "청소행정과"),
    ("demo-environment", Role.DEPARTMENT, "환경과"),
    ("demo-roads", Role.DEPARTMENT, "도로과"),
    ("demo-viewer", Role.VIEWER, None),
)


def demo_users(store: Store) -> list[tuple[str, Role, str | None, str]]:
    """One account per role with a fresh random password (reset when they exist)."""
    hasher = PasswordHasher()
    existing = {user.name for user in store.staff.users()}
    logins = []
    for name, role, department in DEMO_USERS:
        password = generate_password()
        if name in existing:
            store.staff.set_user_password(name, hash_password(hasher, password))
        else:
            store.staff.create_user(name, role, department, hash_password(hasher, password))
        logins.append((name, role, department, password))
    return logins


def _print_logins(console: Console, logins: list[tuple[str, Role, str | None, str]]) -> None:
    console.print("\n[bold]Demo logins[/] (new passwords each run):")
    for name, role, department, password in logins:
        where = f", {department}" if department else ""
        console.print(f"  {name:<17} {password}   ({ROLE_LABELS[role]}{where})", highlight=False)


def serve_inbox(console: Console, settings: Settings, url: str, port: int) -> None:
    """Serve the review inbox over the demo database until Ctrl-C or SIGTERM."""
    from aggregator.web import create_app

    store = open_store(settings, url=url)
    console.print(f"\n[bold]Review inbox:[/] http://127.0.0.1:{port}/  (Ctrl-C stops it)")
    try:
        serve_web(create_app(settings, store), "127.0.0.1", port, "warning")
    finally:
        store.close()


def _replay(
    console: Console,
    sandbox: Sandbox,
    store: Store,
    settings: Settings,
    steps: int,
    every_hours: int,
    desk: DemoDesk | None = None,
) -> list[RunResult]:
    """Sync every account, let the `desk` answer, move sandbox time on, repeat; return
    per-account totals."""
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
            if desk is not None:
                desk.work(last=step == steps)
            bar.advance(task)
            if step < steps:
                sandbox.advance(every_hours * 60)
    return list(totals.values())


def _answer_summary(counts: dict[str, int]) -> str:
    """`게시됨 12 · 승인 대기 2 · ...` in the order of the answer's life."""
    shown = [f"{STATE_LABELS[state]} {counts[state]}" for state in AnswerState if counts.get(state)]
    return " · ".join(shown) or "없음"


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
