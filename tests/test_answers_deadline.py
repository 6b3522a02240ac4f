"""The deadline is met when the resident could see the answer (posted or confirmed), not
when a status was clicked; the inbox counts an answer as answered."""

from __future__ import annotations

from datetime import timedelta

from aggregator.answers.service import AnswerService
from aggregator.config_review import AnswersSection
from aggregator.reports.rows import to_report_row
from aggregator.store.inbox_query import InboxFilter, Scope
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.conftest import FakeClock
from tests.fixtures_web import T0, Web

COMM = Actor("comm1", Role.COMMUNICATIONS)


def answered_keys(web: Web) -> list[str]:
    deadlines = web.app.state.web.deadlines()
    rows, _ = web.store.inbox.inbox_page(InboxFilter(answered=True), Scope(), deadlines)
    return sorted(row["external_id"] for row in rows)


def test_a_confirmed_answer_counts_as_answered_in_the_inbox(web: Web) -> None:
    answers = AnswerService(web.store, AnswersSection())
    answer_id = answers.write(COMM, web.ids["c1"], "first", "블로그에 답했습니다")
    assert "c1" not in answered_keys(web)
    answers.confirm_manual(COMM, answer_id)
    assert "c1" in answered_keys(web)


def test_the_report_measures_the_answer_at_its_posted_time_not_the_status_click(
    web: Web, clock: FakeClock
) -> None:
    c1 = web.ids["c1"]
    for status in ("확인중", "1차 답변"):
        action = ReviewAction(kind="status", status=status)
        web.store.inbox.review(COMM, [c1], action, ReviewContext(now=clock()))
    answers = AnswerService(web.store, AnswersSection())
    first = answers.write(COMM, c1, "first", "확인 후 안내드리겠습니다")
    posted_first = clock.advance(days=4)
    answers.confirm_manual(COMM, first)
    final = answers.write(COMM, c1, "final", "처리했습니다")
    posted_final = clock.advance(days=1)
    answers.confirm_manual(COMM, final)
    raws = list(web.store.reports.report_rows(T0, T0 + timedelta(days=30)))
    raw = next(r for r in raws if r.id == c1)
    row = to_report_row(raw, 3, "Asia/Seoul", clock())
    assert (row.first_reply_at, row.final_answer_at) == (posted_first, posted_final)
    assert row.deadline_met is False
