"""The HTML report printed by real Chromium (Debian's /usr/bin/chromium, through
Playwright): A4 pages numbered "- n -" by the page's print CSS, the cover on page 1,
the charts and the lists each starting a page, and no word past the right margin.

Skips when /usr/bin/chromium or poppler's pdftotext is missing, except in CI (CI set),
where a missing Chromium fails."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.reports.charts import korean_font
from aggregator.reports.document import DocumentOptions
from aggregator.reports.html import write_html
from tests.fixtures_report_document import ACCOUNTS, november
from tests.test_report_pdf import pages_words, pdf_text

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update"]  # fmt: skip
MARGIN_RIGHT = 16 / 25.4 * 72  # the print CSS's 16 mm
OPTIONS = DocumentOptions("한빛구청", "홍보담당관", ("담당", "팀장", "과장"), ACCOUNTS)

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI is set but /usr/bin/chromium is missing (apt-get install chromium)")
    pytest.skip("needs Debian's chromium at /usr/bin/chromium", allow_module_level=True)
if shutil.which("pdftotext") is None:
    pytest.skip("pdftotext (poppler-utils) is not installed", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def printed() -> Iterator[bytes]:
    """The November report's HTML as Chromium prints it (CSS page size, no browser
    header or footer)."""
    html = write_html(november(previous=500), korean_font(), OPTIONS).decode("utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            yield page.pdf(prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()


def test_every_printed_page_is_a4_and_numbered_at_its_foot(printed: bytes) -> None:
    pages = pages_words(printed)
    assert len(pages) >= 4
    for number, (width, height, words) in enumerate(pages, start=1):
        assert (round(width), round(height)) == (595, 842)
        foot = "".join(str(w[4]) for w in words if w[1] > height - 50)  # type: ignore[index,operator]
        assert foot == f"-{number}-"


def test_the_cover_is_on_page_one_and_charts_and_lists_start_new_pages(printed: bytes) -> None:
    pages = pdf_text(printed, "-layout").split("\f")
    assert "2026년 11월 SNS 소통 현황 보고" in pages[0]
    assert re.search(r"담당\s+팀장\s+과장", pages[0])
    starts = [page.lstrip().splitlines()[0] for page in pages if page.strip()]
    assert "차트" in starts
    assert any(re.match(r"\d+\. 기한경과 미처리$", line) for line in starts)


def test_no_printed_word_goes_past_the_right_margin(printed: bytes) -> None:
    for width, _height, words in pages_words(printed):
        right = max(w[2] for w in words)  # type: ignore[index,type-var]
        assert right <= width - MARGIN_RIGHT + 1, f"a word ends at {right} of {width}"
