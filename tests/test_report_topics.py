"""Topic nouns analysed once per comment text and counted by the monthly report, on
SQLite and PostgreSQL; the `topics` job in the scheduler and `aggregator topics update`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from aggregator.cli import app
from aggregator.records import Batch, CommentRecord
from aggregator.reports.service import compute_report
from aggregator.reports.topic_index import TOPICS_JOB, update_in_child, update_topics
from aggregator.reports.topics import fallback_nouns
from aggregator.store import Store
from aggregator.store.privacy import delete_comments
from aggregator.store.tables import TOPIC
from tests.conftest import FakeClock
from tests.fixtures_reports import kst, report_settings, seed_month

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


class CountingExtractor:
    """The fallback extractor, remembering every text it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: Sequence[str]) -> Iterable[list[str]]:
        self.seen += texts
        return fallback_nouns(texts)


@pytest.fixture
def october(store: Store, clock: FakeClock) -> tuple[Store, dict[str, int]]:
    ids = seed_month(store)
    clock.now = NOW
    return store, ids


def stored_nouns(store: Store) -> dict[int, str]:
    with store.engine.connect() as conn:
        return {int(i): n for i, n in conn.execute(sa.select(TOPIC.c.comment_id, TOPIC.c.nouns))}


def test_every_comment_is_analysed_once_and_district_replies_not_at_all(october) -> None:
    store, ids = october
    extractor = CountingExtractor()
    assert update_topics(store, extractor) == len(ids)
    nouns = stored_nouns(store)
    assert set(nouns) == set(ids.values())
    assert nouns[ids["c1"]] == "때문 불법주차 불편합니다"  # distinct, sorted, space-separated
    assert nouns[ids["r1"]] == ""  # the district's own reply: stored empty, not analysed
    assert "확인하겠습니다" not in extractor.seen
    assert len(extractor.seen) == len(ids) - 1
    assert update_topics(store, extractor) == 0  # nothing new: nothing analysed again
    assert len(extractor.seen) == len(ids) - 1


def test_an_edited_comment_is_analysed_again_and_pending_until_then(october) -> None:
    store, ids = october
    update_topics(store, fallback_nouns)
    october_bounds = (kst(2026, 10, 1), kst(2026, 11, 1))
    assert store.reports.topics_pending(*october_bounds) == 0
    account = store.sync.ensure_account("fb-page", "facebook")
    edited = CommentRecord(
        platform="facebook", external_id="c1", created_at=kst(2026, 10, 13, 10),
        text="놀이터 소음 민원", post_external_id="p1", author_id="hong", author_name="홍길동",
    )  # fmt: skip
    store.sync.apply_batch(account, Batch(stream="t", comments=(edited,)))
    assert store.reports.topics_pending(*october_bounds) == 1
    extractor = CountingExtractor()
    assert update_topics(store, extractor) == 1
    assert extractor.seen == ["놀이터 소음 민원"]
    assert stored_nouns(store)[ids["c1"]] == "놀이터 민원 소음"
    assert store.reports.topics_pending(*october_bounds) == 0


def test_the_report_counts_stored_nouns_and_analyses_only_what_is_missing(october) -> None:
    store, ids = october
    update_topics(store, fallback_nouns)
    with store.engine.begin() as conn:  # what the analysis found is what the report counts
        conn.execute(
            sa.update(TOPIC).where(TOPIC.c.comment_id == ids["c1"]).values(nouns="저장된말")
        )
        conn.execute(sa.delete(TOPIC).where(TOPIC.c.comment_id == ids["c2"]))
    extractor = CountingExtractor()
    topics = dict(compute_report(store, report_settings(), "2026-10", extractor).figures["topics"])
    assert topics["저장된말"] == 1
    assert "불법주차" not in topics
    assert extractor.seen == ['쓰레기 수거, "언제" 오나요?\n😀']  # only the one not analysed
    assert topics["쓰레기"] == 1


def test_set_aside_comments_do_not_count_towards_topics(october) -> None:
    store, _ids = october
    topics = dict(
        compute_report(store, report_settings(), "2026-10", fallback_nouns).figures["topics"]
    )
    assert "대출" not in topics  # c7 "저금리 대출 광고" was marked 스팸
    assert "저금리" not in topics
    assert topics["불법주차"] == 1


def test_a_comment_deleted_while_analysed_is_skipped(october) -> None:
    store, ids = october
    items = store.reports.topics_to_analyse(100)
    with store.engine.begin() as conn:  # forgotten (PIPA) while the texts were analysed
        delete_comments(conn, [ids["c6"]])
    store.reports.save_topics([(item, "명사") for item in items])
    assert ids["c6"] not in stored_nouns(store)
    assert len(stored_nouns(store)) == len(ids) - 1


def test_the_child_process_analyses_with_kiwipiepy_on_the_same_database(october) -> None:
    store, ids = october
    assert update_in_child(store) == len(ids)
    nouns = stored_nouns(store)
    assert "주차" in nouns[ids["c1"]].split()  # kiwipiepy splits 불법주차 into 불법 + 주차
    assert "불법" in nouns[ids["c1"]].split()


def test_cli_topics_update_reports_how_many(tmp_path: Path, sqlite_url: str) -> None:
    from aggregator.db import create_db_engine

    store = Store(create_db_engine(sqlite_url))
    seed_month(store)
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {sqlite_url}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["topics", "update", "--limit", "3", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "analysed 3 comments" in result.output
    assert len(stored_nouns(store)) == 3
    bad = CliRunner().invoke(app, ["topics", "update", "--limit", "0", "--config", str(config)])
    assert bad.exit_code == 2
    store.close()


def test_the_scheduler_runs_the_topics_job_on_its_schedule(store: Store) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from aggregator import scheduling
    from aggregator.config import parse_settings
    from aggregator.reports.topic_index import topic_jobs

    settings = parse_settings("reports:\n  topics_schedule: {interval_minutes: 15}\n")
    service = scheduling.SchedulerService(settings, store, extra_jobs=topic_jobs(settings))
    scheduler = service.configure(BackgroundScheduler())
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(TOPICS_JOB)
        assert job is not None
        assert job.trigger.interval.total_seconds() == 15 * 60
    finally:
        scheduler.shutdown(wait=False)


def test_the_demo_months_top_topics_are_content_words() -> None:
    """The sandbox's seeded month (the demo's 1,200 comments) through kiwipiepy: without
    stop words greetings, titles and boilerplate lead; with them, none is in the top 10."""
    from collections import Counter

    from aggregator.reports.topics import count_mentions, default_extractor, ranked
    from aggregator.sandbox.data import DataSet

    texts = [c.text for c in DataSet(seed=7, comments=1200).iter_comments() if not c.by_district]
    plain, kept = Counter[str](), Counter[str]()
    for nouns in default_extractor()(texts):
        count_mentions(plain, nouns, frozenset())
        count_mentions(kept, nouns)
    boilerplate = {"담당자", "안녕", "전화", "감사", "부탁", "구청", "확인", "문의", "수고"}
    assert boilerplate & {word for word, _ in ranked(plain, 10)}  # the test can fail
    top = [word for word, _ in ranked(kept, 10)]
    assert not boilerplate & set(top), top
    assert {"주차", "쓰레기", "공사"} & set(top)


def test_configured_stop_words_are_left_out_too(october) -> None:
    from aggregator.config import parse_settings

    store, _ids = october
    config = "timezone: Asia/Seoul\nreports:\n  topic_stop_words: [불법주차, ' 쓰레기 ']\n"
    topics = dict(
        compute_report(store, parse_settings(config), "2026-10", fallback_nouns).figures["topics"]
    )
    assert "불법주차" not in topics
    assert "쓰레기" not in topics
    assert "수거" in topics


def test_each_top_topic_has_a_masked_sample_comment(october, clock: FakeClock) -> None:
    store, _ids = october
    account = store.sync.ensure_account("fb-page", "facebook")
    phone = CommentRecord(
        platform="facebook", external_id="pii", created_at=kst(2026, 10, 21, 10),
        text="놀이터 소음 때문에 010-1234-5678 로 연락 주세요", post_external_id="p1",
        author_id="pii", author_name="주민",
    )  # fmt: skip
    store.sync.apply_batch(account, Batch(stream="t", comments=(phone,)))
    figures = compute_report(store, report_settings(), "2026-10", fallback_nouns).figures
    samples = dict(figures["topic_samples"])
    assert [word for word, _ in figures["topic_samples"]] == [w for w, _ in figures["topics"]]
    assert samples["불법주차"] == "불법주차 때문에 불편합니다"
    assert all(len(text) <= 80 for text in samples.values())
    assert samples["놀이터"] == "놀이터 소음 때문에 [휴대전화 가림] 로 연락 주세요"


def test_a_long_samples_window_shows_its_word_and_masks_before_cutting() -> None:
    from aggregator.reports.topics import sample_text

    text = "정말 시끄러워요\n" * 12 + "놀이터 소음이 심해요 010-1234-5678 " + "밤마다 " * 20
    sample = sample_text(text, "놀이터")
    assert len(sample) == 80
    assert sample.startswith("…")
    assert sample.endswith("…")
    assert "놀이터 소음이 심해요 [휴대전화 가림]" in sample
    assert "\n" not in sample
