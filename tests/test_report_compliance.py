"""Compliance that means something: answered at the moment an answer reached the
resident, response times by platform and department, per-officer figures (internal
version only), 정식민원 outside the compliance figures, month-on-month change only
against a month with data, and the answers as columns of the comment list."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from aggregator.reports.service import Requester, close, compute_report, download, load_report
from aggregator.store import Store
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.store.tables import SNAPSHOT
from aggregator.workflow import Role
from tests.conftest import FakeClock
from tests.fixtures_reports import OFFICE, kst, report_settings, seed_answers, seed_month

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
COMM = Requester("comm1", Role.COMMUNICATIONS)
ADMIN = Requester("admin", Role.ADMIN)


@pytest.fixture
def october(store: Store, clock: FakeClock) -> tuple[Store, dict[str, int]]:
    ids = seed_month(store)
    seed_answers(store, ids, clock)
    clock.now = NOW
    return store, ids


def _figures(store: Store) -> dict:
    return compute_report(store, report_settings(), "2026-10").figures


def _csv(store: Store, who: Requester = COMM, pseudonymize: bool = True) -> list[dict[str, str]]:
    body, _ = download(store, report_settings(), "2026-10", "csv", "검토", who, pseudonymize)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_the_first_reply_is_the_earlier_of_the_platform_reply_and_the_posted_answer(
    october,
) -> None:
    store, ids = october
    rows = {r.id: r for r in compute_report(store, report_settings(), "2026-10").rows}
    c1, i0 = rows[ids["c1"]], rows[ids["i0"]]
    assert c1.first_reply_at == kst(2026, 10, 13, 13)  # the district's reply, synced
    assert c1.first_answer_posted_at == kst(2026, 10, 14, 11)  # confirmed, not approved
    assert c1.final_answer_at == c1.final_answer_posted_at == kst(2026, 10, 15, 14)
    assert c1.final_answer_hours == 8.0 + 9.0 + 5.0  # Tue 10:00 -> Thu 14:00, business hours
    assert (c1.first_answer_by, c1.first_answer_approved_by) == ("park", "comm1")
    assert i0.first_reply_at == kst(2026, 10, 20, 15)
    assert i0.first_reply_hours == 5.0
    assert i0.deadline_met is True


def test_response_times_by_platform_and_by_department(october) -> None:
    store, _ids = october
    times = _figures(store)["response_times"]
    # facebook: c1 3 h (district reply), i0 5 h; final answer c1 only
    assert times["by_platform"] == [["facebook", 4.0, 22.0], ["twitter", 2.0, 2.0]]
    departments = {name: [first, final] for name, first, final in times["by_department"]}
    assert departments["주차관리과"] == [3.0, 22.0]
    assert departments["미배정"] == [3.5, 2.0]  # c2 (2 h) and i0 (5 h); c2's final 2 h
    order = [line[0] for line in _figures(store)["by_department"]]
    assert [line[0] for line in times["by_department"]] == order


def test_per_officer_answers_written_approved_and_median_first_response(october) -> None:
    store, _ids = october
    assert _figures(store)["by_officer"] == [
        ["comm1", 2, 1, 5.0],  # c1's final and i0's first; approved park's; i0 in 5 h
        ["park", 1, 0, 10.0],  # c1's first answer: Tue 10:00 -> Wed 11:00
    ]


def test_pseudonymised_reports_have_no_per_officer_figures(october) -> None:
    store, _ids = october
    data = load_report(store, report_settings(), "2026-10")
    from aggregator.reports.service import pseudonymizer_for

    assert data.pseudonymize(pseudonymizer_for(report_settings())).figures["by_officer"] == []
    assert data.figures["by_officer"]


def test_formal_complaints_are_outside_the_compliance_figures(october, clock: FakeClock) -> None:
    store, ids = october
    before = _figures(store)
    formal = ReviewAction(kind="status", status="정식민원 전환", reference="2026-123")
    result = store.inbox.review(OFFICE, [ids["i1"]], formal, ReviewContext(now=NOW))
    assert result.done, result.refused
    after = _figures(store)
    assert after["compliance"]["missed"] == before["compliance"]["missed"] - 1
    assert after["headline"]["comments"] == before["headline"]["comments"]
    assert ids["i1"] not in after["overdue"]


def test_no_change_is_shown_against_a_month_without_comments(october) -> None:
    store, _ids = october
    november = compute_report(store, report_settings(), "2026-11").figures
    assert november["previous"]["comments"] == 9
    assert november["change"]["comments"] == 1 - 9
    empty = compute_report(store, report_settings(), "2026-09").figures
    assert empty["previous"]["comments"] == 0
    assert set(empty["change"].values()) == {None}


def test_the_comment_list_has_each_answer_and_its_posting_time(october) -> None:
    store, _ids = october
    lines = {line["내용"]: line for line in _csv(store)}
    c1 = lines["불법주차 때문에 불편합니다"]
    assert c1["1차 답변"] == "주차 단속을 요청했습니다"
    assert c1["1차 답변 게시 시각"] == "2026-10-14 11:00"
    assert c1["최종 답변"] == "단속을 마쳤습니다. 감사합니다"
    assert c1["최종 답변 게시 시각"] == "2026-10-15 14:00"
    assert lines["'+1+1"]["1차 답변"] == "'=확인했습니다"  # staff text is neutralised too
    book = openpyxl.load_workbook(io.BytesIO(download(
        store, report_settings(), "2026-10", "xlsx", "검토", COMM)[0]))  # fmt: skip
    sheet = book["댓글 목록"]
    header = [c.value for c in sheet[1]]
    texts = {r[header.index("1차 답변")] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert "=확인했습니다" in texts
    posted = [
        r[header.index("최종 답변 게시 시각")] for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert datetime(2026, 10, 15, 14, 0) in posted


def test_a_snapshot_frozen_without_the_new_figures_still_renders(october) -> None:
    store, _ids = october
    assert close(store, report_settings(), "2026-10", COMM)
    with store.engine.begin() as conn:
        payload = json.loads(conn.execute(sa.select(SNAPSHOT.c.payload)).scalar_one())
        for key in ("by_officer", "response_times", "topic_samples"):
            del payload["figures"][key]
        conn.execute(sa.update(SNAPSHOT).values(payload=json.dumps(payload, ensure_ascii=False)))
    for fmt in ("xlsx", "csv"):
        first, _ = download(store, report_settings(), "2026-10", fmt, "검토", ADMIN, False)
        again, _ = download(store, report_settings(), "2026-10", fmt, "검토", ADMIN, False)
        assert first == again
    assert not {"담당자별", "응답 시간"} & set(_book(store, ADMIN, False).sheetnames)
    assert "by_officer" not in load_report(store, report_settings(), "2026-10").figures


def _book(store: Store, who: Requester, pseudonymize: bool) -> openpyxl.Workbook:
    body, _ = download(store, report_settings(), "2026-10", "xlsx", "검토", who, pseudonymize)
    return openpyxl.load_workbook(io.BytesIO(body))


def test_the_internal_workbook_has_the_per_officer_sheet_with_totals(october) -> None:
    store, _ids = october
    sheet = _book(store, ADMIN, False)["담당자별"]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("담당자", "작성한 답변", "승인한 답변", "첫 답변 중앙값(업무시간)"),
        ("comm1", 2, 1, 5),
        ("park", 1, 0, 10),
        ("합계", 3, 1, None),
    ]


def test_the_pseudonymised_workbook_has_no_per_officer_sheet(october) -> None:
    store, _ids = october
    assert "담당자별" not in _book(store, COMM, True).sheetnames
