"""The search index holds residents' comments only (migration 0016 and every write path)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from aggregator.db import alembic_config, upgrade
from aggregator.records import Batch, CommentRecord
from aggregator.search_text import parse_query
from aggregator.store import Store, search
from aggregator.store.access_log import AccessEntry
from tests.conftest import FakeClock

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EDITED = "불법주차 다시 신고합니다"
RESIDENT = CommentRecord(
    platform="facebook", external_id="c1", created_at=T0, text="불법주차 신고합니다",
    post_external_id="p1", author_id="resident-1", author_name="주민",
)  # fmt: skip
DISTRICT = CommentRecord(
    platform="facebook", external_id="r1", created_at=T0 + timedelta(hours=1),
    text="단속반에 전달했습니다 감사합니다", post_external_id="p1", parent_external_id="c1",
    author_id="district", author_name="한빛구청", by_account_owner=True,
)  # fmt: skip


def _sync(store: Store, *comments: CommentRecord) -> None:
    account = store.sync.ensure_account("fb-page", "facebook")
    store.sync.apply_batch(account, Batch(stream="comments", comments=comments))


def _id(store: Store, key: str) -> int:
    with store.engine.connect() as conn:
        query = sa.text("SELECT id FROM comment WHERE external_id = :k")
        return int(conn.execute(query, {"k": key}).scalar_one())


def _indexed_ids(store: Store) -> set[int]:
    """Every id in the index: PostgreSQL's rows, or (a contentless FTS5 table cannot be
    scanned) the FTS5 rows that any word of this file's comment texts finds."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            query = "SELECT comment_id FROM comment_search"
            return set(conn.exec_driver_sql(query).scalars())
    texts = (RESIDENT.text, DISTRICT.text, EDITED)
    return set().union(*(_found(store, word) for text in texts for word in text.split()))


def _found(store: Store, query: str) -> set[int]:
    with store.engine.connect() as conn:
        return set(conn.execute(search.matching_ids(conn, parse_query(query))).scalars())


def _assert_index_intact(store: Store) -> None:
    """FTS5's own check (a wrong 'delete' of a contentless table corrupts it)."""
    if store.engine.dialect.name == "sqlite":
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO comment_search (comment_search, rank) VALUES ('integrity-check', 0)"
            )


def test_a_sync_indexes_residents_comments_and_not_the_districts_replies(store: Store) -> None:
    _sync(store, RESIDENT, DISTRICT)
    assert _indexed_ids(store) == {_id(store, "c1")}
    assert _found(store, "주차") == {_id(store, "c1")}
    assert _found(store, "감사") == set()
    _assert_index_intact(store)


def test_a_comment_whose_author_reads_otherwise_leaves_or_enters_the_index(
    store: Store, clock: FakeClock
) -> None:
    clock.now = T0 + timedelta(days=1)
    _sync(store, RESIDENT)
    c1 = _id(store, "c1")
    clock.advance(hours=25)  # rewritten by the daily last-seen refresh, text unchanged
    _sync(store, replace(RESIDENT, by_account_owner=True))
    assert _indexed_ids(store) == set()
    _assert_index_intact(store)
    _sync(store, replace(RESIDENT, text=EDITED))  # text changed, resident
    assert _indexed_ids(store) == {c1}
    assert _found(store, "다시") == {c1}
    _assert_index_intact(store)


def test_forgetting_the_districts_account_keeps_the_index_intact(store: Store) -> None:
    _sync(store, RESIDENT, DISTRICT)
    entry = AccessEntry(staff="admin1", action="privacy_forget")
    store.privacy.forget_author("facebook", "district", None, "Asia/Seoul", entry)
    store.privacy.forget_author("facebook", "resident-1", None, "Asia/Seoul", entry)
    assert _indexed_ids(store) == set()
    _assert_index_intact(store)


def test_migration_0016_removes_the_districts_entries_and_downgrade_restores_them(
    db_url: str, store: Store
) -> None:
    _sync(store, RESIDENT, DISTRICT)
    c1, r1 = _id(store, "c1"), _id(store, "r1")
    command.downgrade(alembic_config(db_url), "0015_report_jobs")
    assert _indexed_ids(store) == {c1, r1}  # as every version before 0016 indexed them
    assert _found(store, "감사") == {r1}
    upgrade(db_url)
    assert _indexed_ids(store) == {c1}
    assert _found(store, "주차") == {c1}
    _assert_index_intact(store)
