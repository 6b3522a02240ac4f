"""The report's charts (matplotlib, Agg, no pyplot), drawn in a Korean font.

Hangul needs a font that has it: config `reports.font_path`, else NanumGothic from
Debian's `fonts-nanum` (`.ci/run` installs it), with DejaVu Sans as the fallback for
what it lacks (see `aggregator.reports.glyphs`). Without a Korean font, HTML and PDF
reports refuse to render rather than show empty boxes. Text is always literal (no
mathtext): residents write `$`, `\\` and `{`. Charts print in black and white: series
and outcomes differ by grey level and hatching, never by colour alone.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from aggregator.reports.data import ReportData, ReportError
from aggregator.reports.glyphs import Fonts, fallback_font
from aggregator.timeutil import korean_month
from aggregator.web.labels import PLATFORM_LABELS

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf"),
    Path("/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf"),
)

MISSING_GLYPH = r"Glyph \d+ .* missing from font"


def korean_font(configured: Path | None = None) -> Path:
    """The Korean TrueType font to draw with; `ReportError` when there is none."""
    for path in (configured, *FONT_CANDIDATES):
        if path is not None and path.is_file():
            return path
    raise ReportError(
        "no Korean font found: install Debian's fonts-nanum or set reports.font_path",
        "한글 글꼴이 없어 이 형식을 만들 수 없습니다: 관리자에게 문의하세요 (fonts-nanum)",
    )


@lru_cache(maxsize=8)
def _registered(path: Path) -> str:
    """The family name of the font at `path`, added to matplotlib's font list once per
    process (a long-running web server renders many reports)."""
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


@contextmanager
def font_context(font: Path, fallback: Path | None = None) -> Iterator[None]:
    """matplotlib settings that draw text in `font` (then `fallback`, default DejaVu
    Sans when installed, for what `font` lacks) and embed it as TrueType in PDFs.

    Every text artist created and drawn inside (titles, labels, tick labels, legends,
    page text) shows its string literally: `$...$` is not parsed as mathtext. Text that
    comes from data goes through `Fonts.printable` first, so no glyph is missing.
    """
    fallback = fallback or fallback_font()
    names = [_registered(path) for path in (font, fallback) if path is not None]
    settings: dict[str, Any] = {
        "font.family": names,
        "axes.unicode_minus": False,
        "pdf.fonttype": 42,
        "svg.hashsalt": "report",
        "text.parse_math": False,  # residents' `$x$` is text, never mathtext
        "text.usetex": False,
        "hatch.linewidth": 0.6,
    }
    with rc_context(settings), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", MISSING_GLYPH, UserWarning)
        yield


GREYS = ("#303030", "#8c8c8c", "#d0d0d0", "#ffffff", "#5e5e5e", "#b4b4b4")
HATCHES = ("", "///", "...", "xx", "\\\\", "++")
"""Series are told apart by grey level and hatching, so they survive black-and-white print."""
EDGE: dict[str, Any] = {"edgecolor": "black", "linewidth": 0.4}


def per_day_chart(axes: Axes, data: ReportData, fonts: Fonts) -> None:
    """Comments per day, stacked by platform (grey levels and hatching per platform)."""
    days = [d[8:] for d in data.figures["per_day"]["days"]]
    bottom = [0] * len(days)
    for index, (name, values) in enumerate(data.figures["per_day"]["series"]):
        grey, hatch = GREYS[index % len(GREYS)], HATCHES[index % len(HATCHES)]
        label = fonts.printable(PLATFORM_LABELS.get(name, name))
        axes.bar(days, values, bottom=bottom, label=label, color=grey, hatch=hatch, **EDGE)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(f"{korean_month(data.month)} 일별·플랫폼별 주민 댓글 (건)")
    axes.set_xlabel("일")
    axes.set_ylabel("건", rotation=0, labelpad=10)
    axes.tick_params(axis="x", labelsize=6)
    if data.figures["per_day"]["series"]:
        axes.legend(fontsize=7)


def _barh(
    axes: Axes,
    title: str,
    pairs: list[tuple[str, float]],
    fonts: Fonts,
    styles: list[tuple[str, str]] | None = None,
) -> None:
    """Horizontal bars, the first pair on top, each labelled with its count (건);
    `styles` gives each bar its (grey, hatch), else they alternate plain and hatched."""
    styles = styles or [(GREYS[1], HATCHES[n % 2]) for n in range(len(pairs))]
    labels = [fonts.printable(str(label)) for label, _ in reversed(pairs)]
    values = [value for _, value in reversed(pairs)]
    bars = axes.barh(labels, values, **EDGE)
    for bar, (grey, hatch) in zip(bars, reversed(styles), strict=True):
        bar.set_facecolor(grey)
        bar.set_hatch(hatch)
    axes.bar_label(bars, labels=[f"{v:,}건" for v in values], fontsize=7, padding=2)
    axes.set_title(title)
    axes.tick_params(axis="y", labelsize=7)
    axes.margins(x=0.15)


def _compliance(axes: Axes, data: ReportData, fonts: Fonts) -> None:
    c = data.figures["compliance"]
    outcomes = [
        ("기한 내 답변", c["met"]),
        ("기한 초과·미답변", c["missed"]),
        ("진행 중", c["pending"]),
    ]
    styles = [(GREYS[2], ""), (GREYS[0], "xx"), (GREYS[3], "...")]
    _barh(axes, "처리기한 준수 (건)", outcomes, fonts, styles)


def _departments(axes: Axes, data: ReportData, fonts: Fonts) -> None:
    pairs = [(d[0], d[1]) for d in data.figures["by_department"][:12]]
    _barh(axes, "부서별 주민 댓글 (상위 12, 건)", pairs, fonts)


def _statuses(axes: Axes, data: ReportData, fonts: Fonts) -> None:
    _barh(axes, "처리 상태별 주민 댓글 (건)", [(s, n) for s, n in data.figures["by_status"]], fonts)


def _topics(axes: Axes, data: ReportData, fonts: Fonts) -> None:
    pairs = [(w, n) for w, n in data.figures["topics"][:12]]
    _barh(axes, "주요 주제어 (언급 건수)", pairs, fonts)


Drawer = Callable[[Axes, ReportData, Fonts], None]
CHARTS: tuple[tuple[str, float, Drawer], ...] = (
    ("일별·플랫폼별 댓글", 3.2, per_day_chart),
    ("부서별 댓글", 3.6, _departments),
    ("처리 상태", 3.0, _statuses),
    ("처리기한 준수", 2.2, _compliance),
    ("주요 주제어", 3.6, _topics),
)
"""Every chart: its caption, its height in inches at 8 inches wide, how it is drawn."""


def charts(data: ReportData, fonts: Fonts | None = None) -> list[tuple[str, Figure]]:
    """Every chart of the report as a figure of its own, with its Korean caption (call
    inside `font_context`)."""
    fonts = fonts or Fonts(korean_font(), fallback_font())
    out = []
    for title, height, draw in CHARTS:
        figure = Figure(figsize=(8, height))
        draw(figure.add_subplot(), data, fonts)
        figure.tight_layout()
        out.append((title, figure))
    return out


def png(figure: Figure) -> bytes:
    """A chart as PNG bytes without a timestamp or software tag (stable bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


def chart_pngs(data: ReportData, font: Path) -> list[tuple[str, bytes]]:
    """Every chart rendered to PNG in `font` (each figure dropped once drawn)."""
    fonts = Fonts(font, fallback_font())
    with font_context(font, fonts.fallback):
        return [(title, png(figure)) for title, figure in charts(data, fonts)]
