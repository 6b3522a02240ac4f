"""The PDF report as a filed document, read back with poppler's `pdftotext` (text in
reading order, and every word's box): cover, 결재란, ruled tables with units, lists that
say how many they leave out, page numbers, nothing past the right margin, emoji drawn
or replaced without a warning, and identical bytes for a closed month."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import warnings
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.patches import Rectangle

from aggregator.reports.charts import font_context, korean_font
from aggregator.reports.document import OPEN_SHEET, DocumentOptions, Table
from aggregator.reports.glyphs import Fonts, fallback_font
from aggregator.reports.pdf import write_pdf
from aggregator.reports.pdf_pages import MARGIN_X, PAGE_W, Pages
from aggregator.reports.pdf_table import draw_table
from aggregator.reports.xlsx import write_xlsx
from tests.fixtures_report_document import ACCOUNTS, november

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)
OPTIONS = DocumentOptions("한빛구청", "홍보담당관", ("담당", "팀장", "과장"), ACCOUNTS)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def pdf_text(body: bytes, *args: str) -> str:
    """`pdftotext` of the PDF's bytes (with `args`, e.g. -layout or -bbox)."""
    result = subprocess.run(
        ["pdftotext", *args, "-", "-"], input=body, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def pages_words(body: bytes) -> list[tuple[float, float, list[tuple[float, ...] | str]]]:
    """Per page: its width, height and (xMin, yMin, xMax, yMax, word) of every word."""
    out = []
    for width, height, inner in PAGE.findall(pdf_text(body, "-bbox")):
        words = [(*map(float, w[:4]), w[4]) for w in WORD.findall(inner)]
        out.append((float(width), float(height), words))
    return out  # type: ignore[return-value]


@cache
def _november_pdf(previous: int, extra: bool, pseudonymized: bool = False) -> bytes:
    data = november(previous=previous, extra=extra, pseudonymized=pseudonymized)
    return write_pdf(data, korean_font(), OPTIONS)


def layout(previous: int = 500, extra: bool = True, pseudonymized: bool = False) -> str:
    return pdf_text(_november_pdf(previous, extra, pseudonymized), "-layout")


def squeezed(text: str) -> str:
    """The text without runs of spaces (layout columns), for phrase checks."""
    return re.sub(r"[ \t]+", " ", text)


def test_page_one_has_the_cover_block_as_official_documents_have_it() -> None:
    first = layout().split("\f")[0]
    assert "한빛구청" in first
    assert "2026년 11월 SNS 소통 현황 보고" in first
    assert "2026. 11. 1. ~ 2026. 11. 30." in first
    assert re.search(r"작 성 일:\s+2026\. 12\. 1\.", first)
    assert re.search(r"작성 부서:\s+홍보담당관", first)
    head = first.split("2026년 11월")[0]
    assert re.search(r"담당\s+팀장\s+과장", head), "결재란 with the configured titles"
    assert re.search(r"결\s*\n\s*재", head), "결재 written down its narrow first column"


def test_without_approval_titles_there_is_no_approval_box() -> None:
    plain = DocumentOptions("한빛구청", "", (), ACCOUNTS)
    first = pdf_text(write_pdf(november(), korean_font(), plain), "-layout").split("\f")[0]
    assert "결" not in first.replace("결과", "")
    assert "담당" not in first.split("요약")[0]
    assert "작성 부서" not in first


def test_the_default_office_name_is_a_placeholder_to_configure() -> None:
    first = pdf_text(write_pdf(november(), korean_font()), "-layout").split("\f")[0]
    assert "○○구청" in first


def test_every_page_is_numbered_centred_at_its_foot() -> None:
    pages = pages_words(_november_pdf(500, True))
    assert len(pages) >= 4
    for number, (width, height, words) in enumerate(pages, start=1):
        feet = [w for w in words if w[1] > height - 60]  # type: ignore[index,operator]
        assert [w[4] for w in feet] == ["-", str(number), "-"]  # type: ignore[index]
        centre = (feet[1][0] + feet[1][2]) / 2  # type: ignore[index,operator]
        assert abs(centre - width / 2) < 6


def test_no_word_goes_past_the_right_margin_even_a_very_long_comment() -> None:
    body = _november_pdf(500, True)
    assert "불법주차차량때문에통행이어렵습니다" * 3 in "".join(pdf_text(body).split())
    for width, _height, words in pages_words(body):
        right = max(w[2] for w in words)  # type: ignore[index,type-var]
        assert right <= width - MARGIN_X + 1, f"a word ends at {right} of {width}"
    assert PAGE_W - 2 * MARGIN_X > 400


def test_summary_table_shows_units_and_last_months_change() -> None:
    text = squeezed(layout())
    assert "구분 이번 달 지난달 증감" in text
    assert "주민 댓글 수 603건 500건 +103건" in text
    assert "쌍방향 소통률(답변 비율) 9.0% 50.0% -41.0%p" in text
    assert "첫 답변까지 중앙값(업무시간) 2.0시간 2.0시간 0.0시간" in text
    assert "미처리 기한경과 549건 250건 +299건" in text


def test_without_last_months_data_the_change_is_not_shown() -> None:
    text = squeezed(layout(previous=0))
    assert "주민 댓글 수 603건 - -" in text
    assert "지난달 자료 없음" in text
    assert "+603" not in text
    assert "0건 +" not in text


def test_platforms_in_korean_with_their_accounts_display_names() -> None:
    text = squeezed(layout())
    assert "페이스북 한빛구청 청년 페이스북, 한빛구청 페이스북 302건" in text
    assert "X 한빛구청 X 151건" in text
    assert "블로그 한빛구청 공식 블로그 150건" in text
    assert "facebook" not in text
    assert "twitter" not in text


def test_overdue_list_shows_100_and_points_to_the_xlsx_sheet_for_the_rest() -> None:
    text = squeezed(layout())
    assert f"외 449건 — 전체 목록은 XLSX의 '{OPEN_SHEET}' 시트" in text
    assert "1099" in text
    assert "1100 " not in text
    assert "기한경과 미처리 (계속)" in text


def test_the_sheet_the_lists_point_to_exists_in_the_workbook() -> None:
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(november())), read_only=True)
    assert OPEN_SHEET in book.sheetnames
    book.close()


def test_officer_response_time_and_topic_sample_figures_render_when_present() -> None:
    text = squeezed(layout())
    assert "담당자별 답변 (내부용)" in text
    assert "김주무관 31건 0건 5.2시간" in text
    assert "처리 시간: 플랫폼별" in text
    assert "페이스북 3.5시간 20.2시간" in text
    assert "처리 시간: 부서별" in text
    assert "청소행정과 2.5시간 -" in text
    assert "010-****-****" in text


def test_figures_the_report_lacks_are_skipped_and_officers_never_pseudonymised() -> None:
    without = squeezed(layout(extra=False))
    assert "담당자별" not in without
    assert "처리 시간" not in without
    assert "예시 댓글" not in without
    pseudonymised = squeezed(layout(pseudonymized=True))
    assert "김주무관" not in pseudonymised
    assert "처리 시간: 플랫폼별" in pseudonymised


def test_emoji_are_drawn_with_the_fallback_font_and_the_rest_replaced_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    if fallback_font() is None:
        pytest.skip("DejaVu Sans (fonts-dejavu-core) is not installed")
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        body = write_pdf(november(), korean_font(), OPTIONS)
    assert not caught, [str(w.message) for w in caught]
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    text = "".join(pdf_text(body).split())
    assert "고장났어요😀?빨리고쳐주세요❤?$x^2$" in text, "👍🏻 and 𓀀 replaced, ❤️ kept"
    fonts = subprocess.run(["pdffonts", "-"], input=body, capture_output=True).stdout.decode()
    assert "DejaVuSans" in fonts
    assert "NanumGothic" in fonts


def test_tables_are_drawn_with_ruled_cells_not_lines_of_text() -> None:
    fonts = Fonts(korean_font(), fallback_font())
    table = Table("표", ["구분", "값"], [["가", "1건"], ["나", "2건"], ["다", "3건"]], (1,))
    with font_context(fonts.korean), PdfPages(io.BytesIO()) as pdf:
        pages = Pages(pdf, fonts)
        pages.new_page()
        draw_table(pages, table)
        assert pages.page is not None
        frames = [a for a in pages.page.artists if isinstance(a, Rectangle)]
        pages.finish()
    assert len(frames) == 2 * 4, "one framed box per cell, header included"


def test_a_closed_month_renders_the_same_bytes_twice_with_its_closing_date() -> None:
    first = write_pdf(november(closed=True), korean_font(), OPTIONS)
    assert write_pdf(november(closed=True), korean_font(), OPTIONS) == first
    cover = pdf_text(first, "-layout").split("\f")[0]
    assert re.search(r"작 성 일:\s+2026\. 12\. 2\.", cover)
    assert "마감됨" in cover


def test_the_pdf_title_is_the_documents_title() -> None:
    info = subprocess.run(
        ["pdfinfo", "-"], input=_november_pdf(500, True), capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"Title:\s+2026년 11월 SNS 소통 현황 보고", info)


def test_long_lists_continue_on_new_pages_under_a_repeated_header(tmp_path: Path) -> None:
    text = layout()
    continued = [p for p in text.split("\f") if "기한경과 미처리 (계속)" in p]
    assert len(continued) >= 3
    assert all("번호" in page and "처리기한" in page for page in continued)
