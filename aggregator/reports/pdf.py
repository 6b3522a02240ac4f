"""The monthly report as a PDF document: the cover block (office, title, 기간, 작성일,
작성 부서, 결재란) and the summary table on page 1, the breakdown tables, the charts
and the lists of cases; "- n -" at the foot of every page.

Drawn with matplotlib (PdfPages) in the Korean font, embedded as TrueType so that
`pdftotext` finds the Hangul, DejaVu Sans filling in for glyphs it lacks. No creation
date is written, so a closed month's PDF is the same bytes every time. One page is
held at a time, and the fonts are loaded once per process.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages

from aggregator.reports.charts import CHARTS, font_context
from aggregator.reports.data import ReportData
from aggregator.reports.document import Cover, DocumentOptions, build_document
from aggregator.reports.glyphs import Fonts, fallback_font
from aggregator.reports.pdf_pages import CONTENT_W, MARGIN_X, PAGE_W, Pages
from aggregator.reports.pdf_table import draw_table

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "TSI0 NOT subset" noise
APPROVAL_BOX_W, APPROVAL_TITLE_H, APPROVAL_SIGN_H, APPROVAL_LABEL_W = 50.0, 16.0, 38.0, 16.0
CHART_SCALE = 0.8 * 72
"""Points per inch of a chart's declared height (`charts.CHARTS`) on the page."""


def _approval(pages: Pages, titles: tuple[str, ...]) -> float:
    """The 결재란 at the top right: a narrow 결재 column, then one box per title with
    empty signing space under it. Returns its height (0 without titles)."""
    if not titles:
        return 0.0
    width = APPROVAL_LABEL_W + APPROVAL_BOX_W * len(titles)
    x, y = MARGIN_X + CONTENT_W - width, pages.y
    height = APPROVAL_TITLE_H + APPROVAL_SIGN_H
    pages.box(x, y, APPROVAL_LABEL_W, height)
    for n, char in enumerate("결재"):
        pages.text(x + APPROVAL_LABEL_W / 2, y + 12 + n * 14, char, 9, "center")
    for n, title in enumerate(titles):
        left = x + APPROVAL_LABEL_W + n * APPROVAL_BOX_W
        pages.box(left, y, APPROVAL_BOX_W, APPROVAL_TITLE_H, "#f2f2f2")
        pages.box(left, y + APPROVAL_TITLE_H, APPROVAL_BOX_W, APPROVAL_SIGN_H)
        pages.text(left + APPROVAL_BOX_W / 2, y + 3.5, title, 8.5, "center")
    return height


def _cover(pages: Pages, cover: Cover) -> None:
    """The cover block at the top of page 1."""
    pages.new_page()
    top = pages.y
    boxes = _approval(pages, cover.approvals)
    pages.text(MARGIN_X, top, cover.office, 12)
    pages.y = top + max(boxes + 14, 34)
    pages.text(PAGE_W / 2, pages.y, cover.title, 18, "center")
    pages.y += 32
    pages.rule(MARGIN_X, pages.y, MARGIN_X + CONTENT_W, pages.y, 1.4)
    pages.rule(MARGIN_X, pages.y + 2.5, MARGIN_X + CONTENT_W, pages.y + 2.5, 0.5)
    pages.y += 12
    facts = [("기    간", cover.period), ("작 성 일", cover.written)]
    if cover.department:
        facts.append(("작성 부서", cover.department))
    for label, value in facts:
        pages.text(MARGIN_X + 4, pages.y, f"{label}:  {value}", 10)
        pages.y += 16
    pages.paragraph(f"※ {cover.status}", 8, indent=4)
    pages.y += 10


def _charts(pages: Pages, data: ReportData) -> None:
    """Every chart, drawn on the pages themselves (vector, in the report's fonts)."""
    pages.new_page()
    pages.text(MARGIN_X, pages.y, "차트", 11)
    pages.y += 22
    for _title, height, draw in CHARTS:
        draw(pages.axes(height * CHART_SCALE), data, pages.fonts)


def write_pdf(data: ReportData, font: Path, options: DocumentOptions | None = None) -> bytes:
    """The PDF's bytes."""
    document = build_document(data, options)
    fonts = Fonts(font, fallback_font())
    metadata = {"Title": document.cover.title, "Creator": "aggregator", "CreationDate": None}
    buffer = io.BytesIO()
    with font_context(font, fonts.fallback), PdfPages(buffer, metadata=metadata) as pdf:
        pages = Pages(pdf, fonts)
        _cover(pages, document.cover)
        for table in (document.summary, *document.tables):
            draw_table(pages, table)
        _charts(pages, data)
        pages.new_page()
        for table in document.cases:
            draw_table(pages, table)
        pages.finish()
    return buffer.getvalue()
