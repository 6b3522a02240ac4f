"""The golden PDF: the seeded October 2026 month (`tests/fixtures_reports.py`) downloaded
as the office files it, on SQLite and PostgreSQL, its page 1 read back by `pdftotext
-layout` and compared with `tests/golden/report-2026-10-page1.txt` (runs of spaces
collapsed, so the check is on words and their order, not on poppler's column math;
the topic rows left out, as in `test_report_golden.py`).

The database-free November month (`tests/fixtures_report_document.py`) is also
rendered to a greyscale PNG (page 1, 40 dpi, poppler's `pdftoppm`) and compared with
`tests/golden/report-2026-11-page1.png` within a tolerance: at most 0.1 % of the
pixels may differ by more than a quarter of the grey scale (anti-aliasing; one 결재 box
fewer already changes 0.15 %).

After an intended change of the document, regenerate them with
`UPDATE_GOLDEN=1 pytest tests/test_report_pdf_golden.py` and review the diff.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.config import Settings, parse_settings
from aggregator.reports.service import Requester, close, download
from aggregator.store import Store
from aggregator.workflow import Role
from tests.conftest import FakeClock
from tests.fixtures_reports import CONFIG, KEY, seed_month

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)
GOLDEN = Path(__file__).resolve().parent / "golden" / "report-2026-10-page1.txt"
GOLDEN_PNG = GOLDEN.with_name("report-2026-11-page1.png")
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
TOPICS = re.compile(r"^\d+\. 주요 주제어$")
"""The topic rows depend on the kiwipiepy model's version, not on our code: left out."""
COMM = Requester("comm1", Role.COMMUNICATIONS)
COVER = """  office_name: 한빛구청
  department: 홍보담당관
  approval_titles: [담당, 팀장, 과장]
accounts:
  - {name: fb-page, platform: facebook, display_name: 한빛구청 페이스북, page_id: "1",
     access_token: {env: FB_TOKEN}}
"""


def settings() -> Settings:
    return parse_settings(CONFIG + COVER, environ={"AGGREGATOR_PSEUDONYM_KEY": KEY})


def first_page(body: bytes) -> str:
    """Page 1 as `pdftotext -layout` reads it, spaces collapsed, blank lines dropped."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-l", "1", "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode("utf-8")
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    kept, topics = [], False
    for line in filter(None, lines):
        topics = topics or bool(TOPICS.match(line))
        if not topics or TOPICS.match(line) or line == "-1-":
            kept.append(line)
    return "\n".join(kept) + "\n"


@pytest.fixture
def october(store: Store, clock: FakeClock) -> Store:
    seed_month(store)
    clock.now = NOW
    return store


def test_the_seeded_months_page_one_matches_the_golden_text(october: Store) -> None:
    body, name = download(october, settings(), "2026-10", "pdf", "골든 테스트", COMM)
    assert name == "sns-report-2026-10.pdf"
    page = first_page(body)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(page, encoding="utf-8")
    assert page == GOLDEN.read_text(encoding="utf-8"), (
        "page 1 changed: review, then UPDATE_GOLDEN=1"
    )


def test_the_seeded_month_closed_renders_byte_identical_with_its_closing_date(
    october: Store, clock: FakeClock
) -> None:
    assert close(october, settings(), "2026-10", COMM)
    first, _ = download(october, settings(), "2026-10", "pdf", "보관", COMM)
    clock.advance(days=5)
    again, _ = download(october, settings(), "2026-10", "pdf", "보관", COMM)
    assert again == first
    assert "작 성 일: 2026. 11. 20." in first_page(first)


def test_page_one_of_the_november_month_looks_like_the_golden_png() -> None:
    from PIL import Image, ImageChops

    from aggregator.reports.charts import korean_font
    from aggregator.reports.document import DocumentOptions
    from aggregator.reports.pdf import write_pdf
    from tests.fixtures_report_document import ACCOUNTS, november

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    options = DocumentOptions("한빛구청", "홍보담당관", ("담당", "팀장", "과장"), ACCOUNTS)
    body = write_pdf(november(previous=500), korean_font(), options)
    png = subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-png", "-f", "1", "-l", "1", "-"],
        input=body, capture_output=True, check=True,
    ).stdout  # fmt: skip
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN_PNG.write_bytes(png)
    with Image.open(io.BytesIO(png)) as actual, Image.open(GOLDEN_PNG) as golden:
        assert actual.size == golden.size
        diff = ImageChops.difference(actual.convert("L"), golden.convert("L"))
        changed = sum(diff.point(lambda v: 255 if v > 64 else 0).histogram()[255:])
    assert changed <= 0.001 * actual.size[0] * actual.size[1], f"{changed} pixels differ"
