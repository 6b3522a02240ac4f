"""The monthly report as one self-contained HTML page (charts inlined as PNG)."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from aggregator.reports.charts import chart_pngs
from aggregator.reports.data import ReportData
from aggregator.reports.pdf import case_lines
from aggregator.reports.summary import show, status_line, summary_lines

TEMPLATES = Path(__file__).resolve().parent / "templates"


def write_html(data: ReportData, font: Path) -> bytes:
    """The page's bytes (UTF-8)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    charts = [
        (title, base64.b64encode(image).decode("ascii")) for title, image in chart_pngs(data, font)
    ]
    overdue, notable = data.figures["overdue"][:30], data.figures["notable"]
    rows = data.rows_by_id(overdue + notable)
    page = env.get_template("report.html").render(
        data=data,
        status=status_line(data),
        summary=summary_lines(data),
        show=show,
        charts=charts,
        overdue=case_lines(data, overdue, rows),
        notable=case_lines(data, notable, rows),
    )
    return page.encode("utf-8")
