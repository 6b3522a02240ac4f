"""Driver-level inserts (open items, routing suggestions) store exactly what SQLAlchemy's
statement stores, on both back ends, and skip stored keys when asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from aggregator.db import write_transaction
from aggregator.records import Batch, CommentRecord
from aggregator.store import Store
from aggregator.store.bulk_insert import convert_row, insert_rows, plain_columns, sqlite_plan
from aggregator.store.pg_upsert import pg_insert_plan
from aggregator.store.tables import COMMENT, OPEN_ITEM, SUGGESTION

AT = datetime(2026, 11, 20, 3, 4, 5, 678901, tzinfo=UTC)
SEOUL = timezone(timedelta(hours=9))


def stored_comments(store: Store, n: int) -> list[int]:
    account = store.sync.ensure_account("fb", "facebook")
    records = tuple(
        CommentRecord(platform="facebook", external_id=f"c{i}", created_at=AT, text=f"민원 {i}")
        for i in range(n)
    )
    store.sync.apply_batch(account, Batch(stream="t", comments=records))
    with store.engine.connect() as conn:
        return sorted(conn.exec_driver_sql("SELECT id FROM comment").scalars())


def rows_of(comment_id: int) -> dict[sa.Table, dict[str, Any]]:
    return {
        OPEN_ITEM: {
            "comment_id": comment_id,
            "department": "주차관리과",
            "created_at": AT.astimezone(SEOUL),
            "deadline": None,
        },
        SUGGESTION: {
            "comment_id": comment_id,
            "department": "청소행정과",
            "tags": ["쓰레기", "무단투기"],
            "priority": "high",
            "spam": False,
            "rules": ["쓰레기"],
            "created_at": AT,
        },
    }


def read(store: Store, table: sa.Table, comment_id: int) -> dict[str, Any]:
    """The row as SQLAlchemy reads it, and as the driver stored it (text on SQLite)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.comment_id == comment_id)).one()
        raw = conn.exec_driver_sql(
            f"SELECT * FROM {table.name} WHERE comment_id = {int(comment_id)}"
        ).one()
    found = {k: v for k, v in row._mapping.items() if k not in ("comment_id", "id")}
    found["driver values"] = [v for k, v in raw._mapping.items() if k != "comment_id"]
    return found


def test_driver_inserts_store_what_sqlalchemy_stores(store: Store) -> None:
    driver, core = stored_comments(store, 2)
    with write_transaction(store.engine) as conn:
        for table in (OPEN_ITEM, SUGGESTION):
            conn.execute(sa.delete(table))
            insert_rows(conn, table, [rows_of(driver)[table]])
            conn.execute(sa.insert(table), [rows_of(core)[table]])
    for table in (OPEN_ITEM, SUGGESTION):
        assert read(store, table, driver) == read(store, table, core)
    assert read(store, SUGGESTION, driver)["tags"] == ["쓰레기", "무단투기"]
    assert read(store, OPEN_ITEM, driver)["created_at"] == AT


def test_ignore_skips_stored_keys_and_stores_the_rest(store: Store) -> None:
    first, second = stored_comments(store, 2)
    with write_transaction(store.engine) as conn:
        conn.execute(sa.delete(SUGGESTION))
        insert_rows(conn, SUGGESTION, [rows_of(first)[SUGGESTION]])
        again = {**rows_of(first)[SUGGESTION], "department": "환경과"}
        insert_rows(conn, SUGGESTION, [again, rows_of(second)[SUGGESTION]], ignore=True)
    assert read(store, SUGGESTION, first)["department"] == "청소행정과"
    assert read(store, SUGGESTION, second)["department"] == "청소행정과"


@pytest.mark.parametrize("table", [OPEN_ITEM, SUGGESTION])
def test_the_driver_path_is_used_for_open_items_and_suggestions(table: sa.Table) -> None:
    keys = tuple(rows_of(1)[table])
    assert sqlite_plan(sqlite.dialect(), table, keys) is not None
    pg = postgresql.psycopg.dialect()  # type: ignore[attr-defined]
    plan = pg_insert_plan(pg, table, keys, " ON CONFLICT DO NOTHING")
    assert plan is not None
    assert "VARCHAR(" not in plan.sql


def test_plain_columns_read_what_sqlalchemy_reads(store: Store) -> None:
    """Stored comments and open items read back with the fast conversions equal what
    SQLAlchemy's result processing returns (aware UTC datetimes, JSON, booleans)."""
    stored_comments(store, 3)
    for table in (COMMENT, OPEN_ITEM):
        columns = list(table.c)
        with store.engine.connect() as conn:
            expected = [list(r) for r in conn.execute(sa.select(*columns).order_by(columns[0]))]
            selected, converters = plain_columns(conn, columns)
            query = sa.select(*selected).order_by(columns[0])
            found = [convert_row(r, converters) for r in conn.execute(query)]
        assert found == expected
        assert len(found) == 3
        moment = found[0][[c.key for c in columns].index("created_at")]
        assert moment.tzinfo is UTC
