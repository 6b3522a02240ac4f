"""The sending worker: posts approved answers exactly once, recovers from a crash by
reading back, retries what is worth retrying, stops at what needs a person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from aggregator.answers.service import AnswerService
from aggregator.answers.worker import AnswerWorker, WorkerBusy, answers_jobs
from aggregator.config import Settings, parse_settings
from aggregator.http import HttpClient
from aggregator.records import Batch, CommentRecord
from aggregator.scheduling import SchedulerService
from aggregator.store import Store
from aggregator.store.locks import Holder
from aggregator.store.tables import ANSWER, REVIEW
from aggregator.workflow import Actor, Role
from connectors.common.reply import WriteError, WriteErrorKind
from tests.answer_writers import Crash, FakePlatform
from tests.conftest import FakeClock
from tests.fixtures_web import Web

COMM = Actor("comm1", Role.COMMUNICATIONS)
CONFIG = """
accounts:
  - {name: fb-page, platform: facebook, page_id: '1', access_token: {env: T}}
answers: {max_attempts: 3, retry_minutes: 5}
"""


def settings() -> Settings:
    return parse_settings(CONFIG, environ={"T": "token"})


@pytest.fixture
def platform(clock: FakeClock) -> FakePlatform:
    return FakePlatform(clock)


def worker(store: Store, platform: FakePlatform) -> AnswerWorker:
    return AnswerWorker(store, settings(), HttpClient(), writer_for=platform.writer_for)


def approved(web: Web, key: str = "c1", kind: str = "first", text: str = "안내드립니다") -> int:
    service = AnswerService(web.store, settings().answers)
    return service.write(COMM, web.ids[key], kind, text)


def answer(store: Store, answer_id: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(ANSWER).where(ANSWER.c.id == answer_id)).one()._mapping)


def status(store: Store, comment_id: int) -> str:
    with store.engine.connect() as conn:
        query = sa.select(REVIEW.c.status).where(REVIEW.c.comment_id == comment_id)
        return str(conn.execute(query).scalar_one())


def test_an_approved_answer_is_posted_once_and_the_status_follows(
    web: Web, platform: FakePlatform
) -> None:
    answer_id = approved(web)
    report = worker(web.store, platform).run()
    assert report.outcomes == {"posted": 1}
    row = answer(web.store, answer_id)
    assert row["state"] == "posted"
    assert (row["platform_reply_id"], row["reply_external_id"]) == ("c1_r1", "c1_r1")
    assert row["posted_at"] == web.store.clock()
    assert status(web.store, web.ids["c1"]) == "1차 답변"
    assert worker(web.store, platform).run().outcomes == {}
    assert [r.text for r in platform.replies] == ["안내드립니다"]


def test_a_reply_to_a_reply_goes_under_its_top_level_comment(
    web: Web, platform: FakePlatform
) -> None:
    account = web.store.sync.ensure_account("fb-page", "facebook")
    resident_reply = CommentRecord(
        platform="facebook", external_id="c2_9", created_at=web.store.clock(),
        text="언제 확인되나요?", post_external_id="p1", parent_external_id="c2",
    )  # fmt: skip
    web.store.sync.apply_batch(account, Batch(stream="t", comments=(resident_reply,)))
    with web.store.engine.connect() as conn:
        query = sa.text("SELECT id FROM comment WHERE external_id = 'c2_9'")
        web.ids["c2_9"] = int(conn.execute(query).scalar_one())
    approved(web, key="c2_9")
    worker(web.store, platform).run()
    assert [r.under for r in platform.replies] == ["c2"]


def test_a_crash_after_the_platform_accepted_is_recovered_without_a_second_post(
    web: Web, platform: FakePlatform, clock: FakeClock
) -> None:
    answer_id = approved(web)
    platform.crash_after_post = True
    with pytest.raises(Crash):
        worker(web.store, platform).run(holder=Holder("elsewhere", -1, "dead"))
    assert answer(web.store, answer_id)["state"] == "sending"
    platform.crash_after_post = False
    clock.advance(minutes=6)  # the dead worker's lease has expired
    report = worker(web.store, platform).run()
    assert report.outcomes == {"recovered": 1}
    assert (platform.posts, len(platform.replies)) == (1, 1)
    row = answer(web.store, answer_id)
    assert (row["state"], row["platform_reply_id"]) == ("posted", "c1_r1")
    assert status(web.store, web.ids["c1"]) == "1차 답변"


def test_a_crash_before_the_platform_saw_it_is_sent_once(
    web: Web, platform: FakePlatform, clock: FakeClock
) -> None:
    answer_id = approved(web)
    with web.store.engine.begin() as conn:
        conn.execute(
            sa.update(ANSWER)
            .where(ANSWER.c.id == answer_id)
            .values(state="sending", send_started_at=clock(), attempts=1)
        )
    report = worker(web.store, platform).run()
    assert report.outcomes == {"posted": 1}
    assert (platform.finds, platform.posts, len(platform.replies)) == (1, 1, 1)


def test_a_lost_response_is_read_back_before_anything_else(
    web: Web, platform: FakePlatform
) -> None:
    answer_id = approved(web)
    platform.post_errors.append(
        WriteError(WriteErrorKind.NETWORK, "accepted; timeout", "확인 불가")
    )
    assert worker(web.store, platform).run().outcomes == {"recovered": 1}
    assert len(platform.replies) == 1
    assert answer(web.store, answer_id)["state"] == "posted"


def test_rate_limits_wait_with_backoff_then_fail_visibly(
    web: Web, platform: FakePlatform, clock: FakeClock
) -> None:
    answer_id = approved(web)
    limited = WriteError(WriteErrorKind.RATE_LIMITED, "429", "잠시 후 다시 게시합니다", 60)
    platform.post_errors += [limited, limited, limited]
    assert worker(web.store, platform).run().outcomes == {"retry": 1}
    first = answer(web.store, answer_id)
    assert (first["state"], first["next_attempt_at"]) == (
        "approved",
        clock() + _minutes(5),
    )
    assert worker(web.store, platform).run().outcomes == {}  # not due yet: no loop
    clock.advance(minutes=5)
    worker(web.store, platform).run()
    assert answer(web.store, answer_id)["next_attempt_at"] == clock() + _minutes(10)
    clock.advance(minutes=10)
    assert worker(web.store, platform).run().outcomes == {"failed": 1}
    row = answer(web.store, answer_id)
    assert (row["state"], row["error_kind"], row["attempts"]) == ("failed", "rate_limited", 3)
    assert row["error_staff_message"] == "잠시 후 다시 게시합니다"
    assert platform.replies == []


def test_a_permission_error_fails_at_once_with_the_staff_message(
    web: Web, platform: FakePlatform
) -> None:
    answer_id = approved(web)
    platform.post_errors.append(
        WriteError(
            WriteErrorKind.PERMISSION, "(#200) pages_manage_engagement", "쓰기 권한이 없습니다"
        )
    )
    assert worker(web.store, platform).run().outcomes == {"failed": 1}
    row = answer(web.store, answer_id)
    assert (row["error_kind"], row["error_staff_message"]) == ("permission", "쓰기 권한이 없습니다")
    AnswerService(web.store, settings().answers).retry(COMM, answer_id)
    assert worker(web.store, platform).run().outcomes == {"posted": 1}


def test_a_duplicate_refusal_reads_back_and_needs_a_person_when_absent(
    web: Web, platform: FakePlatform
) -> None:
    answer_id = approved(web)
    platform.post_errors.append(WriteError(WriteErrorKind.DUPLICATE, "403 duplicate", "중복"))
    assert worker(web.store, platform).run().outcomes == {"needs_check": 1}
    assert platform.finds == 1
    assert answer(web.store, answer_id)["state"] == "needs_check"


def test_a_failed_read_back_never_resends_blindly(
    web: Web, platform: FakePlatform, clock: FakeClock
) -> None:
    answer_id = approved(web)
    platform.crash_after_post = True
    with pytest.raises(Crash):
        worker(web.store, platform).run(holder=Holder("elsewhere", -1, "dead"))
    platform.crash_after_post = False
    clock.advance(minutes=6)
    platform.find_errors.append(WriteError(WriteErrorKind.NETWORK, "503", "확인 불가"))
    assert worker(web.store, platform).run().outcomes == {"unknown": 1}
    assert answer(web.store, answer_id)["state"] == "sending"
    clock.advance(minutes=10)
    assert worker(web.store, platform).run().outcomes == {"recovered": 1}
    assert (platform.posts, len(platform.replies)) == (1, 1)


def test_only_one_worker_runs_at_a_time(web: Web, platform: FakePlatform) -> None:
    other = Holder("elsewhere", -1, "alive")
    assert web.store.sync.acquire_service_lease("answers", other, _minutes(5)) is None
    with pytest.raises(WorkerBusy):
        worker(web.store, platform).run()


def test_answers_of_accounts_without_a_writer_wait_for_staff(web: Web, clock: FakeClock) -> None:
    answer_id = approved(web)
    none = FakePlatform(clock)
    none.writer_for = lambda account, http: None  # type: ignore[method-assign]
    assert worker(web.store, none).run().outcomes == {}
    assert answer(web.store, answer_id)["state"] == "approved"


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def test_the_scheduler_runs_the_answers_job_every_minute_one_at_a_time(web: Web) -> None:
    config = settings()
    scheduler = BackgroundScheduler(timezone="Asia/Seoul")
    SchedulerService(config, web.store, extra_jobs=answers_jobs(config)).configure(scheduler)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job("answers")
        assert job is not None
        assert isinstance(job.trigger, IntervalTrigger)
        assert (job.trigger.interval, job.max_instances) == (timedelta(minutes=1), 1)
    finally:
        scheduler.shutdown(wait=False)
