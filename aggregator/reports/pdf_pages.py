"""A4 pages for the PDF report, drawn with matplotlib: text, rules, boxes and tables.

Positions are in points from the page's top-left corner. Every page gets its number
("- 1 -") centred at the bottom when it is started; a page is written to the PDF and
dropped as soon as the next one starts, so a long report holds one page at a time.
Text is measured with the fonts' own advance widths (`aggregator.reports.glyphs`) and
wrapped to its column or the page margin: nothing runs past the right margin.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from aggregator.reports.glyphs import Fonts, wrap

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 56.0, 56.0, 64.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
FOOTER_Y = PAGE_H - 34.0
ASCENT = 0.86
"""Where the baseline sits below the top of a line, as a share of the font size."""
HEADER_FILL = "#e4e4e4"


@dataclass(frozen=True)
class TableStyle:
    """Sizes of a drawn table."""

    size: float = 8.5
    pad_x: float = 4.0
    pad_y: float = 3.5
    leading: float = 1.35
    min_column: float = 36.0


class Pages:
    """The PDF being written, one A4 page at a time, with a cursor `y` going down."""

    def __init__(self, pdf: PdfPages, fonts: Fonts) -> None:
        self.pdf, self.fonts = pdf, fonts
        self.page: Figure | None = None
        self.number = 0
        self.y = MARGIN_TOP

    @property
    def bottom(self) -> float:
        """The lowest point content may reach on a page."""
        return PAGE_H - MARGIN_BOTTOM

    def new_page(self) -> Figure:
        """Write the current page (if any) and start the next, numbered at its foot."""
        self.finish()
        self.page = Figure(figsize=(PAGE_W / 72, PAGE_H / 72))
        self.number += 1
        self.y = MARGIN_TOP
        self.text(PAGE_W / 2, FOOTER_Y, f"- {self.number} -", 9, "center")
        return self.page

    def finish(self) -> None:
        """Write the current page and drop it."""
        if self.page is not None:
            self.pdf.savefig(self.page)  # type: ignore[no-untyped-call]
            self.page.clear()
            self.page = None

    def need(self, height: float) -> None:
        """Start a new page unless `height` points still fit on this one."""
        if self.page is None or self.y + height > self.bottom:
            self.new_page()

    def _figure(self) -> Figure:
        return self.page if self.page is not None else self.new_page()

    def text(self, x: float, top: float, text: str, size: float, align: str = "left") -> None:
        """One line of text whose top is at `top` (made printable; not wrapped)."""
        baseline = top + size * ASCENT
        self._figure().text(
            x / PAGE_W, 1 - baseline / PAGE_H, self.fonts.printable(text),
            fontsize=size, ha=align, va="baseline",
        )  # fmt: skip

    def lines(
        self, x: float, top: float, lines: list[str], size: float, leading: float,
        align: str = "left",
    ) -> None:  # fmt: skip
        """Lines (each made printable, none wrapped) `leading` × `size` apart, drawn as one
        text: the first line's top at `top`."""
        text = "\n".join(self.fonts.printable(line) for line in lines)
        self._figure().text(
            x / PAGE_W, 1 - top / PAGE_H, text, fontsize=size, ha=align,
            va="top", linespacing=leading, multialignment=align,
        )  # fmt: skip

    def rule(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.5) -> None:
        """A straight black line."""
        xs, ys = [x0 / PAGE_W, x1 / PAGE_W], [1 - y0 / PAGE_H, 1 - y1 / PAGE_H]
        figure = self._figure()
        figure.add_artist(Line2D(xs, ys, transform=figure.transFigure, lw=width, color="black"))

    def box(self, x: float, y: float, w: float, h: float, fill: str = "none") -> None:
        """A rectangle with a thin black frame (and `fill`)."""
        figure = self._figure()
        rect = Rectangle(
            (x / PAGE_W, 1 - (y + h) / PAGE_H), w / PAGE_W, h / PAGE_H,
            transform=figure.transFigure, facecolor=fill, edgecolor="black", lw=0.5,
        )  # fmt: skip
        figure.add_artist(rect)

    def paragraph(self, text: str, size: float, indent: float = 0.0) -> None:
        """Text wrapped inside the margins, continuing on new pages as needed."""
        leading = size * 1.4
        for line in wrap(self.fonts, self.fonts.printable(text), size, CONTENT_W - indent):
            self.need(leading)
            self.text(MARGIN_X + indent, self.y, line, size)
            self.y += leading

    def axes(self, height: float, left: float = 96.0) -> Axes:
        """Axes for a chart `height` points tall at the cursor (labels to its left)."""
        self.need(height)
        figure = self._figure()
        top, inner = self.y + 22, height - 62
        rect = (
            (MARGIN_X + left) / PAGE_W, 1 - (top + inner) / PAGE_H,
            (CONTENT_W - left - 10) / PAGE_W, inner / PAGE_H,
        )  # fmt: skip
        self.y += height
        return figure.add_axes(rect)
