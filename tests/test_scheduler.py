"""scheduler.py and its jobs: building from config, catch-up, skips, leases, deadlines."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from aggregator.alerts import Alert
from aggregator.config import Schedule, Settings, parse_settings
from aggregator.db import create_db_engine, upgrade
from aggregator.runner import sync_accounts
from aggregator.scheduling import ExtraJob, SchedulerService, describe
from aggregator.store import Store
from aggregator.store.locks import Holder
from tests.conftest import FakeClock
from tests.fixtures_sandbox import SandboxFactory

CONFIG = """
timezone: Asia/Seoul
scheduler: {misfire_grace_seconds: 900, max_workers: 2}
alerts: {skipped_runs: 2}
accounts:
  - name: every-30
    platform: blog
    feed_url: "http://127.0.0.1:9/a"
    schedule: {interval_minutes: 30}
  - name: nightly
    platform: blog
    feed_url: "http://127.0.0.1:9/b"
    schedule: {cron: "0 9 * * mon-fri"}
    reconcile_schedule: {cron: "30 3 * * *"}
  - {name: paused, platform: blog, feed_url: "http://127.0.0.1:9/c", enabled: false}
"""


@pytest.fixture
def settings() -> Settings:
    return parse_settings(CONFIG, environ={})


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    scheduler = BackgroundScheduler()
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=False)


@pytest.fixture
def sqlite_store(sqlite_url: str, clock: FakeClock) -> Iterator[Store]:
    store = Store(create_db_engine(sqlite_url), clock=clock)
    yield store
    store.close()


def test_jobs_are_built_from_config_with_effective_options(
    settings: Settings, sqlite_store: Store, scheduler: BackgroundScheduler
) -> None:
    SchedulerService(settings, sqlite_store).configure(scheduler)
    scheduler.start(paused=True)
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == {"sync:every-30", "sync:nightly", "reconcile:nightly", "health", "lease"}
    every = scheduler.get_job("sync:every-30")
    assert isinstance(every.trigger, IntervalTrigger)
    assert every.trigger.interval == timedelta(minutes=30)
    nightly = scheduler.get_job("sync:nightly")
    assert isinstance(nightly.trigger, CronTrigger)
    assert str(nightly.trigger.timezone) == "Asia/Seoul"
    for job in (every, nightly):
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 900)
    assert scheduler.get_job("reconcile:nightly").args == ("nightly", True)


def test_the_scheduler_runs_every_maintenance_job_on_its_configured_trigger(
    sqlite_store: Store, scheduler: BackgroundScheduler
) -> None:
    import scheduler as scheduler_main

    settings = parse_settings(
        CONFIG + "notifications: {digest_time: '08:40'}\n"
        "reports: {topics_schedule: {interval_minutes: 20}}\n",
        environ={},
    )
    jobs = scheduler_main.maintenance_jobs(settings)
    SchedulerService(settings, sqlite_store, extra_jobs=jobs).configure(scheduler)
    scheduler.start(paused=True)
    found = {job["id"]: job["trigger"] for job in describe(scheduler)}
    assert [job.id for job in jobs] == ["privacy-purge", "topics", "answers", "notify", "digest"]
    assert found["privacy-purge"] == (
        "cron[month='*', day='*', day_of_week='*', hour='3', minute='30']"
    )
    assert found["topics"] == "interval[0:20:00]"
    assert found["answers"] == found["notify"] == "interval[0:01:00]"
    assert "day_of_week='mon-fri', hour='8', minute='40'" in found["digest"]


def test_listing_the_maintenance_jobs_leaves_other_schedulers_alone(
    settings: Settings, sqlite_store: Store, scheduler: BackgroundScheduler
) -> None:
    import scheduler as scheduler_main

    scheduler_main.maintenance_jobs(settings)  # once a registry: every later scheduler got them
    SchedulerService(settings, sqlite_store).configure(scheduler)
    scheduler.start(paused=True)
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == {"sync:every-30", "sync:nightly", "reconcile:nightly", "health", "lease"}


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (("topics", "topics"), "'topics' is given twice"),
        (("health",), "'health' is reserved"),
        (("sync:every-30",), "'sync:every-30' is reserved"),
    ],
)
def test_a_job_id_given_twice_or_reserved_is_refused(
    settings: Settings, sqlite_store: Store, ids: tuple[str, ...], message: str
) -> None:
    jobs = [ExtraJob(i, Schedule(interval_minutes=5), lambda _store, _settings: None) for i in ids]
    with pytest.raises(ValueError, match=message):
        SchedulerService(settings, sqlite_store, extra_jobs=jobs)


def test_one_catch_up_run_after_downtime_then_the_normal_cadence(
    settings: Settings, sqlite_store: Store, clock: FakeClock, scheduler: BackgroundScheduler
) -> None:
    account_id = sqlite_store.sync.ensure_account("every-30", "blog")
    run = sqlite_store.sync.start_run(account_id, "scheduler")
    sqlite_store.sync.finish_run(run, {"status": "ok"})
    clock.advance(hours=3)  # the scheduler was down for six intervals
    SchedulerService(settings, sqlite_store).configure(scheduler)
    scheduler.start(paused=True)
    job = scheduler.get_job("sync:every-30")
    assert job.next_run_time == clock.now
    later = job.trigger.get_next_fire_time(job.next_run_time, clock.now)
    assert later == clock.now + timedelta(minutes=30), "one catch-up run, not six"


def test_an_account_synced_recently_waits_for_its_interval(
    settings: Settings, sqlite_store: Store, clock: FakeClock, scheduler: BackgroundScheduler
) -> None:
    account_id = sqlite_store.sync.ensure_account("every-30", "blog")
    sqlite_store.sync.finish_run(sqlite_store.sync.start_run(account_id, "cron"), {"status": "ok"})
    clock.advance(minutes=10)
    SchedulerService(settings, sqlite_store).configure(scheduler)
    scheduler.start(paused=True)
    assert scheduler.get_job("sync:every-30").next_run_time == clock.now + timedelta(minutes=20)


def test_overrunning_jobs_are_counted_logged_and_alerted(
    settings: Settings, sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    service = SchedulerService(settings, sqlite_store)
    alerts: list[Alert] = []
    service._channels = [alerts.append]
    release = threading.Event()
    scheduler = service.configure(BackgroundScheduler())
    scheduler.remove_all_jobs()
    scheduler.add_job(release.wait, IntervalTrigger(seconds=0.3), id="sync:slow")
    with caplog.at_level(logging.WARNING):
        scheduler.start()
        try:
            deadline = time.monotonic() + 10
            while service.skips["sync:slow"] < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            release.set()
            scheduler.shutdown(wait=True)
    assert caplog.text.count("skipped a run of job sync:slow") >= 2
    assert service.skips["sync:slow"] == 0, "a finished run resets the count"
    assert [a.subject for a in alerts] == ["[aggregator] sync:slow: runs skipped"]


def test_a_second_scheduler_is_refused(
    settings: Settings, sqlite_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    import scheduler as scheduler_main

    other = Holder("office-server-2", 4321, "t")
    assert sqlite_store.sync.acquire_service_lease("scheduler", other, timedelta(minutes=2)) is None
    assert scheduler_main.run(settings, sqlite_store) == 3
    assert "another scheduler is running for this database (office-server-2 pid 4321)" in (
        capsys.readouterr().err
    )


def test_an_expired_scheduler_lease_is_taken_over(sqlite_store: Store, clock: FakeClock) -> None:
    crashed = Holder("office-server-2", 4321, "t")
    sqlite_store.sync.acquire_service_lease("scheduler", crashed, timedelta(minutes=2))
    clock.advance(minutes=3)
    me = Holder.this_process()
    assert sqlite_store.sync.acquire_service_lease("scheduler", me, timedelta(minutes=2)) is None
    assert not sqlite_store.sync.renew_service_lease("scheduler", crashed, timedelta(minutes=2))


def test_a_scheduled_sync_of_an_account_cron_is_syncing_is_skipped_cleanly(
    settings: Settings, sqlite_store: Store
) -> None:
    account_id = sqlite_store.sync.ensure_account("every-30", "blog")
    sqlite_store.sync.acquire_lock(account_id, Holder("cron-host", 99, "x"), timedelta(minutes=30))
    SchedulerService(settings, sqlite_store).run_sync("every-30", reconcile=False)
    assert sqlite_store.sync.count_rows("sync_run") == 0


def test_run_deadline_ends_a_sync_against_a_hung_server(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    sandbox.faults.add("hang", "/naver/")
    feed = sandbox.url("/naver/hanbit_gu.xml")
    settings = parse_settings(
        "sync: {run_deadline_seconds: 2}\n"
        "http: {read_timeout_seconds: 60, retries: 0}\n"
        f"accounts: [{{name: naver, platform: blog, flavor: naver, feed_url: '{feed}'}}]\n",
        environ={},
    )
    url = f"sqlite:///{tmp_path}/d.db"
    upgrade(url)
    store = Store(create_db_engine(url))
    started = time.monotonic()
    [result] = sync_accounts(store, settings, settings.accounts, "scheduler")
    assert time.monotonic() - started < 10, "the deadline, not the 60 s read timeout, ended it"
    assert result.status in ("deadline_exceeded", "failed")
    sandbox.faults.clear()
    [again] = sync_accounts(store, settings, settings.accounts, "scheduler")
    store.close()
    assert again.ok, "the next run is not blocked by the hung one"


def test_months_are_taken_in_seoul_time() -> None:
    from aggregator.timeutil import month_bounds, month_of

    start, end = month_bounds("2024-03", "Asia/Seoul")
    last_evening = datetime(2024, 3, 31, 14, 30, tzinfo=UTC)  # 23:30 KST on 31 March
    first_morning = datetime(2024, 3, 31, 15, 10, tzinfo=UTC)  # 00:10 KST on 1 April
    assert start <= last_evening < end
    assert not start <= first_morning < end
    assert month_of(last_evening, "Asia/Seoul") == "2024-03"
    assert month_of(first_morning, "Asia/Seoul") == "2024-04"
    assert month_bounds("2024-12", "Asia/Seoul")[1] == datetime(2024, 12, 31, 15, tzinfo=UTC)
    with pytest.raises(ValueError, match="is out of range"):
        month_bounds("2024-13", "Asia/Seoul")


@pytest.mark.slow
def test_sigterm_during_a_sync_stops_cleanly_and_leaves_a_consistent_store(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    import json
    import os
    import signal
    import subprocess
    import sys

    import sqlalchemy as sa
    from typer.testing import CliRunner

    from aggregator.cli import app
    from aggregator.sandbox.config_writer import SANDBOX_ENV

    sandbox = make_sandbox(comments=1200)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = sandbox.write_config(tmp_path / "config.yaml", database_url=url)
    upgrade(url)
    sandbox.faults.add("delay", "/wordpress/news/2", seconds=0.3)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")}
    env |= SANDBOX_ENV  # the written config names these variables
    env.update(SANDBOX_ENV)
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [sys.executable, "scheduler.py", "--config", str(config)], cwd=root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    engine = create_db_engine(url)

    def running_wordpress_with_comments() -> bool:
        with engine.connect() as conn:
            query = (
                "SELECT count(*) FROM sync_run JOIN account ON account.id = sync_run.account_id "
                "WHERE account.name = 'wordpress-news' AND status = 'running'"
            )
            running = conn.execute(sa.text(query)).scalar()
            comments = conn.execute(sa.text("SELECT count(*) FROM comment")).scalar()
        return bool(running) and bool(comments)

    try:
        deadline = time.monotonic() + 30
        while not running_wordpress_with_comments() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    finally:  # never leave the scheduler running, also when waiting timed out
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.text(
            "SELECT account.name, sync_run.status FROM sync_run "
            "JOIN account ON account.id = sync_run.account_id"
        )).all())  # fmt: skip
        leases = conn.execute(sa.text("SELECT count(*) FROM service_lease")).scalar()
    engine.dispose()
    assert statuses["wordpress-news"] == "interrupted"
    assert "running" not in statuses.values()
    assert leases == 0

    sandbox.faults.clear()
    result = CliRunner().invoke(
        app, ["sync", "--config", str(config), "-a", "wordpress-news", "--json"], env=SANDBOX_ENV
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["accounts"][0]["ok"]


def test_an_account_whose_last_run_was_killed_runs_at_once_on_start(
    settings: Settings, sqlite_store: Store, clock: FakeClock, scheduler: BackgroundScheduler
) -> None:
    account_id = sqlite_store.sync.ensure_account("every-30", "blog")
    dead = Holder("crashed-host", 999, "gone")
    assert sqlite_store.sync.acquire_lock(account_id, dead, timedelta(minutes=1)) is None
    killed = sqlite_store.sync.start_run(account_id, "scheduler")
    clock.advance(minutes=5)  # restarted long before the 30-minute interval is up
    SchedulerService(settings, sqlite_store).configure(scheduler)
    scheduler.start(paused=True)
    job = scheduler.get_job("sync:every-30")
    assert job.next_run_time == clock.now
    assert job.trigger.get_next_fire_time(job.next_run_time, clock.now) == clock.now + timedelta(
        minutes=30
    ), "one catch-up run"
    assert sqlite_store.sync.run(killed)["status"] == "abandoned"


def test_an_account_whose_last_run_was_interrupted_runs_at_once_on_start(
    settings: Settings, sqlite_store: Store, clock: FakeClock, scheduler: BackgroundScheduler
) -> None:
    account_id = sqlite_store.sync.ensure_account("every-30", "blog")
    run = sqlite_store.sync.start_run(account_id, "scheduler")
    sqlite_store.sync.finish_run(run, {"status": "interrupted"})
    clock.advance(minutes=1)
    SchedulerService(settings, sqlite_store).configure(scheduler)
    scheduler.start(paused=True)
    assert scheduler.get_job("sync:every-30").next_run_time == clock.now


def test_a_stop_asked_for_while_starting_ends_the_scheduler_at_once(
    settings: Settings, sqlite_store: Store
) -> None:
    """systemd may stop the service while it builds its jobs: the stop is not lost (the
    scheduler returns at once instead of running until killed, holding its lease)."""
    service = SchedulerService(settings, sqlite_store)
    blocking = service.configure(BlockingScheduler())
    service.stop()  # before start: nothing is running to shut down yet
    started = threading.Thread(target=blocking.start, daemon=True)
    started.start()
    started.join(10)
    assert not started.is_alive()
    assert not blocking.running
