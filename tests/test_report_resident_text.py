"""Residents' text is shown literally in every report format: `$...$` is not
mathtext in a chart or PDF page, `<b>` is not markup in HTML, nothing breaks a file."""

from __future__ import annotations

import csv
import html
import io
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.reports.service import Requester, download
from aggregator.reports.topic_index import update_topics
from aggregator.reports.topics import fallback_nouns
from aggregator.store import Store
from aggregator.workflow import Role
from tests.conftest import FakeClock
from tests.fixtures_report_jobs import made_report, use_output_dir
from tests.fixtures_reports import kst, report_settings, seed_month
from tests.fixtures_web import Web

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
COMM = Requester("comm1", Role.COMMUNICATIONS)
MATH = r"$\frac{1}{$"
TEXTS = {
    "m1": f"주차 {MATH} 문의",
    "m2": "$x$ 와 $y$ 사이",
    "m3": r"줄\n바꿈 {중괄호} 100% 확인",
    "m4": "<b>굵게</b> **별표** [링크](http://x) 😀",
}
WORDS = {"m1": MATH, "m2": "$x$", "m3": "{중괄호}", "m4": "<b>굵게</b>"}
"""The topic word each text yields (as if the noun analyser had found it)."""
PDF_WORDS = (MATH, "$x$", "$y$", r"줄\n바꿈", "{중괄호}", "100%", "<b>굵게</b>", "**별표**")


def extractor(texts: Sequence[str]) -> Iterable[list[str]]:
    by_text = {text: WORDS[key] for key, text in TEXTS.items()}
    for text, nouns in zip(texts, fallback_nouns(texts), strict=True):
        yield [by_text[text]] * 1 if text in by_text else nouns


@pytest.fixture
def october(store: Store, clock: FakeClock) -> Store:
    seed_month(store)
    account = store.sync.ensure_account("fb-page", "facebook")
    comments = tuple(
        CommentRecord(platform="facebook", external_id=key, post_external_id="p1",
                      created_at=kst(2026, 10, 14, 9, n), text=text, author_id=f"u-{key}",
                      author_name=f"{text[:12]} 주민")
        for n, (key, text) in enumerate(TEXTS.items())
    )  # fmt: skip
    store.sync.apply_batch(account, Batch(stream="t", comments=comments))
    update_topics(store, extractor)
    clock.now = NOW
    return store


def report(store: Store, fmt: str) -> bytes:
    body, _name = download(store, report_settings(), "2026-10", fmt, "월간 보고", COMM)
    return body


def test_csv_and_xlsx_keep_resident_text_as_written(october: Store) -> None:
    rows = list(csv.reader(io.StringIO(report(october, "csv").decode("utf-8-sig"), newline="")))
    book = openpyxl.load_workbook(io.BytesIO(report(october, "xlsx")))
    cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}
    for text in TEXTS.values():
        assert any(text in row for row in rows), text
        assert text in cells, text


def test_html_shows_resident_text_escaped_never_as_markup(october: Store) -> None:
    page = report(october, "html").decode()
    for word in WORDS.values():
        assert html.escape(word) in page
    assert "<b>굵게</b>" not in page


def test_pdf_renders_dollar_signs_and_braces_literally(october: Store, tmp_path: Path) -> None:
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(report(october, "pdf"))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    shown = text.decode()
    for word in PDF_WORDS:
        assert word in shown, word


def test_the_web_serves_the_pdf_of_a_month_with_math_like_text(web: Web, tmp_path: Path) -> None:
    account = web.store.sync.ensure_account("fb-math", "facebook")
    post = PostRecord(platform="facebook", external_id="math-post",
                      created_at=kst(2026, 11, 2), text="구청 소식")  # fmt: skip
    comment = CommentRecord(platform="facebook", external_id="math", text=TEXTS["m1"],
                            post_external_id="math-post", created_at=kst(2026, 11, 10),
                            author_id="u-math", author_name=MATH)  # fmt: skip
    web.store.sync.apply_batch(account, Batch(stream="t", posts=(post,), comments=(comment,)))
    update_topics(web.store, extractor)
    use_output_dir(web, tmp_path / "reports")
    client = web.client("communications")
    response = made_report(web, client, month="2026-11", format="pdf", reason="보고")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
