"""`open_store(settings)`: the one way the CLI, the scheduler, the demo and the web server
open the database (schema checked, the config's routing rules and pseudonym key applied)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.config import Settings, parse_settings
from aggregator.db import DatabaseError
from aggregator.privacy import Actor, forget
from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.store.opening import open_store
from aggregator.workflow import Role

AT = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)
KEY = "open-store-test-pseudonym-key"


def config(url: str, extra: str = "") -> Settings:
    text = f"database: {{url: '{url}'}}\n{extra}"
    return parse_settings(text, environ={"AGGREGATOR_PSEUDONYM_KEY": KEY})


def parking_complaint(author_id: str = "hong") -> Batch:
    post = PostRecord(platform="facebook", external_id="p1", created_at=AT, text="소식")
    comment = CommentRecord(
        platform="facebook", external_id="c1", created_at=AT, text="골목 불법주차 신고",
        post_external_id="p1", author_id=author_id, author_name="홍길동", raw={},
    )  # fmt: skip
    return Batch(stream="t", posts=(post,), comments=(comment,))


def test_new_comments_get_the_configs_routing_suggestions(db_url: str) -> None:
    rules = (
        "departments: [주차관리과]\n"
        "routing_rules:\n  - {name: 주차, keywords: [주차], department: 주차관리과}\n"
    )
    store = open_store(config(db_url, rules))
    try:
        store.sync.apply_batch(store.sync.ensure_account("fb", "facebook"), parking_complaint())
        with store.engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT department FROM routing_suggestion").all()
    finally:
        store.close()
    assert [row.department for row in found] == ["주차관리과"]


def test_tombstones_are_keyed_with_the_configs_pseudonym_key(db_url: str) -> None:
    keyed = "reports: {pseudonym_key: {env: AGGREGATOR_PSEUDONYM_KEY}}\n"
    settings = config(db_url, keyed)
    store = open_store(settings)
    try:
        store.sync.apply_batch(store.sync.ensure_account("fb", "facebook"), parking_complaint())
        admin = Actor(staff="admin1", role=Role.ADMIN)
        forget(store, settings, admin, "facebook", "hong", None, "본인 삭제 요청")
        with store.engine.connect() as conn:
            keyed_flags = conn.exec_driver_sql("SELECT keyed FROM privacy_tombstone").scalars()
            assert [bool(flag) for flag in keyed_flags] == [True]
    finally:
        store.close()


def test_a_database_behind_the_schema_is_refused_with_the_fix(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(DatabaseError, match="run `aggregator db upgrade`"):
        open_store(config(empty))


def test_the_url_and_clock_given_replace_the_configs(sqlite_url: str, tmp_path: Path) -> None:
    never_made = f"sqlite:///{tmp_path / 'configured.db'}"  # would be refused: no schema
    store = open_store(config(never_made), url=sqlite_url, clock=lambda: AT)
    try:
        account = store.sync.ensure_account("fb", "facebook")
        store.sync.apply_batch(account, parking_complaint())
        assert store.sync.count_rows("comment") == 1
        assert store.clock() == AT
    finally:
        store.close()
