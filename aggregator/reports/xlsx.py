"""The monthly report as an Excel workbook (XlsxWriter, constant memory).

Sheets: 요약, 플랫폼별 (comments per day and platform), 부서별, 댓글 목록 (one row per
comment), 미처리·기한경과, 기한 준수. Korean headers, frozen header rows, filters,
column widths, real Excel dates. Strings are never turned into formulas or URLs
(`strings_to_formulas`/`strings_to_urls` off, and every text cell neutralised), and
the file's created time is the time the figures were taken, so a closed month's
workbook is the same bytes every time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from aggregator.reports.cells import neutralise
from aggregator.reports.columns import COMMENT_COLUMNS, Column, local
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


class _Book:
    """A workbook with its shared cell formats."""

    def __init__(self, target: io.BytesIO) -> None:
        self.book: Workbook = xlsxwriter.Workbook(target, OPTIONS)
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
        self.datetime = self.book.add_format({"num_format": DATE_FORMAT})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.percent = self.book.add_format({"num_format": "0.0%"})

    def sheet(self, name: str, headers: Sequence[str], widths: Sequence[float]) -> Worksheet:
        """A sheet with its column widths, a bold frozen header row."""
        sheet = self.book.add_worksheet(name)
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        for index, header in enumerate(headers):
            sheet.write_string(0, index, header, self.header)
        sheet.freeze_panes(1, 0)
        return sheet

    def cell(self, sheet: Worksheet, row: int, col: int, value: Any, kind: str = "") -> None:
        """Write one value as its type: number, date/time or (neutralised) text."""
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
            sheet.write_string(row, col, neutralise(str(value)))

    def table(self, name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """A whole sheet of plain rows with a filter over them."""
        widths = [max(10.0, min(40.0, len(h) * 2.2)) for h in headers]
        sheet = self.sheet(name, headers, widths)
        for r, line in enumerate(rows, start=1):
            for c, value in enumerate(line):
                rate = "율" in headers[c] or (c > 0 and "율" in str(line[0]))
                self.cell(sheet, r, c, value, "percent" if rate else "")
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)


def _comment_values(row: ReportRow, timezone: str) -> list[Any]:
    return [_value(column, row, timezone) for column in COMMENT_COLUMNS]


def _value(column: Column, row: ReportRow, timezone: str) -> Any:
    value = column.get(row)
    if column.kind == "datetime" and value is not None:
        return local(value, timezone)
    return value


def _comments(book: _Book, name: str, rows: Sequence[ReportRow], timezone: str) -> None:
    headers = [c.header for c in COMMENT_COLUMNS]
    sheet = book.sheet(name, headers, [c.width for c in COMMENT_COLUMNS])
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(_comment_values(row, timezone)):
            book.cell(sheet, r, c, value)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)


def _per_day(book: _Book, data: ReportData) -> None:
    series = data.figures["per_day"]["series"]
    headers = ["날짜", *[name for name, _ in series], "합계"]
    lines = []
    for index, day in enumerate(data.figures["per_day"]["days"]):
        counts = [values[index] for _, values in series]
        lines.append([date.fromisoformat(day), *counts, sum(counts)])
    book.table("플랫폼별", headers, lines)


def write_xlsx(data: ReportData) -> bytes:
    """The workbook's bytes."""
    target = io.BytesIO()
    book = _Book(target)
    created = (data.closed_at or data.as_of).replace(tzinfo=None)
    book.book.set_properties(
        {"title": f"SNS 소통 월간 보고서 {data.month}", "author": "", "created": created}
    )
    book.table("요약", ["항목", "이번 달", "지난달", "증감"], summary_lines(data))
    _per_day(book, data)
    f = data.figures
    book.table(
        "부서별",
        ["부서", "댓글 수", "답변", "기한 준수", "기한 초과", "진행 중", "미처리 기한경과"],
        f["by_department"],
    )
    _comments(book, "댓글 목록", data.rows, data.timezone)
    _comments(
        book, "미처리·기한경과", [r for r in data.rows if r.is_open or r.overdue], data.timezone
    )
    c = f["compliance"]
    book.table(
        "기한 준수",
        ["구분", "기한 내 답변", "기한 초과·미답변", "진행 중", "준수율"],
        [["전체", c["met"], c["missed"], c["pending"], c["rate"]]]
        + [[d[0], d[3], d[4], d[5], (d[3] / (d[3] + d[4])) if d[3] + d[4] else None]
           for d in f["by_department"]],
    )  # fmt: skip
    book.book.close()
    return target.getvalue()
