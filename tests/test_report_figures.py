"""Monthly figures on a small fixed data set, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator.reports.rows import business_hours
from aggregator.reports.service import compute_report, previous_month
from aggregator.reports.topics import fallback_nouns, top_topics
from aggregator.store import Store
from tests.conftest import FakeClock
from tests.fixtures_reports import kst, report_settings, seed_month

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def october(store: Store, clock: FakeClock) -> tuple[Store, dict[str, int]]:
    ids = seed_month(store)
    clock.now = NOW
    return store, ids


def test_a_comment_at_2330_kst_on_the_last_day_belongs_to_that_month(october) -> None:
    store, ids = october
    data = compute_report(store, report_settings(), "2026-10")
    got = {r.id for r in data.rows}
    assert ids["c3"] in got
    assert ids["c4"] not in got  # 00:30 KST on 1 November
    assert ids["r1"] not in got  # the district's own reply is not a resident comment
    nov = compute_report(store, report_settings(), "2026-11")
    assert [r.id for r in nov.rows] == [ids["c4"]]


def test_reply_times_count_business_hours_only(october) -> None:
    store, ids = october
    rows = {r.id: r for r in compute_report(store, report_settings(), "2026-10").rows}
    assert rows[ids["c1"]].first_reply_hours == 3.0  # district reply 10:00 -> 13:00 Tuesday
    # written on 한글날 (holiday) 10:00, final answer Monday 11:00: 2 business hours
    assert rows[ids["c2"]].first_reply_hours == 2.0
    assert rows[ids["c2"]].final_answer_hours == 2.0
    assert rows[ids["c1"]].final_answer_hours is None


def test_headline_figures_and_change_against_the_previous_month(october) -> None:
    store, _ids = october
    f = compute_report(store, report_settings(), "2026-10").figures
    head = f["headline"]
    assert head["comments"] == 9  # c1, c2, c3, c7 (spam) and five injection comments
    assert head["answered"] == 2
    assert head["two_way_rate"] == round(2 / 8, 4)  # spam is not answerable
    assert head["median_first_reply_hours"] == 2.5
    assert f["previous"]["comments"] == 1
    assert f["previous"]["two_way_rate"] == 1.0
    assert f["change"]["comments"] == 8
    assert f["compliance"] == {"met": 2, "missed": 6, "pending": 0, "rate": 0.25}
    assert dict(map(tuple, f["by_status"]))["스팸"] == 1
    assert f["by_platform"] == [["facebook", 8, 1], ["twitter", 1, 1]]
    assert f["by_department"][0][0] == "미배정"
    assert len(f["overdue"]) == 6


def test_per_day_series_cover_every_local_day(october) -> None:
    store, _ids = october
    per_day = compute_report(store, report_settings(), "2026-10").figures["per_day"]
    assert len(per_day["days"]) == 31
    series = dict(per_day["series"])
    assert series["facebook"][30] == 1  # 31 October, 23:30 KST
    assert series["twitter"][8] == 1


def test_business_hours_skip_nights_weekends_and_holidays() -> None:
    tz = "Asia/Seoul"
    assert business_hours(kst(2026, 10, 16, 17), kst(2026, 10, 19, 10), tz) == 2.0  # Fri -> Mon
    assert business_hours(kst(2026, 10, 5, 20), kst(2026, 10, 6, 8), tz) == 0.0
    assert business_hours(kst(2026, 10, 8, 9), kst(2026, 10, 12, 9), tz) == 9.0  # 한글날 Fri


def test_topics_are_korean_nouns() -> None:
    texts = ["불법주차 때문에 불편합니다", "주차 단속 부탁해요", "쓰레기 수거가 늦어요"]
    assert top_topics(texts)[0] == ("주차", 2)
    simple = ["주차 문제입니다", "주차가 어려워요", "쓰레기"]
    assert top_topics(simple, extractor=fallback_nouns)[0] == ("주차", 2)


def test_previous_month_wraps_the_year() -> None:
    assert previous_month("2026-01") == "2025-12"
    assert previous_month("2026-10") == "2026-09"
