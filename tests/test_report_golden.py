"""A golden report for a seeded month: the CSV, the workbook and the figures must not
drift unnoticed.

The October 2026 data set of `tests/fixtures_reports.py` (with its inbox answers) is
reported on both back ends and compared with the files in `tests/golden/`: the CSV
byte for byte, the workbook as the values of every sheet (XlsxWriter's own bytes may
change with its version; what the office reads must not). After an intended change of
the report, regenerate them with `UPDATE_GOLDEN=1 pytest tests/test_report_golden.py`
and review the diff. Topics and their samples are left out of the golden figures: they
depend on the kiwipiepy model's version, not on our code.
"""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl

from aggregator.reports.service import Requester, compute_report, download
from aggregator.store import Store
from aggregator.workflow import Role
from tests.conftest import FakeClock
from tests.fixtures_reports import report_settings, seed_answers, seed_month

GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def check(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(actual)
    assert actual == path.read_bytes(), f"{name} changed: review, then UPDATE_GOLDEN=1"


def figures_without_topics(store: Store) -> bytes:
    figures = dict(compute_report(store, report_settings(), "2026-10").figures)
    figures.pop("topics", None)
    figures.pop("topic_samples", None)
    text = json.dumps(figures, ensure_ascii=False, sort_keys=True, indent=1, default=str)
    return (text + "\n").encode("utf-8")


def workbook_values(body: bytes) -> tuple[bytes, list[Any]]:
    """Every sheet's name and cell values as JSON text (times as ISO strings), and every
    cell (for the checks no value shows)."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheets = {
        sheet.title: [list(line) for line in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }
    text = json.dumps(sheets, ensure_ascii=False, indent=1, default=str)
    cells = [cell for sheet in book.worksheets for line in sheet.iter_rows() for cell in line]
    return (text + "\n").encode("utf-8"), cells


def test_october_report_matches_the_golden_files(store: Store, clock: FakeClock) -> None:
    seed_answers(store, seed_month(store), clock)
    clock.now = NOW
    who = Requester("comm1", Role.COMMUNICATIONS)
    body, _name = download(store, report_settings(), "2026-10", "csv", "골든 테스트", who)
    check("report-2026-10.csv", body)
    check("figures-2026-10.json", figures_without_topics(store))


def test_october_workbook_matches_the_golden_values(store: Store, clock: FakeClock) -> None:
    seed_answers(store, seed_month(store), clock)
    clock.now = NOW
    admin = Requester("admin", Role.ADMIN)
    body, _ = download(store, report_settings(), "2026-10", "xlsx", "골든", admin, False)
    values, cells = workbook_values(body)
    check("workbook-2026-10.json", values)
    book = json.loads(values)
    assert list(book) == ["요약", "플랫폼별", "부서별", "댓글 목록", "미처리·기한경과",
                          "기한 준수", "응답 시간", "담당자별"]  # fmt: skip
    assert book["부서별"][0] == ["부서", "댓글 수", "답변", "기한 준수", "기한 초과", "진행 중",
                                "미처리 기한경과"]  # fmt: skip
    assert book["부서별"][-1][:3] == ["합계", 9, 3]
    assert book["플랫폼별"][-1] == ["합계", 8, 1, 9]
    assert book["담당자별"][-1] == ["합계", 3, 1, None]
    assert book["응답 시간"][1:] == [
        ["플랫폼", "facebook", 4, 22],
        ["플랫폼", "twitter", 2, 2],
        ["부서", "미배정", 3.5, 2],
        ["부서", "주차관리과", 3, 22],
    ]
    comments = book["댓글 목록"]
    assert comments[0][-4:] == [
        "1차 답변",
        "1차 답변 게시 시각",
        "최종 답변",
        "최종 답변 게시 시각",
    ]
    c1 = next(line for line in comments if line[5] == "불법주차 때문에 불편합니다")
    assert c1[-4:] == ["주차 단속을 요청했습니다", "2026-10-14 11:00:00",
                       "단속을 마쳤습니다. 감사합니다", "2026-10-15 14:00:00"]  # fmt: skip
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith("'")]


def test_every_chart_draws_its_hangul_with_real_glyphs(store: Store, clock: FakeClock) -> None:
    """No tofu boxes: the chart font has a glyph for every character the charts draw,
    and matplotlib reports no missing glyph while rendering them."""
    import warnings

    from matplotlib.ft2font import FT2Font
    from matplotlib.text import Text

    from aggregator.reports.charts import chart_pngs, charts, font_context, korean_font

    seed_month(store)
    clock.now = NOW
    data = compute_report(store, report_settings(), "2026-10")
    font = korean_font()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pngs = chart_pngs(data, font)
        with font_context(font):
            texts = "".join(
                t.get_text() for _name, figure in charts(data) for t in figure.findobj(Text)
            )
    assert pngs
    assert not [w for w in caught if "missing from font" in str(w.message)]
    hangul = {c for c in texts if "\uac00" <= c <= "\ud7a3"}
    assert hangul, "the charts label in Korean"
    glyphs = FT2Font(str(font))
    assert all(glyphs.get_char_index(ord(c)) for c in hangul)
