"""The workbook and the CSV: typed text without apostrophes, formula starts a
first-character check misses, totals rows, column widths, 처리기한 as the due day, and
closed months' frozen rows from before a new row field."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from aggregator.records import Batch, CommentRecord
from aggregator.reports.cells import neutralise
from aggregator.reports.columns import due_date
from aggregator.reports.service import Requester, close, download, load_report
from aggregator.reports.xlsx import display_width
from aggregator.store import Store
from aggregator.store.tables import SNAPSHOT_ROW
from aggregator.workflow import Role
from tests.conftest import FakeClock
from tests.fixtures_reports import kst, report_settings, seed_month

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
COMM = Requester("comm1", Role.COMMUNICATIONS)
LITERALS = ("=1+2", "\u00a0=SUM(A1)", "＝1+2")


@pytest.fixture
def october(store: Store, clock: FakeClock) -> Store:
    seed_month(store)
    fb = store.sync.ensure_account("fb-page", "facebook")
    extra = tuple(
        CommentRecord(platform="facebook", external_id=f"lit{n}", text=text,
                      created_at=kst(2026, 10, 21, 11, n), post_external_id="p1",
                      author_id=f"lit{n}", author_name="주민")
        for n, text in enumerate(LITERALS)
    )  # fmt: skip
    store.sync.apply_batch(fb, Batch(stream="t", comments=extra))
    clock.now = NOW
    return store


def _get(store: Store, fmt: str) -> bytes:
    body, _name = download(store, report_settings(), "2026-10", fmt, "검토", COMM)
    return body


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+1", "-1", "@SUM(A1)", "\n=1+2", "\r\n=cmd|' /C calc'!A0", "\t=1", "\nhello",
     "＝1+2", "＋1", "－1", "＠SUM(A1)", "\u00a0=1+2", "\ufeff=1+2", "\u3000@x", "\u2003-1",
     "\u200b=1", "  {=A1}", " \n ＝1"],
)  # fmt: skip
def test_csv_neutralises_every_formula_start(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["안녕하세요", "주차 -2대", "a=b", "1-2", "'인용", "😀=1"])
def test_csv_leaves_ordinary_text_alone(text: str) -> None:
    assert neutralise(text) == text


def test_xlsx_keeps_resident_text_literal_without_apostrophes_or_formulas(october: Store) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_get(october, "xlsx")))
    cells = [c for s in book.worksheets for r in s.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith("'")]
    sheet = book["댓글 목록"]
    header = [c.value for c in sheet[1]]
    texts = {r[header.index("내용")] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(LITERALS) <= texts


def test_the_csv_still_neutralises_them(october: Store) -> None:
    rows = list(csv.reader(io.StringIO(_get(october, "csv").decode("utf-8-sig"), newline="")))
    texts = {line[rows[0].index("내용")] for line in rows[1:]}
    assert {"'" + text for text in LITERALS} <= texts


def test_breakdown_sheets_end_with_a_totals_row_outside_the_filter(october: Store) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_get(october, "xlsx")))
    comments = book["댓글 목록"].max_row - 1
    for name in ("플랫폼별", "부서별"):
        sheet = book[name]
        lines = list(sheet.iter_rows(min_row=2, values_only=True))
        body, total = lines[:-1], lines[-1]
        assert total[0] == "합계"
        for index in range(1, len(total)):
            assert total[index] == sum(line[index] or 0 for line in body), (name, index)
        assert total[1 if name == "부서별" else -1] == comments
        assert sheet.auto_filter.ref.endswith(str(sheet.max_row - 1))


def test_summary_columns_are_wide_enough_for_their_labels(october: Store) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(_get(october, "xlsx")))["요약"]
    labels = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sheet.column_dimensions["A"].width >= max(display_width(label) for label in labels)


def test_due_date_is_the_last_day_the_deadline_allows() -> None:
    assert due_date(kst(2026, 11, 10, 0, 0), "Asia/Seoul") == date(2026, 11, 9)
    assert due_date(kst(2026, 11, 9, 18, 0), "Asia/Seoul") == date(2026, 11, 9)


def test_every_format_shows_the_due_day_not_the_next_midnight(october: Store) -> None:
    rows = list(csv.reader(io.StringIO(_get(october, "csv").decode("utf-8-sig"), newline="")))
    column = rows[0].index("처리기한")
    written = {line[rows[0].index("내용")]: line[column] for line in rows[1:]}
    assert written["불법주차 때문에 불편합니다"] == "2026-10-16"  # Tue 13th + 3 business days
    sheet = openpyxl.load_workbook(io.BytesIO(_get(october, "xlsx")))["댓글 목록"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("처리기한") + 1)
    assert cell.number_format == "yyyy-mm-dd"
    assert cell.value.time() == datetime.min.time()
    html = _get(october, "html").decode("utf-8")
    assert "<td>2026-10-23</td>" in html  # the comments of Tue 20th, still unanswered


def test_a_row_frozen_before_a_new_field_still_loads(october: Store) -> None:
    assert close(october, report_settings(), "2026-10", COMM)
    before = _get(october, "csv")
    with october.engine.begin() as conn:
        for seq, payload in conn.execute(sa.select(SNAPSHOT_ROW.c.seq, SNAPSHOT_ROW.c.payload)):
            row = json.loads(payload)
            del row["priority"], row["overdue"]  # as if frozen before these fields existed
            row["retired_field"] = "x"  # and with one a later version dropped
            conn.execute(
                sa.update(SNAPSHOT_ROW)
                .where(SNAPSHOT_ROW.c.seq == seq)
                .values(payload=json.dumps(row, ensure_ascii=False))
            )
    rows = list(load_report(october, report_settings(), "2026-10").rows)
    assert rows
    assert all(r.priority == "" and r.overdue is False for r in rows)
    assert _get(october, "csv") == before
