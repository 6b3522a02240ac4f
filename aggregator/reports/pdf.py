"""The monthly report as PDF: matplotlib's PdfPages with the Korean font embedded as
TrueType (so `pdftotext` finds the Hangul), a summary page, one page per chart and
the overdue and notable cases. No creation date is written, so a closed month's PDF
is the same bytes every time."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from aggregator.reports.charts import charts, font_context
from aggregator.reports.columns import due_date, local
from aggregator.reports.data import ReportData
from aggregator.reports.rows import ReportRow
from aggregator.reports.summary import show, status_line, summary_lines

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "TSI0 NOT subset" noise
METADATA = {"Title": "SNS 소통 월간 보고서", "Creator": "aggregator", "CreationDate": None}
LINES_PER_PAGE = 38


def _text_page(title: str, lines: list[str]) -> Figure:
    page = Figure(figsize=(8.27, 11.69))
    page.text(0.08, 0.95, title, fontsize=16)
    for index, line in enumerate(lines[:LINES_PER_PAGE]):
        page.text(0.08, 0.91 - index * 0.023, line, fontsize=9)
    return page


def _summary_lines(data: ReportData) -> list[str]:
    lines = [status_line(data), "", "요약 (이번 달 / 지난달 / 증감)"]
    for label, now, before, delta in summary_lines(data):
        lines.append(
            f"  {label}: {show(now, label)} / {show(before, label)} / {show(delta, label)}"
        )
    lines += ["", "플랫폼별 (댓글 / 답변)"]
    lines += [f"  {p}: {n} / {a}" for p, n, a in data.figures["by_platform"]]
    lines += ["", "주요 주제어"]
    lines.append("  " + ", ".join(f"{w}({n})" for w, n in data.figures["topics"][:12]))
    return lines


def case_lines(data: ReportData, ids: list[int], rows: dict[int, ReportRow]) -> list[str]:
    """One line per case (`rows` has them by id): time, platform, status, department, the
    due day (처리기한) and the start of the text."""
    lines = []
    for row_id in ids:
        row = rows.get(row_id)
        if row is None:
            continue
        when = local(row.created_at, data.timezone).strftime("%m-%d %H:%M")
        due = due_date(row.deadline, data.timezone).isoformat()
        text = " ".join(row.text.split())[:48]
        department = row.department or "미배정"
        lines.append(f"#{row.id} {when} {row.platform} {row.status} {department} 기한 {due} {text}")
    return lines or ["(없음)"]


def write_pdf(data: ReportData, font: Path) -> bytes:
    """The PDF's bytes."""
    buffer = io.BytesIO()
    with font_context(font), PdfPages(buffer, metadata=METADATA) as pdf:
        pdf.savefig(_text_page(f"SNS 소통 월간 보고서 {data.month}", _summary_lines(data)))
        for _title, figure in charts(data):
            pdf.savefig(figure)
        overdue, notable = data.figures["overdue"][:15], data.figures["notable"][:15]
        rows = data.rows_by_id(overdue + notable)
        cases = ["기한경과 미처리", *case_lines(data, overdue, rows), ""]
        cases += ["주요 사례 (우선순위 높음·정식민원 전환)", *case_lines(data, notable, rows)]
        pdf.savefig(_text_page("기한경과·주요 사례", cases))
    return buffer.getvalue()
