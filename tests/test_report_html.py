"""The HTML report: the same document as the PDF (cover with 결재란, tables with units,
lists that count what they leave out), self-contained, with print CSS."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

from aggregator.reports.charts import korean_font
from aggregator.reports.document import OPEN_SHEET, DocumentOptions
from aggregator.reports.html import write_html
from tests.fixtures_report_document import ACCOUNTS, november

OPTIONS = DocumentOptions("한빛구청", "홍보담당관", ("담당", "팀장", "과장"), ACCOUNTS)


class Cells(HTMLParser):
    """Every table row's cell texts, and the approval table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@cache
def page(previous: int = 500, pseudonymized: bool = False, closed: bool = False) -> str:
    data = november(previous=previous, pseudonymized=pseudonymized, closed=closed)
    return write_html(data, korean_font(), OPTIONS).decode("utf-8")


def rows(html: str) -> list[list[str]]:
    parser = Cells()
    parser.feed(html)
    return parser.rows


def test_cover_block_with_office_title_period_date_department() -> None:
    html = page()
    assert '<p class="office">한빛구청</p>' in html
    assert "<h1>2026년 11월 SNS 소통 현황 보고</h1>" in html
    assert "<dt>기간</dt><dd>2026. 11. 1. ~ 2026. 11. 30.</dd>" in html
    assert "<dt>작성일</dt><dd>2026. 12. 1.</dd>" in html
    assert "<dt>작성 부서</dt><dd>홍보담당관</dd>" in html


def test_approval_boxes_carry_the_configured_titles_and_empty_signing_space() -> None:
    table = re.search(r'<table class="approval".*?</table>', page(), re.S)
    assert table is not None
    assert rows(table.group(0)) == [["결재", "담당", "팀장", "과장"], ["", "", ""]]


def test_summary_table_with_units_and_the_change() -> None:
    found = rows(page())
    assert ["구분", "이번 달", "지난달", "증감"] in found
    assert ["주민 댓글 수", "603건", "500건", "+103건"] in found
    assert ["처리기한 준수율", "9.0%", "50.0%", "-41.0%p"] in found


def test_without_last_months_data_no_change_is_shown() -> None:
    html = page(previous=0)
    assert ["주민 댓글 수", "603건", "-", "-"] in rows(html)
    assert "지난달 자료 없음" in html


def test_platforms_in_korean_and_accounts_by_display_name() -> None:
    assert ["X", "한빛구청 X", "151건", "14건"] in rows(page())


def test_the_overdue_list_counts_the_rest_and_names_the_sheet() -> None:
    html = page()
    assert f"외 449건 — 전체 목록은 XLSX의 &#39;{OPEN_SHEET}&#39; 시트" in html
    listed = [r for r in rows(html) if r and r[0].isdigit() and len(r) == 7]
    assert len([r for r in listed if r[5].startswith("2026-11-")]) >= 100


def test_officers_only_in_the_identified_version() -> None:
    assert "김주무관" in page()
    assert "김주무관" not in page(pseudonymized=True)


def test_self_contained_with_print_css_and_page_breaks() -> None:
    html = page()
    assert "@page { size: A4" in html
    assert 'counter(page) " -"' in html
    assert "break-before: page" in html
    assert "display: table-header-group" in html
    assert "data:image/png;base64," in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_resident_text_is_escaped_and_kept_as_written() -> None:
    html = page()
    assert "고장났어요 😀👍🏻 빨리" in html
    assert "$x^2$" in html


def test_a_closed_month_renders_the_same_bytes_twice() -> None:
    first = page(closed=True)
    data = november(previous=500, closed=True)
    assert write_html(data, korean_font(), OPTIONS).decode("utf-8") == first
    assert "<dt>작성일</dt><dd>2026. 12. 2.</dd>" in first
