"""An answer left `sending` (a crash) for an account that has since lost its write token:
the worker can neither read it back nor send it, so it hands it to staff (`needs_check`)
instead of leaving it in `sending` forever; approved answers without a writer wait for
copy-and-confirm without any error."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.answers.worker import STRANDED_MESSAGE, AnswerWorker
from aggregator.config import parse_settings
from aggregator.http import HttpClient
from aggregator.store import Store
from aggregator.store.tables import ANSWER
from aggregator.workflow import Actor, Role
from tests.conftest import FakeClock
from tests.fixtures_web import Web

COMM = Actor("comm1", Role.COMMUNICATIONS)
SETTINGS = parse_settings(
    "accounts:\n  - {name: fb-page, platform: facebook, page_id: '1', access_token: {env: T}}\n",
    environ={"T": "read-only"},
)


def _no_writer(account: Any, http: HttpClient) -> None:
    return None


def _answer(store: Store, answer_id: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(ANSWER).where(ANSWER.c.id == answer_id)).one()._mapping)


def _left_sending(web: Web, clock: FakeClock, key: str) -> int:
    service = AnswerService(web.store, SETTINGS.answers)
    answer_id = service.write(COMM, web.ids[key], "first", "안내")
    with web.store.engine.begin() as conn:
        conn.execute(
            sa.update(ANSWER)
            .where(ANSWER.c.id == answer_id)
            .values(state="sending", send_started_at=clock(), attempts=1)
        )
    return answer_id


def test_an_answer_left_sending_without_a_writer_needs_a_person(web: Web, clock: FakeClock) -> None:
    answer_id = _left_sending(web, clock, "c1")
    report = AnswerWorker(web.store, SETTINGS, HttpClient(), writer_for=_no_writer).run()
    assert report.outcomes == {"needs_check": 1}
    row = _answer(web.store, answer_id)
    assert row["state"] == "needs_check"
    assert row["error_kind"] == "no_writer"
    assert row["error_staff_message"] == STRANDED_MESSAGE
    assert "'게시함' 또는 '다시 보내기'" in STRANDED_MESSAGE


def test_staff_can_finish_a_stranded_answer_by_hand(web: Web, clock: FakeClock) -> None:
    answer_id = _left_sending(web, clock, "c1")
    AnswerWorker(web.store, SETTINGS, HttpClient(), writer_for=_no_writer).run()
    AnswerService(web.store, SETTINGS.answers).confirm_manual(COMM, answer_id)
    assert _answer(web.store, answer_id)["state"] == "confirmed_manual"


def test_approved_answers_without_a_writer_stay_for_copy_and_confirm(
    web: Web, clock: FakeClock
) -> None:
    service = AnswerService(web.store, SETTINGS.answers)
    waiting = service.write(COMM, web.ids["c2"], "first", "확인 중입니다")
    stranded = _left_sending(web, clock, "c1")
    report = AnswerWorker(web.store, SETTINGS, HttpClient(), writer_for=_no_writer).run()
    assert report.outcomes == {"needs_check": 1}
    assert _answer(web.store, stranded)["state"] == "needs_check"
    approved = _answer(web.store, waiting)
    assert (approved["state"], approved["error_kind"]) == ("approved", None)
    assert approved["attempts"] == 0
    again = AnswerWorker(web.store, SETTINGS, HttpClient(), writer_for=_no_writer).run()
    assert again.outcomes == {}
