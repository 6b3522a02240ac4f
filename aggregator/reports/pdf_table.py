"""Ruled tables on the PDF's pages: a grey header row, thin lines around every cell, a
heavier rule on top, cells wrapped to their column, numbers right-aligned; a table
longer than the page continues on the next one under its repeated header."""

from __future__ import annotations

from aggregator.reports.document import Table
from aggregator.reports.glyphs import Fonts, wrap
from aggregator.reports.pdf_pages import CONTENT_W, HEADER_FILL, MARGIN_X, Pages, TableStyle

TITLE_SIZE = 11.0
NARROW_SHARE = 0.22


def column_widths(fonts: Fonts, table: Table, style: TableStyle) -> list[float]:
    """Widths that fill the content width: each column's widest cell, scaled up when
    they all fit; else the narrow columns keep theirs and the wide ones share the rest
    (their cells wrap)."""
    pad = 2 * style.pad_x + 2
    natural = [fonts.width(fonts.printable(h), style.size) + pad for h in table.headers]
    for row in table.rows:
        for index, cell in enumerate(row):
            wide = fonts.width(fonts.printable(cell), style.size) + pad
            natural[index] = max(natural[index], wide)
    if sum(natural) <= CONTENT_W:
        return [w * CONTENT_W / sum(natural) for w in natural]
    if table.wide is not None:
        return _widest_last(natural, table.wide)
    return _shared(natural, style.min_column)


def _widest_last(natural: list[float], wide: int) -> list[float]:
    """Every column as wide as its contents (at most `NARROW_SHARE` of the page),
    column `wide` the rest."""
    widths = [min(w, CONTENT_W * NARROW_SHARE) for w in natural]
    widths[wide] = 0.0
    widths[wide] = max(CONTENT_W - sum(widths), CONTENT_W * 0.3)
    scale = min(1.0, CONTENT_W / sum(widths))
    return [w * scale for w in widths]


def _shared(natural: list[float], least: float) -> list[float]:
    """Columns narrower than an equal share of what is left keep their width; the
    others share the rest equally (at least `least` points each)."""
    widths: dict[int, float] = {}
    while True:
        rest = [i for i in range(len(natural)) if i not in widths]
        fair = (CONTENT_W - sum(widths.values())) / len(rest)
        settled = {i: natural[i] for i in rest if natural[i] <= fair}
        if not settled or len(settled) == len(rest):
            widths.update(settled or {i: max(least, fair) for i in rest})
            break
        widths.update(settled)
    scale = min(1.0, CONTENT_W / sum(widths.values()))
    return [widths[i] * scale for i in range(len(natural))]


def _cell_lines(
    fonts: Fonts, cells: list[str], widths: list[float], style: TableStyle
) -> list[list[str]]:
    return [
        wrap(fonts, fonts.printable(cell), style.size, width - 2 * style.pad_x - 1)
        for cell, width in zip(cells, widths, strict=True)
    ]


def _row_height(lines: list[list[str]], style: TableStyle) -> float:
    return max(len(cell) for cell in lines) * style.size * style.leading + 2 * style.pad_y


def _draw_row(
    pages: Pages, lines: list[list[str]], widths: list[float], numeric: tuple[int, ...],
    style: TableStyle, fill: str = "none",
) -> None:  # fmt: skip
    height = _row_height(lines, style)
    x, top = MARGIN_X, pages.y
    for index, (cell, width) in enumerate(zip(lines, widths, strict=True)):
        pages.box(x, top, width, height, fill)
        if fill != "none":
            left, align = x + width / 2, "center"
        elif index in numeric:
            left, align = x + width - style.pad_x, "right"
        else:
            left, align = x + style.pad_x, "left"
        if any(cell):
            pages.lines(left, top + style.pad_y, cell, style.size, style.leading, align)
        x += width
    pages.y += height


def draw_table(pages: Pages, table: Table, style: TableStyle | None = None) -> None:
    """`table` at the cursor: its title, header, rows (across pages) and note."""
    style = style or TableStyle()
    widths = column_widths(pages.fonts, table, style)
    header = _cell_lines(pages.fonts, table.headers, widths, style)
    rows = [_cell_lines(pages.fonts, row, widths, style) for row in table.rows]
    first = _row_height(rows[0], style) if rows else 0.0
    title_height = TITLE_SIZE * 1.9
    pages.need(title_height + _row_height(header, style) + first)
    pages.text(MARGIN_X, pages.y, table.title, TITLE_SIZE)
    pages.y += title_height
    _start(pages, header, widths, style)
    for lines in rows:
        if pages.y + _row_height(lines, style) > pages.bottom:
            pages.new_page()
            pages.text(MARGIN_X, pages.y, f"{table.title} (계속)", TITLE_SIZE)
            pages.y += title_height
            _start(pages, header, widths, style)
        _draw_row(pages, lines, widths, table.numeric, style)
    if table.note:
        pages.y += 3
        pages.paragraph(table.note, style.size)
    pages.y += 12


def _start(pages: Pages, header: list[list[str]], widths: list[float], style: TableStyle) -> None:
    """The header row, under a heavier rule (as official tables have it)."""
    pages.rule(MARGIN_X, pages.y, MARGIN_X + sum(widths), pages.y, 1.4)
    _draw_row(pages, header, widths, (), style, HEADER_FILL)
