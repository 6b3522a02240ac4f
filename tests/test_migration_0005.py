"""Migration 0005 fills the search index and the review's creation time from stored data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from aggregator.db import create_db_engine, upgrade
from aggregator.store import Store
from aggregator.store.inbox_query import Deadlines, InboxFilter, Scope

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def test_upgrade_indexes_existing_comments_and_keeps_reviews(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0004")
    engine = create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO account (id, name, platform, created_at) VALUES (1, 'a', 'blog', :t)"
            ),
            {"t": "2026-11-01 00:00:00.000000"},
        )
        conn.execute(
            sa.text(
                "INSERT INTO comment (id, account_id, platform, external_id, kind, text,"
                " content_hash, created_at, metrics, raw, fetched_at, first_seen_at,"
                " last_seen_at, content_seen_at, hidden_upstream, by_account_owner,"
                " manual_entry) VALUES (7, 1, 'blog', 'c7',"
                " 'comment', '불법주차 신고합니다', 'h', :t, '{}', '{}', :t, :t, :t, :t, 0, 0, 0)"
            ),
            {"t": "2026-11-02 00:00:00.000000"},
        )
        conn.execute(
            sa.text("INSERT INTO review (comment_id, status, updated_at) VALUES (7, '확인중', :t)"),
            {"t": "2026-11-03 00:00:00.000000"},
        )
    engine.dispose()
    upgrade(url)
    store = Store(create_db_engine(url))
    rows, _ = store.inbox.inbox_page(
        InboxFilter(query="주차", status="확인중"), Scope(), Deadlines(T0, T0)
    )
    assert [(r["id"], r["status"]) for r in rows] == [(7, "확인중")]
    store.close()
