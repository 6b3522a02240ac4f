"""One contract every connector keeps, run over every account the sandbox config offers.

Unique keys, aware UTC times, raw payloads kept and JSON-safe, cursors JSON-safe, and
an idempotent second run. Later platforms join automatically when the sandbox config
lists their accounts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from aggregator.config import load_settings
from aggregator.connector import SyncContext
from aggregator.http import HttpClient
from aggregator.records import Batch, JSONValue
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.store import Store
from aggregator.sync import sync_account
from connectors import factory_for
from tests.conftest import FakeClock

ACCOUNT_NAMES = [a["name"] for a in build_config("http://127.0.0.1:1")["accounts"]]


@pytest.fixture
def account(request: pytest.FixtureRequest, sandbox: Sandbox, tmp_path: Path) -> Any:
    config = sandbox.write_config(tmp_path / "config.yaml")
    return load_settings(config, environ=SANDBOX_ENV).account(request.param)


def pull_all(account: Any, cursors: dict[str, JSONValue]) -> Iterator[Batch]:
    http = HttpClient()
    try:
        context = SyncContext(http=http, clock=FakeClock())
        yield from factory_for(account.platform)(account, context).pull(cursors)
    finally:
        http.session.close()


@pytest.mark.parametrize("account", ACCOUNT_NAMES, indirect=True)
def test_records_have_unique_keys_utc_times_and_json_raw(account: Any) -> None:
    batches = list(pull_all(account, {}))
    posts = [p for b in batches for p in b.posts]
    assert posts, "every sandbox account has posts"
    keys = [(p.platform, p.external_id) for p in posts]
    assert len(keys) == len(set(keys))
    comments = {(c.platform, c.external_id): c for b in batches for c in b.comments}
    for record in [*posts, *comments.values()]:
        assert record.platform == account.platform
        assert record.created_at.tzinfo is UTC
        assert record.raw, f"{record.external_id} keeps its raw payload"
        json.dumps(record.raw)
    for batch in batches:
        json.dumps(batch.cursor_updates)
        assert batch.api_calls >= 1


@pytest.mark.parametrize("account", ACCOUNT_NAMES, indirect=True)
def test_second_run_is_idempotent(account: Any, sqlite_url: str) -> None:
    from aggregator.db import create_db_engine

    store = Store(create_db_engine(sqlite_url))
    factory = factory_for(account.platform)
    first = sync_account(store, account, factory)
    second = sync_account(store, account, factory)
    store.close()
    assert first.ok, first.error
    assert second.ok, second.error
    assert (second.posts.new, second.posts.updated) == (0, 0)
    assert (second.comments.new, second.comments.updated) == (0, 0)
