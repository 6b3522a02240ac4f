"""PostgreSQL ingest fast paths: the unnest upsert and the tsvector built in Python store
exactly what SQLAlchemy's statement and `to_tsvector` stored."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from aggregator.db import create_db_engine
from aggregator.records import CommentKind
from aggregator.search_text import index_text, parse_query, tsquery_text, tsvector_text
from aggregator.store import Store
from aggregator.store import upsert as upsert_module
from aggregator.store.pg_upsert import pg_plan
from aggregator.store.tables import COMMENT, POST
from tests.conftest import PG_URL_ENV, FakeClock, _admin, _with_database
from tests.test_store import batch, comment, post

KOREAN = {
    "message": "영등포구청 앞 불법주차 😀", "tags": ["주차", None, 1.5, True],
    "n": {"깊이": [1, {"a": "b\\\"\n{}"}]}, "null": None,
}  # fmt: skip
TABLES = ("post", "comment", "content_revision", "comment_search", "routing_suggestion")


@pytest.fixture
def pg_urls(pg_template: str) -> Iterator[list[str]]:
    """Two fresh migrated PostgreSQL databases."""
    base = os.environ[PG_URL_ENV]
    names = [f"agg_test_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for name in names:
        _admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield [_with_database(base, name) for name in names]
    for name in names:
        _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _store_sample(url: str, driver: str | None = None) -> dict[str, list[Any]]:
    """Store posts and comments (insert, an update, a re-sync a day later) and read every
    table back as PostgreSQL's text of each stored row (`driver`: pretend to be another)."""
    seoul, new_york = ZoneInfo("Asia/Seoul"), ZoneInfo("America/New_York")
    clock = FakeClock(datetime(2026, 11, 20, 0, 0, 0, 654321, tzinfo=UTC))
    engine = create_db_engine(url)
    if driver:
        engine.dialect.driver = driver
    store = Store(engine, clock=clock)
    account = store.sync.ensure_account("blog-a", "blog")
    posts = [
        post(1, metrics={"좋아요": 3}, raw=KOREAN, comment_count=2, hidden_upstream=True),
        replace(post(2), created_at=datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=seoul),
                updated_at=datetime(2026, 11, 2, 1, 2, 3, tzinfo=new_york)),
    ]  # fmt: skip
    comments = [
        comment(1, raw=KOREAN, metrics={}),
        replace(comment(2), created_at=datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=seoul),
                by_account_owner=True, kind=CommentKind.REPLY, parent_external_id="c1"),
        comment(3, post_n=9, text="글이 없는 댓글 x²y 'quote' \\ back", hidden_upstream=True),
        replace(comment(4, permalink="https://blog.example/1#c4"), text="", author_name=None),
    ]  # fmt: skip
    store.sync.apply_batch(account, batch(posts, comments))
    clock.advance(days=2)
    changed = [comment(1, text="고친 댓글 주차 주차"), comment(2), comment(5, metrics={"n": 1})]
    store.sync.apply_batch(account, batch([post(1, text="고친 글"), post(3)], changed))
    with engine.connect() as conn:
        read = {
            name: conn.exec_driver_sql(f"SELECT t::text FROM {name} AS t ORDER BY 1").all()
            for name in TABLES
        }
    engine.dispose()
    return read


def test_the_postgresql_driver_upsert_stores_exactly_what_sqlalchemy_stores(
    pg_urls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = _store_sample(pg_urls[0])
    monkeypatch.setattr(upsert_module, "pg_plan", lambda *args: None)  # SQLAlchemy's statement
    core = _store_sample(pg_urls[1])
    assert driver["comment"] == core["comment"]
    assert driver == core
    assert len(driver["comment"]) == 5
    assert len(driver["content_revision"]) == 2


def test_another_postgresql_driver_stores_the_same_through_portable_statements(
    pg_urls: list[str],
) -> None:
    assert _store_sample(pg_urls[0], driver="psycopg2") == _store_sample(pg_urls[1])


def test_the_postgresql_driver_upsert_is_used_for_posts_and_comments() -> None:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.psycopg.dialect()  # type: ignore[attr-defined]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    up = upsert_module
    for tbl, row, columns in (
        (POST, up._post_row(1, post(1), now), up.POST_SOURCE_COLUMNS),
        (COMMENT, up._comment_row(1, comment(1), now), up.COMMENT_SOURCE_COLUMNS),
    ):
        plan = pg_plan(dialect, tbl, tuple(row), columns)
        assert plan is not None
        assert "VARCHAR(" not in plan.sql  # a cast to varchar(n) would silently cut values


def test_the_postgresql_driver_upsert_refuses_a_too_long_key_as_sqlalchemy_does(
    pg_urls: list[str],
) -> None:
    engine = create_db_engine(pg_urls[0])
    store = Store(engine, clock=FakeClock())
    account = store.sync.ensure_account("blog-a", "blog")
    with pytest.raises(sa.exc.DataError, match="too long"):
        store.sync.apply_batch(account, batch([], [replace(comment(1), external_id="c" * 300)]))
    engine.dispose()


def test_tsvector_text_gives_each_bigram_its_position_leaving_a_gap_between_words() -> None:
    assert tsvector_text("불법주차 신고! 주차 a") == "'불법':1 '법주':2 '주차':3 '신고':5 '주차':7"
    assert tsvector_text("차 한 대") == ""
    query = parse_query("불법주차 it's 소음")
    assert tsquery_text(query) == "('불법' <-> '법주' <-> '주차') & ('it') & ('소음')"


LONG_TEXTS = (
    "주차 " * 300,  # more positions of one lexeme than a tsvector keeps
    " ".join(f"{chr(0xAC00 + n % 11172)}{chr(0xAC00 + n * 7 % 11172)}" for n in range(20000)),
)


def test_tsvector_text_is_what_to_tsvector_stored_without_the_word_breaks(
    pg_urls: list[str],
) -> None:
    texts = [
        "영등포구청 앞 불법주차 때문에 너무 불편합니다!! 주차장에 주차를 못 해요 ㅠㅠ",
        "Parking 문제 PARKING lot 123 4a5 ÀÉ ß", "", "차 한 대", *LONG_TEXTS,
    ]  # fmt: skip
    engine = create_db_engine(pg_urls[0])
    with engine.connect() as conn:
        for text in texts:
            before, now = conn.execute(
                sa.text(
                    "SELECT ts_delete(to_tsvector('simple', :old), 'qqq')::text, "
                    "CAST(:new AS tsvector)::text"
                ),
                {"old": index_text(text), "new": tsvector_text(text)},
            ).one()
            assert now == before, text[:40]
    engine.dispose()
