"""The monthly report as an Excel workbook (XlsxWriter, constant memory).

Sheets: 요약, 플랫폼별 (comments per day and platform), 부서별, 댓글 목록 (one row per
comment), 미처리·기한경과, 기한 준수, 응답 시간 (median business hours by platform and by
department), and in the office's internal (not pseudonymised) version 담당자별 (answers
written and approved per officer). Korean headers, frozen header rows, filters, columns
as wide as their contents, real Excel dates (처리기한 as the due day), a bold 합계 row
under the breakdowns (values, not formulas, outside the filter). Strings are written as
typed string cells, never turned into formulas or URLs (`strings_to_formulas` /
`strings_to_urls` off), so they need no leading `'` and show the resident's text as
written; the file's created time is the time the figures were taken, so a closed
month's workbook is the same bytes every time.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from aggregator.reports.cells import xml_text
from aggregator.reports.columns import COMMENT_COLUMNS, Column, due_date
from aggregator.reports.data import ReportData
from aggregator.reports.rows import ReportRow
from aggregator.reports.summary import summary_lines

OPTIONS = {
    "constant_memory": True,
    "strings_to_urls": False,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
}
DATE_FORMAT = "yyyy-mm-dd hh:mm"
TOTAL_LABEL = "합계"
MIN_WIDTH, MAX_WIDTH = 10.0, 60.0


def display_width(value: Any) -> float:
    """Roughly how many columns of Excel's default font a value takes: Hangul and other
    wide characters count two, percentages and dates their shown length."""
    if isinstance(value, float):
        text = f"{value:.1%}" if value <= 1 else f"{value:.2f}"
    elif isinstance(value, date):
        text = "0000-00-00"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    """Widths that fit each column's header and values (within Excel-friendly bounds)."""
    widths = [display_width(h) for h in headers]
    for line in rows:
        for index, value in enumerate(line):
            widths[index] = max(widths[index], display_width(value))
    return [max(MIN_WIDTH, min(MAX_WIDTH, w + 2)) for w in widths]


def totals_row(rows: Sequence[Sequence[Any]]) -> list[Any]:
    """`합계` and the sum of every numeric column (blank where a column holds rates)."""
    width = max((len(line) for line in rows), default=0)
    totals: list[Any] = [TOTAL_LABEL]
    for index in range(1, width):
        values = [line[index] for line in rows]
        summable = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        totals.append(sum(values) if summable and values else None)
    return totals


class _Book:
    """A workbook with its shared cell formats."""

    def __init__(self, target: io.BytesIO) -> None:
        self.book: Workbook = xlsxwriter.Workbook(target, OPTIONS)
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
        self.datetime = self.book.add_format({"num_format": DATE_FORMAT})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.percent = self.book.add_format({"num_format": "0.0%"})
        self.total = self.book.add_format({"bold": True, "top": 1})

    def sheet(self, name: str, headers: Sequence[str], widths: Sequence[float]) -> Worksheet:
        """A new sheet with its column widths and a bold frozen header row."""
        sheet = self.book.add_worksheet(name)
        self.prepare(sheet, headers, widths)
        return sheet

    def prepare(self, sheet: Worksheet, headers: Sequence[str], widths: Sequence[float]) -> None:
        """Column widths and a bold frozen header row."""
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        for index, header in enumerate(headers):
            sheet.write_string(0, index, header, self.header)
        sheet.freeze_panes(1, 0)

    def cell(self, sheet: Worksheet, row: int, col: int, value: Any, kind: str = "") -> None:
        """Write one value as its type: number, date/time or text (a string cell)."""
        if value is None or value == "":
            sheet.write_blank(row, col, None)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "예" if value else "아니오")
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value, self.percent if kind == "percent" else None)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, value, self.datetime)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, datetime.combine(value, datetime.min.time()), self.date)
        else:
            sheet.write_string(row, col, xml_text(str(value)))

    def fill(
        self,
        sheet: Worksheet,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        totals: bool = False,
    ) -> None:
        """A whole sheet of plain rows with a filter over them and, with `totals`, a bold
        합계 row below (outside the filter, so sorting never moves it)."""
        self.prepare(sheet, headers, column_widths(headers, rows))
        for r, line in enumerate(rows, start=1):
            for c, value in enumerate(line):
                rate = "율" in headers[c] or (c > 0 and "율" in str(line[0]))
                self.cell(sheet, r, c, value, "percent" if rate else "")
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
        if totals:
            self._totals(sheet, len(rows) + 1, totals_row(rows))

    def _totals(self, sheet: Worksheet, r: int, line: list[Any]) -> None:
        for c, value in enumerate(line):
            if value is None:
                sheet.write_blank(r, c, None, self.total)
            elif isinstance(value, int):
                sheet.write_number(r, c, value, self.total)
            else:
                sheet.write_string(r, c, str(value), self.total)


CellWriter = Callable[[Worksheet, int, int, Any], None]


class _CommentSheets:
    """The two comment sheets, written row by row as the rows stream: every comment in
    댓글 목록, the open or overdue ones in 미처리·기한경과 too."""

    def __init__(self, book: _Book, timezone: str) -> None:
        headers = [c.header for c in COMMENT_COLUMNS]
        widths = [c.width for c in COMMENT_COLUMNS]
        self.every = book.sheet("댓글 목록", headers, widths)
        self.open = book.sheet("미처리·기한경과", headers, widths)
        self.counts = [0, 0]
        zone = ZoneInfo(timezone)
        self._columns = [(_cell_writer(book, c, zone), c) for c in COMMENT_COLUMNS]

    def add(self, row: ReportRow) -> None:
        """Write one comment."""
        cells = [(write, column.get(row)) for write, column in self._columns]
        self.counts[0] += 1
        self._line(self.every, self.counts[0], cells)
        if row.is_open or row.overdue:
            self.counts[1] += 1
            self._line(self.open, self.counts[1], cells)

    @staticmethod
    def _line(sheet: Worksheet, r: int, cells: list[tuple[CellWriter, Any]]) -> None:
        for c, (write, value) in enumerate(cells):
            if value is not None and value != "":
                write(sheet, r, c, value)

    def finish(self) -> None:
        """Filters over what was written."""
        last = len(COMMENT_COLUMNS) - 1
        self.every.autofilter(0, 0, max(self.counts[0], 1), last)
        self.open.autofilter(0, 0, max(self.counts[1], 1), last)


def _cell_writer(book: _Book, column: Column, zone: ZoneInfo) -> CellWriter:
    """How one comment column's (non-empty) values are written: the same cells `_Book.cell`
    writes, decided once per column instead of once per cell."""
    if column.kind == "datetime":
        fmt = book.datetime

        def write_time(sheet: Worksheet, r: int, c: int, value: datetime) -> None:
            sheet.write_datetime(r, c, value.astimezone(zone).replace(tzinfo=None), fmt)

        return write_time
    if column.kind == "due_date":
        day_format = book.date

        def write_day(sheet: Worksheet, r: int, c: int, value: datetime) -> None:
            day = due_date(value, zone.key)
            sheet.write_datetime(r, c, datetime.combine(day, datetime.min.time()), day_format)

        return write_day
    if column.kind == "number":
        return lambda sheet, r, c, value: sheet.write_number(r, c, value)
    return lambda sheet, r, c, value: sheet.write_string(r, c, xml_text(str(value)))


def _per_day(book: _Book, sheet: Worksheet, figures: dict[str, Any]) -> None:
    series = figures["per_day"]["series"]
    lines = []
    for index, day in enumerate(figures["per_day"]["days"]):
        counts = [values[index] for _, values in series]
        lines.append([date.fromisoformat(day), *counts, sum(counts)])
    book.fill(sheet, _per_day_headers(figures), lines, totals=True)


def _per_day_headers(figures: dict[str, Any]) -> list[str]:
    return ["날짜", *[name for name, _ in figures["per_day"]["series"]], "합계"]


SUMMARY_HEADERS = ["항목", "이번 달", "지난달", "증감"]
DEPARTMENT_HEADERS = [
    "부서", "댓글 수", "답변", "기한 준수", "기한 초과", "진행 중", "미처리 기한경과",
]  # fmt: skip
COMPLIANCE_HEADERS = ["구분", "기한 내 답변", "기한 초과·미답변", "진행 중", "준수율"]
TIMES_SHEET = "응답 시간"
TIMES_HEADERS = ["구분", "이름", "첫 답변 중앙값(업무시간)", "최종 답변 중앙값(업무시간)"]
OFFICER_SHEET = "담당자별"
OFFICER_HEADERS = ["담당자", "작성한 답변", "승인한 답변", "첫 답변 중앙값(업무시간)"]


def _has(data: ReportData, key: str) -> bool:
    """Whether the month's figures have `key`: every open month's do; a closed month's
    figures, frozen by the version that closed it, are known before its rows are read
    (an open month's only after)."""
    return data.closed_at is None or key in data.figures


def _time_lines(f: dict[str, Any]) -> list[list[Any]]:
    times = f["response_times"]
    return [["플랫폼", *line] for line in times["by_platform"]] + [
        ["부서", *line] for line in times["by_department"]
    ]


def has_officer_sheet(data: ReportData) -> bool:
    """The internal version of a month whose figures have the per-officer table."""
    return not data.pseudonymized and _has(data, "by_officer")


def _compliance_lines(f: dict[str, Any]) -> list[list[Any]]:
    c = f["compliance"]
    return [["전체", c["met"], c["missed"], c["pending"], c["rate"]]] + [
        [d[0], d[3], d[4], d[5], (d[3] / (d[3] + d[4])) if d[3] + d[4] else None]
        for d in f["by_department"]
    ]


def write_xlsx(data: ReportData) -> bytes:
    """The workbook's bytes, in one pass over the rows.

    The sheets are added in reading order (요약 first), but constant-memory mode writes
    each sheet to its own temporary file, so the comment sheets are filled while the
    rows stream and the summary sheets once the figures are complete.
    """
    target = io.BytesIO()
    book = _Book(target)
    created = (data.closed_at or data.as_of).replace(tzinfo=None)
    book.book.set_properties(
        {"title": f"SNS 소통 월간 보고서 {data.month}", "author": "", "created": created}
    )
    summary = book.book.add_worksheet("요약")
    per_day = book.book.add_worksheet("플랫폼별")
    departments = book.book.add_worksheet("부서별")
    comments = _CommentSheets(book, data.timezone)
    compliance = book.book.add_worksheet("기한 준수")
    times = book.book.add_worksheet(TIMES_SHEET) if _has(data, "response_times") else None
    officers = book.book.add_worksheet(OFFICER_SHEET) if has_officer_sheet(data) else None
    for row in data.rows:
        comments.add(row)
    comments.finish()
    f = data.figures
    book.fill(summary, SUMMARY_HEADERS, summary_lines(data))
    _per_day(book, per_day, f)
    book.fill(departments, DEPARTMENT_HEADERS, f["by_department"], totals=True)
    book.fill(compliance, COMPLIANCE_HEADERS, _compliance_lines(f))
    if times is not None:
        book.fill(times, TIMES_HEADERS, _time_lines(f))
    if officers is not None:
        book.fill(officers, OFFICER_HEADERS, f["by_officer"], totals=True)
    book.book.close()
    return target.getvalue()
