"""Report files: formula neutralisation, CSV/XLSX round trips, pseudonyms, closing a
month (identical bytes after later edits), reopening, and the access log."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from aggregator.reports.data import ReportError
from aggregator.reports.service import Requester, close, download, reopen
from aggregator.store import Store
from aggregator.store.access_log import LogFilter
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.workflow import Actor, Role
from tests.conftest import FakeClock
from tests.fixtures_reports import INJECTIONS, OTHER_KEY, report_settings, seed_month

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
ADMIN = Requester("admin1", Role.ADMIN)
COMM = Requester("comm1", Role.COMMUNICATIONS)
RAW_NAMES = ("홍길동", "김철수", "박민수", "광고봇")


@pytest.fixture
def october(store: Store, clock: FakeClock) -> Store:
    seed_month(store)
    clock.now = NOW
    return store


def _get(store: Store, fmt: str, who: Requester = COMM, **kw: object) -> bytes:
    settings = kw.pop("settings", report_settings())
    body, _name = download(store, settings, "2026-10", fmt, "월간 보고", who, **kw)  # type: ignore[arg-type]
    return body


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_csv_is_rfc4180_with_bom_and_round_trips_korean(october: Store) -> None:
    body = _get(october, "csv")
    assert b"\r\n" in body
    rows = _csv_rows(body)
    header, lines = rows[0], rows[1:]
    assert header[:3] == ["번호", "플랫폼", "계정"]
    texts = [line[header.index("내용")] for line in lines]
    assert '쓰레기 수거, "언제" 오나요?\n😀' in texts
    assert len(lines) == 9


def test_csv_neutralises_formulas_and_keeps_numbers(october: Store) -> None:
    rows = _csv_rows(_get(october, "csv"))
    header, lines = rows[0], rows[1:]
    texts = [line[header.index("내용")] for line in lines]
    for injection in INJECTIONS:
        assert "'" + injection in texts
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for line in lines for t in line)
    assert all(line[0].isdigit() for line in lines)
    hours = [line[header.index("첫 답변(업무시간)")] for line in lines]
    assert "3.0" in hours


def test_xlsx_has_no_formulas_real_dates_and_numbers(october: Store) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_get(october, "xlsx")))
    assert book.sheetnames == [
        "요약",
        "플랫폼별",
        "부서별",
        "댓글 목록",
        "미처리·기한경과",
        "기한 준수",
        "응답 시간",
    ]  # pseudonymised: no 담당자별
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    sheet = book["댓글 목록"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref
    header = [c.value for c in sheet[1]]
    texts = [r[header.index("내용")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    for injection in INJECTIONS:  # typed string cells: as written, no `'` needed
        # openpyxl does not unescape XlsxWriter's inline `_x000D_` (Excel does)
        assert injection.replace("\r", "_x000D_") in texts
    first = next(sheet.iter_rows(min_row=2, values_only=True))
    assert isinstance(first[0], int)
    assert isinstance(first[header.index("작성 시각")], datetime)


def test_pseudonyms_are_stable_within_a_report_and_change_with_the_key(october: Store) -> None:
    body = _get(october, "csv")
    for name in RAW_NAMES:
        assert name.encode() not in body
    rows = _csv_rows(body)
    author = rows[0].index("작성자")
    hong = {
        line[author] for line in rows[1:] if line[rows[0].index("내용")].startswith(("불법", "'="))
    }
    assert len(hong) == 1
    assert next(iter(hong)).startswith("주민-")
    other = _csv_rows(_get(october, "csv", settings=report_settings(OTHER_KEY)))
    assert {line[author] for line in other[1:]}.isdisjoint({line[author] for line in rows[1:]})
    xlsx = openpyxl.load_workbook(io.BytesIO(_get(october, "xlsx")))
    values = {str(c) for s in xlsx.worksheets for r in s.iter_rows(values_only=True) for c in r}
    assert not any(name in value for value in values for name in RAW_NAMES)


def test_real_names_need_an_admin_and_are_logged(october: Store) -> None:
    with pytest.raises(ReportError, match="admin"):
        _get(october, "csv", COMM, pseudonymize=False)
    assert "홍길동".encode() in _get(october, "csv", ADMIN, pseudonymize=False)
    logged = october.staff.access_log(LogFilter(action="report_download_identified"))
    assert logged[0]["staff"] == "admin1"
    assert '"reason": "월간 보고"' in logged[0]["detail"]


def test_every_download_needs_a_reason_and_is_logged(october: Store) -> None:
    with pytest.raises(ReportError, match="reason"):
        download(october, report_settings(), "2026-10", "csv", "  ", COMM)
    _get(october, "xlsx")
    entry = october.staff.access_log(LogFilter(action="report_download"))[0]
    assert entry["target"] == "report:2026-10"
    assert '"format": "xlsx"' in entry["detail"]


def _edit_after_closing(store: Store, clock: FakeClock) -> None:
    clock.advance(days=3)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE comment SET text = 'changed later', author_name = 'x'")
    ids = [r.id for r in store.reports.report_rows(datetime(2026, 10, 1, tzinfo=UTC), NOW)]
    store.inbox.review(Actor("comm1", Role.COMMUNICATIONS), ids, ReviewAction(kind="status",
                 status="확인중"), ReviewContext(now=clock.now))  # fmt: skip


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "pdf", "html"])
def test_a_closed_month_regenerates_byte_for_byte(
    october: Store, clock: FakeClock, fmt: str
) -> None:
    assert close(october, report_settings(), "2026-10", COMM)
    first = _get(october, fmt)
    _edit_after_closing(october, clock)
    assert _get(october, fmt) == first
    assert not close(october, report_settings(), "2026-10", COMM)


def test_an_open_month_cannot_be_closed(october: Store) -> None:
    with pytest.raises(ReportError, match="not ended"):
        close(october, report_settings(), "2026-11", COMM)


def test_reopening_needs_an_admin_and_a_reason_and_is_logged(
    october: Store, clock: FakeClock
) -> None:
    close(october, report_settings(), "2026-10", COMM)
    before = _get(october, "csv")
    with pytest.raises(ReportError, match="admin"):
        reopen(october, "2026-10", "정정", COMM)
    with pytest.raises(ReportError, match="reason"):
        reopen(october, "2026-10", "", ADMIN)
    assert reopen(october, "2026-10", "정정 요청", ADMIN)
    _edit_after_closing(october, clock)
    assert _get(october, "csv") != before
    actions = [e["action"] for e in october.staff.access_log(LogFilter(target="report:2026-10"))]
    assert {"report_close", "report_reopen"} <= set(actions)


def test_pdf_text_and_html_carry_the_korean_headings(october: Store, tmp_path: Path) -> None:
    html = _get(october, "html").decode()
    assert "SNS 소통 월간 보고서 2026-10" in html
    assert "data:image/png;base64," in html
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(_get(october, "pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    for heading in ("SNS 소통 현황 보고", "쌍방향 소통률", "기한경과", "주요 주제어"):
        assert heading in text.decode()
