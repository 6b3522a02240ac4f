"""SQLite under a sync writer plus UI readers and writers: WAL, busy timeout, BEGIN IMMEDIATE."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from aggregator.db import create_db_engine, write_transaction
from aggregator.records import Batch, CommentRecord
from aggregator.store import Store

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_write_transactions_begin_immediate(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with write_transaction(engine) as conn:
        conn.exec_driver_sql("SELECT 1")
    assert "BEGIN IMMEDIATE" in statements
    engine.dispose()


def comments(batch_no: int, size: int = 50) -> Batch:
    records = tuple(
        CommentRecord(
            platform="blog",
            external_id=f"c{batch_no}-{i}",
            created_at=T0 + timedelta(seconds=i),
            text=f"쓰레기 수거 요청 {batch_no}-{i}",
        )
        for i in range(size)
    )
    return Batch(stream="comments", comments=records, cursor_updates={"comments": batch_no})


def test_sync_writer_and_ui_readers_and_writers_never_see_database_is_locked(
    sqlite_url: str,
) -> None:
    """S8: a writer storing pages, 4 readers and 2 staff writers at once, zero lock errors."""
    engine = create_db_engine(sqlite_url, poolclass=sa.pool.NullPool)
    store = Store(engine)
    account_id = store.sync.ensure_account("blog-a", "blog")
    errors: list[BaseException] = []
    stop = threading.Event()

    def guarded(work: object) -> None:
        try:
            while not stop.is_set():
                work()  # type: ignore[operator]
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    def read() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT count(*) FROM comment WHERE text LIKE '%수거%'")).scalar()

    def staff_write() -> None:
        with write_transaction(engine) as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM comment")).scalar()
            conn.execute(
                sa.text("UPDATE account SET display_name = :n WHERE id = :id"),
                {"n": f"읽음 {count}", "id": account_id},
            )

    threads = [threading.Thread(target=guarded, args=(w,)) for w in [read] * 4 + [staff_write] * 2]
    for thread in threads:
        thread.start()
    try:
        for n in range(40):
            store.sync.apply_batch(account_id, comments(n))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    engine.dispose()
    assert errors == []
    assert store.sync.count_rows("comment") == 40 * 50


def test_negative_control_deferred_read_then_write_hits_busy(sqlite_url: str) -> None:
    """S9: why BEGIN IMMEDIATE: a deferred transaction that reads, then writes, fails at once."""
    path = sqlite_url.removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None, timeout=5)
    reader = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        reader.execute("BEGIN")  # deferred
        reader.execute("SELECT count(*) FROM account").fetchone()
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO account (name, platform, created_at) VALUES ('x', 'blog', '2026-01-01')"
        )
        writer.execute("COMMIT")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match=r"locked|busy"):
            reader.execute("UPDATE account SET display_name = 'y'")
        assert time.monotonic() - started < 1, "the upgrade fails without waiting for the timeout"
    finally:
        reader.close()
        writer.close()
