"""The comment list as CSV: UTF-8 with a BOM (Korean Excel opens it as UTF-8), RFC 4180
(CRLF line ends; fields with commas, quotes or line breaks quoted, quotes doubled),
one row per comment. Text cells are neutralised against formulas; numbers stay bare
numbers; times are office-local `YYYY-MM-DD HH:MM`."""

from __future__ import annotations

import csv
import io
from typing import Any

from aggregator.reports.cells import neutralise
from aggregator.reports.columns import COMMENT_COLUMNS, Column, local
from aggregator.reports.data import ReportData


def _cell(column: Column, value: Any, timezone: str) -> str:
    if value is None:
        return ""
    if column.kind == "datetime":
        return local(value, timezone).strftime("%Y-%m-%d %H:%M")
    if column.kind == "number":
        return str(value)
    return neutralise(str(value))


def write_csv(data: ReportData) -> bytes:
    """The CSV file's bytes."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.header for c in COMMENT_COLUMNS])
    for row in data.rows:
        writer.writerow([_cell(c, c.get(row), data.timezone) for c in COMMENT_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")
