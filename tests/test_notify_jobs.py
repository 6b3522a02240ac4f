"""The scheduler's `notify` (every minute) and `digest` (daily at digest_time, Monday to
Friday) jobs, and one sender at a time per database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from aggregator.config import parse_settings
from aggregator.notify import addresses, jobs
from aggregator.notify.delivery import LEASE, NotifierBusy
from aggregator.scheduling import SchedulerService, describe
from aggregator.store import Store
from aggregator.store.locks import Holder
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.fixtures_notify import SmtpServer, notify_settings
from tests.fixtures_web import T0, add_users, seed


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    scheduler = BackgroundScheduler()
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=False)


def test_notify_and_digest_jobs_are_registered_from_config(
    store: Store, scheduler: BackgroundScheduler
) -> None:
    settings = parse_settings("notifications: {digest_time: '09:15'}", environ={})
    SchedulerService(settings, store, extra_jobs=jobs.notify_jobs(settings)).configure(scheduler)

    found = {job["id"]: job["trigger"] for job in describe(scheduler)}

    assert found["notify"] == "interval[0:01:00]"
    assert found["digest"].startswith("cron[month='*', day='*', day_of_week='mon-fri', hour='9'")
    assert "minute='15'" in found["digest"]


def test_a_second_sender_waits_for_the_first(
    store: Store, clock: Any, smtp_server: SmtpServer
) -> None:
    clock.now = T0 + timedelta(days=1)
    settings = notify_settings(smtp_server.port)
    ids = seed(store)
    add_users(store)
    comm1 = next(u for u in store.staff.users() if u.name == "comm1")
    addresses.save_preference(store, comm1, "comm1@x.example", ["approval"], False)
    addresses.save_contact(store, settings, "주차관리과", "p@x.example", "", "admin1")
    ctx = ReviewContext(now=clock.now, departments=tuple(settings.departments))
    action = ReviewAction("assign_department", department="주차관리과")
    store.inbox.review(Actor("comm1", Role.COMMUNICATIONS), [ids["c1"]], action, ctx)
    other = Holder("cron-host", 999_999, "other")
    assert store.sync.acquire_service_lease(LEASE, other, timedelta(minutes=10)) is None

    with pytest.raises(NotifierBusy, match="다른 알림 발송이 진행 중입니다"):
        jobs.notify(store, settings)
    jobs.scheduled_notify(store, settings)  # the scheduler's job skips quietly
    assert smtp_server.handler.messages == []

    store.sync.release_service_lease(LEASE, other)
    assert jobs.notify(store, settings)[1].outcomes == {"sent": 1}
    assert len(smtp_server.handler.to("p@x.example")) == 1
