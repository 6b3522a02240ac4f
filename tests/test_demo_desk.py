"""The demo's office at work: it closes items as 답변 불요 with configured reasons,
overlooks a few, and leaves the report a plausible deadline compliance."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from rich.console import Console

from aggregator.config import load_settings
from aggregator.db import create_db_engine
from aggregator.demo import run_demo
from aggregator.demo_triage import LEFT_EVERY, Move, reason_for, triage
from aggregator.reports.figures import Headline
from aggregator.reports.rows import to_report_row
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.store import Store
from aggregator.store.tables import ACCOUNT, ANSWER, COMMENT, REVIEW
from aggregator.workflow import Status

OFFICERS = ("주차관리과", "환경과")
REASONS = ("단순 의견", "감사", "중복", "대화 종료")


def _row(comment_id: int = 1, text: str = "", **more: object) -> dict[str, object]:
    return {"id": comment_id, "text": text, "has_suggestion": False, **more}


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    directory: Path = tmp_path_factory.mktemp("demo")
    console = Console(file=io.StringIO(), width=120)
    code = run_demo(console, directory, seed=7, comments=500, days=6, every_hours=6)
    assert code == 0, console.file.getvalue()  # type: ignore[attr-defined]
    settings = load_settings(directory / "config.yaml", environ=SANDBOX_ENV)
    store = Store(create_db_engine(settings.database_url(environ={})))
    yield store
    store.close()


def test_demo_closes_items_as_no_answer_with_configured_reasons(demo_store: Store) -> None:
    query = sa.select(REVIEW.c.reason).where(REVIEW.c.status == Status.NO_ANSWER.value)
    with demo_store.engine.connect() as conn:
        reasons = Counter(conn.execute(query).scalars())
    assert sum(reasons.values()) >= 10
    assert set(reasons) <= set(REASONS)
    assert len(reasons) >= 2  # thank-yous and plain opinions at least


def test_demo_report_compliance_is_plausible_and_a_few_are_overdue(demo_store: Store) -> None:
    now = demo_store.clock()
    tally = Headline()
    for raw in demo_store.reports.report_rows(datetime(2000, 1, 1, tzinfo=UTC), now):
        tally.add(to_report_row(raw, 3, "Asia/Seoul", now))
    rate = tally.figures()["compliance_rate"]
    assert rate is not None
    assert 0.6 <= rate < 1.0, tally
    assert 0 < tally.overdue <= tally.comments // 5, tally


def test_the_office_overlooks_one_comment_in_so_many() -> None:
    assert triage(_row(LEFT_EVERY * 3, "감사합니다"), OFFICERS, REASONS).move == Move.LEAVE


def test_thanks_and_conversation_need_no_answer_with_their_reason() -> None:
    thanks = triage(_row(text="덕분에 즐거웠어요. 감사합니다!"), OFFICERS, REASONS)
    assert (thanks.move, thanks.reason) == (Move.NO_ANSWER, "감사")
    reply = _row(text="저희 동네도 마찬가지예요.", parent_external_id="c1")
    assert triage(reply, OFFICERS, REASONS).reason == "대화 종료"
    opinion = triage(_row(text="좋은 행사네요"), OFFICERS, REASONS)
    assert (opinion.move, opinion.reason) == (Move.NO_ANSWER, "단순 의견")


def test_complaints_go_to_their_department_questions_to_the_office() -> None:
    complaint = _row(text="불법주차 단속", has_suggestion=True, suggested_department="주차관리과")
    assert triage(complaint, OFFICERS, REASONS).move == Move.ROUTE
    elsewhere = {**complaint, "suggested_department": "세무과"}
    assert triage(elsewhere, OFFICERS, REASONS).move == Move.NO_ANSWER
    question = _row(text="참가 신청은 어디서 하나요?")
    assert triage(question, OFFICERS, REASONS).move == Move.ANSWER
    spam = _row(text="대출", has_suggestion=True, suggested_spam=True)
    assert triage(spam, OFFICERS, REASONS).move == Move.SPAM


def test_reasons_follow_the_configuration() -> None:
    assert reason_for("감사", ("인사", "기타")) == "인사"
    decided = triage(_row(text="고맙습니다"), OFFICERS, ("인사", "기타"))
    assert decided.reason == "인사"


def test_demo_posts_answers_on_instagram_and_youtube_with_their_writers(
    demo_store: Store,
) -> None:
    query = (
        sa.select(ACCOUNT.c.name, sa.func.count())
        .select_from(
            ANSWER.join(COMMENT, COMMENT.c.id == ANSWER.c.comment_id).join(
                ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id
            )
        )
        .where(ANSWER.c.state == "posted", ANSWER.c.platform_reply_id.is_not(None))
        .group_by(ACCOUNT.c.name)
    )
    with demo_store.engine.connect() as conn:
        posted = dict(conn.execute(query).all())
    assert posted.get("instagram", 0) >= 1, posted
    assert posted.get("youtube", 0) >= 1, posted
