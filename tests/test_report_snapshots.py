"""Closed months: rows frozen one per line (streamed back), last month's frozen headline,
and the migration that splits snapshots made before rows had a table of their own."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from aggregator.db import alembic_config, create_db_engine, upgrade
from aggregator.reports.service import Requester, close, compute_report, download, load_report
from aggregator.reports.topics import fallback_nouns
from aggregator.store import Store
from aggregator.store.access_log import LogFilter
from aggregator.store.privacy import strip_snapshots
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.store.tables import SNAPSHOT, SNAPSHOT_ROW
from aggregator.workflow import Actor, Role
from tests.conftest import FakeClock
from tests.fixtures_reports import kst, report_settings, seed_month

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
ADMIN = Requester("admin1", Role.ADMIN)


@pytest.fixture
def october(store: Store, clock: FakeClock) -> tuple[Store, dict[str, int]]:
    ids = seed_month(store)
    clock.now = NOW
    return store, ids


def test_a_closed_month_keeps_its_rows_one_per_line_in_report_order(october) -> None:
    store, _ids = october
    live = compute_report(store, report_settings(), "2026-10", fallback_nouns)
    expected = [row.to_json() for row in live.rows]
    assert close(store, report_settings(), "2026-10", ADMIN)
    with store.engine.connect() as conn:
        seqs = conn.execute(
            sa.select(SNAPSHOT_ROW.c.seq, SNAPSHOT_ROW.c.comment_id).order_by(SNAPSHOT_ROW.c.seq)
        ).all()
        header = json.loads(conn.execute(sa.select(SNAPSHOT.c.payload)).scalar_one())
    assert [s for s, _ in seqs] == list(range(len(expected)))
    assert [c for _, c in seqs] == [row["id"] for row in expected]
    assert "rows" not in header
    assert header["figures"] == live.figures
    frozen = load_report(store, report_settings(), "2026-10")
    assert [row.to_json() for row in frozen.rows] == expected
    assert frozen.figures == live.figures


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_the_access_log_counts_the_rows_a_download_holds(october, fmt: str) -> None:
    store, ids = october
    settings = report_settings()
    assert close(store, settings, "2026-10", ADMIN)
    frozen = load_report(store, settings, "2026-10").figures["headline"]["comments"]
    with store.engine.begin() as conn:  # forgotten after the month was closed
        strip_snapshots(conn, [ids["c1"]], settings.timezone)
    body, _name = download(store, settings, "2026-10", fmt, "검토", ADMIN)
    [entry] = store.staff.access_log(LogFilter(action="report_download"))
    assert json.loads(entry["detail"])["rows"] == frozen - 1
    if fmt == "csv":
        assert body.decode("utf-8-sig").count("\r\n") - 1 == frozen - 1


def test_last_month_comes_from_its_frozen_headline_once_it_is_closed(october) -> None:
    store, ids = october
    settings = report_settings()
    assert close(store, settings, "2026-09", ADMIN)
    frozen = compute_report(store, settings, "2026-10", fallback_nouns).figures["previous"]
    actor = Actor("comm1", Role.COMMUNICATIONS)  # September changes after it was closed
    done = store.inbox.review(
        actor, [ids["c6"]], ReviewAction(kind="status", status="최종 답변"),
        ReviewContext(now=kst(2026, 11, 19, 10)),
    )  # fmt: skip
    assert done.done
    assert compute_report(store, settings, "2026-09", fallback_nouns).figures["headline"] != frozen
    assert compute_report(store, settings, "2026-10", fallback_nouns).figures["previous"] == frozen


def test_a_month_closed_before_the_row_table_is_split_by_the_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0007")
    rows = [{"id": 7, "text": "첫 댓글"}, {"id": 3, "text": "둘째"}]
    legacy = json.dumps({"month": "2026-09", "timezone": "Asia/Seoul", "as_of": NOW.isoformat(),
                         "figures": {"headline": {"comments": 2}}, "rows": rows},
                        ensure_ascii=False, sort_keys=True)  # fmt: skip
    engine = create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO report_snapshot (month, closed_at, closed_by, payload) "
                "VALUES ('2026-09', '2026-10-01 00:00:00.000000', 'admin1', :p)"
            ),
            {"p": legacy},
        )
    upgrade(url)
    store = Store(engine)
    snapshot = store.reports.report_snapshot("2026-09")
    assert snapshot is not None
    assert "rows" not in json.loads(snapshot["payload"])
    assert [json.loads(text) for text in store.reports.report_snapshot_rows("2026-09")] == rows
    command.downgrade(alembic_config(url), "0007")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT payload FROM report_snapshot")).scalar_one() == legacy
    engine.dispose()
