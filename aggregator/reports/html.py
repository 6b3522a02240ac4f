"""The monthly report as one self-contained HTML page: the same document as the PDF
(cover block with 결재란, tables with units, lists of cases), charts inlined as PNG,
and print CSS (A4, page breaks between sections, repeated table headers)."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from aggregator.reports.charts import chart_pngs
from aggregator.reports.data import ReportData
from aggregator.reports.document import DocumentOptions, build_document

TEMPLATES = Path(__file__).resolve().parent / "templates"


def write_html(data: ReportData, font: Path, options: DocumentOptions | None = None) -> bytes:
    """The page's bytes (UTF-8)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    document = build_document(data, options)
    charts = [
        (title, base64.b64encode(image).decode("ascii")) for title, image in chart_pngs(data, font)
    ]
    page = env.get_template("report.html").render(data=data, doc=document, charts=charts)
    return page.encode("utf-8")
