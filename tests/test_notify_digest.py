"""The daily digest on SQLite and PostgreSQL, delivered to a real SMTP server and webhook:
business days only, empty digests not sent, at most once a day, preferences respected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from aggregator.notify import addresses, jobs
from aggregator.notify.kinds import OFFICE
from aggregator.store import Store
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.fixtures_notify import PUBLIC_URL, Receiver, SmtpServer, notify_settings
from tests.fixtures_web import add_users, seed

WED_1000 = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Seoul
THU_0830 = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)  # Thursday 08:30 in Seoul
COMM1, DEPT1, DEPT2 = "comm1@x.example", "dept1@x.example", "dept2@x.example"


class Office:
    """Seeded comments (Monday 16 November: due Thursday end of day), staff who want the
    digest, the parking department's addresses."""

    def __init__(self, store: Store, clock: Any, smtp: SmtpServer, hook: Receiver) -> None:
        self.store, self.clock, self.smtp, self.hook = store, clock, smtp, hook
        self.settings = notify_settings(smtp.port)
        self.ids = seed(store)
        add_users(store)
        users = {u.name: u for u in store.staff.users()}
        addresses.save_contact(store, self.settings, "주차관리과", "", hook.url, "admin1")
        addresses.save_preference(store, users["comm1"], COMM1, [], True)
        addresses.save_preference(store, users["dept1"], DEPT1, [], True)
        addresses.save_preference(store, users["dept2"], DEPT2, [], True)

    def assign(self, key: str, department: str, at: datetime) -> None:
        self.clock.now = at
        ctx = ReviewContext(now=at, departments=tuple(self.settings.departments))
        action = ReviewAction("assign_department", department=department)
        done = self.store.inbox.review(
            Actor("comm1", Role.COMMUNICATIONS), [self.ids[key]], action, ctx
        )
        assert done.done == [self.ids[key]]

    def digest(self, at: datetime) -> tuple[Any, dict[str, int]]:
        self.clock.now = at
        report, delivered = jobs.digest(self.store, self.settings)
        return report, dict(delivered.outcomes)

    def mail(self, address: str) -> list[EmailMessage]:
        return self.smtp.handler.to(address)


@pytest.fixture
def office(store: Store, clock: Any, smtp_server: SmtpServer, webhook: Receiver) -> Office:
    return Office(store, clock, smtp_server, webhook)


def test_business_day_digest_lists_due_today_for_office_and_department(office: Office) -> None:
    office.assign("c1", "주차관리과", WED_1000)

    report, outcomes = office.digest(THU_0830)

    assert report.business_day
    assert report.places == [OFFICE, "주차관리과"]
    assert outcomes == {"sent": 3}  # office: comm1; parking: dept1 and the webhook
    [to_office] = office.mail(COMM1)
    assert to_office["Subject"].startswith("[SNS 소통] 소통담당관 (전체) 일일 요약 (11월 19일): ")
    body = to_office.get_content()
    assert "■ 오늘 마감: 4건" in body  # c1 c3 c4 c5; c2 has the district's reply
    assert "■ 기한초과: 0건" in body
    assert f"#{office.ids['c1']} {PUBLIC_URL}/comments/{office.ids['c1']}" in body
    assert "010-1234-5678" not in body
    assert "주민" not in body
    [to_parking] = office.mail(DEPT1)
    parking = to_parking.get_content()
    assert "■ 오늘 마감: 1건" in parking
    assert "■ 신규 (2026년 11월 18일 (수) 08:30 이후): 1건" in parking
    assert "주차관리과 일일 요약" in office.hook.posts[0]["text"]


def test_an_empty_digest_is_not_sent(office: Office) -> None:
    office.digest(THU_0830)

    assert office.mail(DEPT2) == []  # 청소행정과 has nothing
    assert office.mail(DEPT1) == []  # 주차관리과 has nothing either
    assert office.hook.posts == []
    assert len(office.mail(COMM1)) == 1


def test_a_second_run_on_the_same_day_sends_nothing_again(office: Office) -> None:
    office.digest(THU_0830)
    report, outcomes = office.digest(THU_0830 + timedelta(hours=3))

    assert report.already_sent
    assert report.queued == 0
    assert outcomes == {}
    assert len(office.mail(COMM1)) == 1
    _, next_day = office.digest(THU_0830 + timedelta(days=1))
    assert next_day == {"sent": 1}


@pytest.mark.parametrize(
    "day",
    [
        datetime(2026, 11, 20, 23, 30, tzinfo=UTC),  # Saturday 21 November
        datetime(2026, 11, 21, 23, 30, tzinfo=UTC),  # Sunday 22 November
        datetime(2026, 12, 24, 23, 30, tzinfo=UTC),  # Christmas, Friday 25 December
    ],
)
def test_no_digest_on_weekends_and_holidays(office: Office, day: datetime) -> None:
    report, outcomes = office.digest(day)

    assert not report.business_day
    assert (report.queued, outcomes) == (0, {})
    assert office.smtp.handler.messages == []


def test_due_on_the_next_business_day_and_overdue_sections(office: Office) -> None:
    office.digest(WED_1000 - timedelta(hours=1, minutes=30))  # Wednesday 08:30
    office.digest(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))  # Tuesday 24 November

    wednesday, tuesday = (m.get_content() for m in office.mail(COMM1))
    assert "■ 다음 근무일 마감 (D-1): 4건" in wednesday
    assert "■ 오늘 마감: 0건" in wednesday
    assert "■ 기한초과: 4건" in tuesday
    assert "■ 신규 (2026년 11월 23일 (월) 08:30 이후): 0건" in tuesday


def test_digest_preference_off_gets_no_digest(office: Office) -> None:
    comm1 = next(u for u in office.store.staff.users() if u.name == "comm1")
    addresses.save_preference(office.store, comm1, COMM1, ["approval"], False)

    office.digest(THU_0830)

    assert office.mail(COMM1) == []


def test_the_notify_job_makes_a_digest_the_scheduler_missed(office: Office) -> None:
    office.clock.now = THU_0830 - timedelta(hours=2)  # 06:30: not yet
    jobs.scheduled_notify(office.store, office.settings)
    assert office.mail(COMM1) == []

    office.clock.now = THU_0830 + timedelta(hours=2)  # 10:30, the 08:30 run was missed
    jobs.scheduled_notify(office.store, office.settings)
    jobs.scheduled_notify(office.store, office.settings)

    assert len(office.mail(COMM1)) == 1
    report, _ = office.digest(THU_0830 + timedelta(hours=3))
    assert report.already_sent
