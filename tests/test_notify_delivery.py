"""Review events become notifications delivered to a real SMTP server and a real webhook
receiver on loopback, on SQLite and PostgreSQL: the right people, Korean text with the
link, no resident's personal data, retries, failures shown, never a blocked action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aggregator.answers.service import AnswerService
from aggregator.config import Settings
from aggregator.db import read_connection, write_transaction
from aggregator.notify import addresses, jobs
from aggregator.notify.kinds import OFFICE
from aggregator.notify.queue import settled
from aggregator.records import Batch, CommentRecord
from aggregator.store import Store
from aggregator.store import answers as answer_rows
from aggregator.store import notifications as rows
from aggregator.store.reviews import ReviewAction
from aggregator.workflow import Actor, Role
from tests.fixtures_notify import PUBLIC_URL, Receiver, SmtpServer, notify_settings
from tests.fixtures_web import T0, add_users, seed

PARKING = "parking@hanbit-gu.example"
DEPT1 = "dept1@hanbit-gu.example"
COMM1 = "comm1@hanbit-gu.example"
NAME, PHONE = "김민수", "010-9876-5432"
OFFICE_ACTOR = Actor("comm1", Role.COMMUNICATIONS)


class World:
    """A seeded store with staff, a resident's comment holding a name and a phone
    number, addresses and preferences; the settings point at the real receivers."""

    def __init__(self, store: Store, smtp: SmtpServer, hook: Receiver, extra: str = "") -> None:
        self.store, self.smtp, self.hook = store, smtp, hook
        self.settings: Settings = notify_settings(smtp.port, extra)
        seed(store)
        add_users(store)
        self.comment = self._resident_comment()
        users = {u.name: u for u in store.staff.users()}
        self.users = users
        addresses.save_contact(store, self.settings, "주차관리과", PARKING, hook.url, "admin1")
        addresses.save_contact(
            store, self.settings, OFFICE, "office@hanbit-gu.example", "", "admin1"
        )
        addresses.save_preference(store, users["dept1"], DEPT1, ["department", "handler"], True)
        addresses.save_preference(store, users["comm1"], COMM1, ["approval", "failed"], True)

    def _resident_comment(self) -> int:
        account = self.store.sync.ensure_account("fb-page", "facebook")
        record = CommentRecord(
            platform="facebook",
            external_id="pii1",
            created_at=T0 + timedelta(hours=8),
            text=f"{NAME}입니다. 우리 골목 불법주차 좀 단속해 주세요 {PHONE} 으로 연락 바랍니다",
            post_external_id="p1",
            author_name=NAME,
            author_handle="minsu.kim",
            permalink="https://facebook.example/pii1",
        )
        self.store.sync.apply_batch(account, Batch(stream="t", comments=(record,)))
        with self.store.engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT id FROM comment WHERE external_id = 'pii1'")
            return int(found.scalar_one())

    def act(self, actor: Actor, action: ReviewAction) -> None:
        ctx_now = self.store.clock()
        from aggregator.store.reviews import ReviewContext

        ctx = ReviewContext(now=ctx_now, departments=tuple(self.settings.departments))
        result = self.store.inbox.review(actor, [self.comment], action, ctx)
        assert result.done == [self.comment], result.refused

    def run(self) -> tuple[int, dict[str, int]]:
        queued, report = jobs.notify(self.store, self.settings)
        return queued, dict(report.outcomes)


@pytest.fixture
def world(store: Store, clock: Any, smtp_server: SmtpServer, webhook: Receiver) -> World:
    clock.now = T0 + timedelta(days=1)
    return World(store, smtp_server, webhook)


def _texts(world: World) -> list[str]:
    mails = [f"{m['Subject']}\n{m.get_content()}" for m in world.smtp.handler.messages]
    return mails + [post["text"] for post in world.hook.posts]


def test_assignment_reaches_department_mail_webhook_and_officer(world: World) -> None:
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))

    queued, outcomes = world.run()

    assert (queued, outcomes) == (3, {"sent": 3})
    for address in (PARKING, DEPT1):
        [mail] = world.smtp.handler.to(address)
        assert (
            mail["Subject"]
            == f"[SNS 소통] 주차관리과에 새 항목이 배정되었습니다 (#{world.comment})"
        )
        body = mail.get_content()
        assert f"바로가기: {PUBLIC_URL}/comments/{world.comment}" in body
        assert "페이스북" in body
        assert "배정: comm1" in body
        assert "기한:" in body
    [post] = world.hook.posts
    assert set(post) == {"text"}
    assert "주차관리과에 새 항목이 배정되었습니다" in post["text"]
    assert world.smtp.handler.to(COMM1) == []  # the office did the assigning


def test_messages_carry_no_personal_data_of_the_resident(world: World) -> None:
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))
    world.run()

    texts = _texts(world)
    assert len(texts) == 3
    for text in texts:
        assert PHONE not in text
        assert "9876" not in text
        assert "minsu.kim" not in text
        assert "[휴대전화 가림]" in text or "…" in text
        assert NAME not in text  # not as the author, and masked inside the excerpt too
        assert "[이름 가림]입니다" in text


def test_excerpt_none_leaves_out_every_word_of_the_comment(
    store: Store, clock: Any, smtp_server: SmtpServer, webhook: Receiver
) -> None:
    clock.now = T0 + timedelta(days=1)
    world = World(store, smtp_server, webhook, "notifications: {excerpt: none}\n")
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))
    world.run()

    for text in _texts(world):
        assert NAME not in text
        assert "불법주차" not in text
        assert "내용(일부" not in text
        assert f"{PUBLIC_URL}/comments/{world.comment}" in text


def test_transfer_handler_and_approval_reach_whom_they_concern(world: World) -> None:
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="청소행정과"))
    world.act(OFFICE_ACTOR, ReviewAction("transfer", department="주차관리과", reason="주차 민원"))
    world.act(OFFICE_ACTOR, ReviewAction("assign_handler", assignee="dept1"))
    officer = Actor("dept1", Role.DEPARTMENT, "주차관리과")
    AnswerService(world.store, world.settings.answers).write(
        officer, world.comment, "first", "확인하겠습니다"
    )

    world.run()

    subjects = {
        addr: [m["Subject"] for m in world.smtp.handler.to(addr)]
        for addr in (DEPT1, COMM1, PARKING)
    }
    assert subjects[DEPT1] == [
        f"[SNS 소통] 청소행정과에서 주차관리과(으)로 이송된 항목이 있습니다 (#{world.comment})",
        f"[SNS 소통] 담당자로 지정된 항목이 있습니다 (#{world.comment})",
    ]
    assert subjects[COMM1] == [f"[SNS 소통] 답변이 승인을 기다립니다 (#{world.comment})"]
    assert len(subjects[PARKING]) == 1
    assert "이송 사유: 주차 민원" in world.smtp.handler.to(PARKING)[0].get_content()
    assert len(world.smtp.handler.to("office@hanbit-gu.example")) == 1


def test_preferences_switched_off_or_disabled_accounts_get_nothing(world: World) -> None:
    addresses.save_preference(world.store, world.users["dept1"], DEPT1, ["handler"], False)
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))
    world.store.staff.set_user_disabled("dept1", True)
    world.act(OFFICE_ACTOR, ReviewAction("assign_handler", assignee="dept2"))  # 청소행정과 officer
    world.run()

    assert world.smtp.handler.to(DEPT1) == []
    assert len(world.smtp.handler.to(PARKING)) == 1


def test_a_failed_answer_reaches_its_writer_and_the_office_once(world: World) -> None:
    addresses.save_preference(world.store, world.users["dept1"], DEPT1, ["failed"], False)
    officer = Actor("dept1", Role.DEPARTMENT, "주차관리과")
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))
    service = AnswerService(world.store, world.settings.answers)
    answer = service.write(officer, world.comment, "first", "확인하겠습니다")
    service.approve(OFFICE_ACTOR, answer)
    with write_transaction(world.store.engine) as conn:
        answer_rows.update(
            conn, answer, "approved", state="failed", attempts=1,
            send_started_at=world.store.clock(), error_staff_message="페이지 권한이 없습니다",
        )  # fmt: skip

    world.run()
    world.run()

    [to_writer] = world.smtp.handler.to(DEPT1)
    assert (
        to_writer["Subject"] == f"[SNS 소통] 승인된 답변을 게시하지 못했습니다 (#{world.comment})"
    )
    assert "사유: 페이지 권한이 없습니다" in to_writer.get_content()
    assert len(world.smtp.handler.to(COMM1)) == 2  # the approval request, then the failure


def test_smtp_failures_retry_with_backoff_then_show_as_failed(world: World, clock: Any) -> None:
    world.smtp.handler.refuse = 100
    world.hook.statuses = [500] * 100
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))

    assert world.run() == (3, {"retry": 3})
    assert world.run() == (0, {})  # not due again yet: the backoff holds it
    for minutes in (2, 4, 8, 16):
        clock.advance(minutes=minutes)
        outcome = world.run()[1]
    assert outcome == {"failed": 3}
    assert world.smtp.handler.messages == []
    assert world.hook.posts == []
    with read_connection(world.store.engine) as conn:
        failed = rows.failures(conn, 10)
        review = conn.exec_driver_sql(
            f"SELECT department FROM review WHERE comment_id = {world.comment}"
        ).scalar_one()
    assert review == "주차관리과"  # the review action itself stood
    assert {f["attempts"] for f in failed} == {5}
    errors = {f["channel"]: f["last_error"] for f in failed}
    assert "451" in errors["email"]
    assert errors["webhook"] == "웹훅이 HTTP 500 로 거부했습니다"


def test_a_message_that_failed_once_is_sent_on_retry(world: World, clock: Any) -> None:
    world.smtp.handler.refuse = 1
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))
    assert world.run()[1] == {"retry": 1, "sent": 2}
    clock.advance(minutes=2)
    assert world.run()[1] == {"sent": 1}
    assert len(world.smtp.handler.messages) == 2


def test_no_mail_server_configured_fails_visibly(
    store: Store, clock: Any, smtp_server: SmtpServer, webhook: Receiver
) -> None:
    clock.now = T0 + timedelta(days=1)
    world = World(store, smtp_server, webhook)
    world.settings = world.settings.model_copy(
        update={"alerts": world.settings.alerts.model_copy(update={"email": None})}
    )
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))
    world.run()
    with read_connection(store.engine) as conn:
        pending = rows.due(conn, clock.now + timedelta(hours=1), 10)
    assert {p["last_error"] for p in pending} == {
        "메일 서버가 설정되지 않았습니다 (config.yaml의 alerts.email)"
    }
    assert len(webhook.posts) == 1


def test_history_before_the_first_run_and_repeated_runs_send_once(world: World) -> None:
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))
    world.run()
    world.run()
    assert len(world.smtp.handler.messages) == 2
    assert len(world.hook.posts) == 1


def test_a_gap_in_event_ids_is_waited_for_until_it_settles() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    events = [{"id": 5, "at": now}, {"id": 7, "at": now}]
    assert [e["id"] for e in settled(events, 4, now)] == [5]
    old = [{"id": 5, "at": now}, {"id": 7, "at": now - timedelta(minutes=2)}]
    assert [e["id"] for e in settled(old, 4, now)] == [5, 7]


def test_switched_off_nothing_is_queued_and_old_events_stay_unsent(
    store: Store, clock: Any, smtp_server: SmtpServer, webhook: Receiver
) -> None:
    clock.now = T0 + timedelta(days=1)
    world = World(store, smtp_server, webhook, "notifications: {enabled: false}\n")
    world.act(OFFICE_ACTOR, ReviewAction("assign_department", department="주차관리과"))
    assert world.run() == (0, {})

    world.settings = notify_settings(smtp_server.port)
    assert world.run() == (0, {})  # switched on again: the old event is not sent late
    world.act(OFFICE_ACTOR, ReviewAction("assign_handler", assignee="dept1"))
    assert world.run() == (1, {"sent": 1})
