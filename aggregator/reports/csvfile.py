"""The comment list as CSV: UTF-8 with a BOM (Korean Excel opens it as UTF-8), RFC 4180
(CRLF line ends; fields with commas, quotes or line breaks quoted, quotes doubled),
one row per comment. Text cells are neutralised against formulas; numbers stay bare
numbers; times are office-local `YYYY-MM-DD HH:MM`; 처리기한 is the due day `YYYY-MM-DD`."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.reports.cells import neutralise
from aggregator.reports.columns import COMMENT_COLUMNS, Column, due_date
from aggregator.reports.data import ReportData


def _converter(column: Column, zone: ZoneInfo) -> Callable[[Any], str]:
    """How one column's values become CSV fields (decided once per column)."""
    if column.kind == "datetime":
        return lambda v: "" if v is None else v.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if column.kind == "due_date":
        return lambda v: "" if v is None else due_date(v, zone.key).isoformat()
    if column.kind == "number":
        return lambda v: "" if v is None else str(v)
    return lambda v: "" if v is None else neutralise(str(v))


def write_csv(data: ReportData) -> bytes:
    """The CSV file's bytes (encoded as the rows stream: a month's text is never held
    as one str, which for Korean and emoji takes 2–4 bytes a character)."""
    target = io.BytesIO()
    buffer = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.header for c in COMMENT_COLUMNS])
    zone = ZoneInfo(data.timezone)
    cells = [(c.get, _converter(c, zone)) for c in COMMENT_COLUMNS]
    for row in data.rows:
        writer.writerow([convert(get(row)) for get, convert in cells])
    buffer.flush()
    buffer.detach()  # leaves `target` open
    return target.getvalue()
