"""A golden report for a seeded month: the CSV and the figures must not drift unnoticed.

The October 2026 data set of `tests/fixtures_reports.py` is reported on both back
ends and compared with the files in `tests/golden/`. After an intended change of the
report, regenerate them with `UPDATE_GOLDEN=1 pytest tests/test_report_golden.py` and
review the diff. Topics are left out of the golden figures: they depend on the
kiwipiepy model's version, not on our code.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from aggregator.reports.service import Requester, compute_report, download
from aggregator.store import Store
from aggregator.workflow import Role
from tests.conftest import FakeClock
from tests.fixtures_reports import report_settings, seed_month

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
    text = json.dumps(figures, ensure_ascii=False, sort_keys=True, indent=1, default=str)
    return (text + "\n").encode("utf-8")


def test_october_report_matches_the_golden_files(store: Store, clock: FakeClock) -> None:
    seed_month(store)
    clock.now = NOW
    who = Requester("comm1", Role.COMMUNICATIONS)
    body, _name = download(store, report_settings(), "2026-10", "csv", "골든 테스트", who)
    check("report-2026-10.csv", body)
    check("figures-2026-10.json", figures_without_topics(store))


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
