"""The report's charts (matplotlib, Agg, no pyplot), drawn in a Korean font.

Hangul needs a font that has it: config `reports.font_path`, else NanumGothic from
Debian's `fonts-nanum` (`.ci/run` installs it). Without one, HTML and PDF reports
refuse to render rather than show empty boxes. Text is always literal (no mathtext):
residents write `$`, `\\` and `{`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure

from aggregator.reports.data import ReportData, ReportError

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


@contextmanager
def font_context(font: Path) -> Iterator[None]:
    """matplotlib settings that draw text in `font` and embed it as TrueType in PDFs.

    Every text artist created and drawn inside (titles, labels, tick labels, legends,
    page text) shows its string literally: `$...$` is not parsed as mathtext. A
    character the font lacks (an emoji) is drawn as an empty box, without a warning.
    """
    font_manager.fontManager.addfont(str(font))
    name = font_manager.FontProperties(fname=str(font)).get_name()
    settings: dict[str, Any] = {
        "font.family": name,
        "axes.unicode_minus": False,
        "pdf.fonttype": 42,
        "svg.hashsalt": "report",
        "text.parse_math": False,  # residents' `$x$` is text, never mathtext
        "text.usetex": False,
    }
    with rc_context(settings), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", MISSING_GLYPH, UserWarning)
        yield


def per_day_chart(data: ReportData) -> Figure:
    """Comments per day, stacked by platform."""
    figure = Figure(figsize=(8, 3.2))
    axes = figure.add_subplot()
    days = [d[8:] for d in data.figures["per_day"]["days"]]
    bottom = [0] * len(days)
    for name, values in data.figures["per_day"]["series"]:
        axes.bar(days, values, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(f"{data.month} 일별·플랫폼별 주민 댓글")
    axes.set_xlabel("일")
    axes.tick_params(axis="x", labelsize=7)
    if data.figures["per_day"]["series"]:
        axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def _barh(title: str, pairs: list[tuple[str, float]], size: tuple[float, float]) -> Figure:
    figure = Figure(figsize=size)
    axes = figure.add_subplot()
    labels = [label for label, _ in reversed(pairs)]
    axes.barh(labels, [value for _, value in reversed(pairs)], color="#3B6EA5")
    axes.set_title(title)
    figure.tight_layout()
    return figure


def charts(data: ReportData) -> list[tuple[str, Figure]]:
    """Every chart of the report with its Korean caption."""
    f = data.figures
    c = f["compliance"]
    departments = [(d[0], d[1]) for d in f["by_department"][:12]]
    outcomes = [
        ("기한 내 답변", c["met"]),
        ("기한 초과·미답변", c["missed"]),
        ("진행 중", c["pending"]),
    ]
    return [
        ("일별·플랫폼별 댓글", per_day_chart(data)),
        ("부서별 댓글", _barh("부서별 댓글 (상위 12)", departments, (8, 3.6))),
        ("처리 상태", _barh("처리 상태별 댓글", [(s, n) for s, n in f["by_status"]], (8, 3))),
        ("처리기한 준수", _barh("처리기한 준수", outcomes, (8, 2.2))),
        ("주요 주제어", _barh("주요 주제어", [(w, n) for w, n in f["topics"][:12]], (8, 3.6))),
    ]


def png(figure: Figure) -> bytes:
    """A chart as PNG bytes without a timestamp or software tag (stable bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


def chart_pngs(data: ReportData, font: Path) -> list[tuple[str, bytes]]:
    """Every chart rendered to PNG in `font`."""
    with font_context(font):
        return [(title, png(figure)) for title, figure in charts(data)]


def any_figure() -> Any:
    """A blank A4 page (portrait) for the PDF writer."""
    return Figure(figsize=(8.27, 11.69))
