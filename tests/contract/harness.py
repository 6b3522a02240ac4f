"""Drive one contract case: settings for its sandbox, runs that record their batches, rows.

Runs go through `aggregator.sync.sync_account` exactly as the CLI and the scheduler run
them (lock, cursors, one transaction per page, run record); a `Recorder` wraps the
connector factory only to keep the batches it yielded and the waits it asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import yaml

from aggregator.config import parse_settings
from aggregator.connector import Connector, SyncContext
from aggregator.db import create_db_engine
from aggregator.records import Batch, CommentRecord, JSONValue, PostRecord
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, SANDBOX_NETWORKS
from aggregator.store import Store
from aggregator.sync import RunResult, SyncOptions, sync_account
from connectors import factory_for
from tests.contract.cases import ContractCase
from tests.fixtures_sandbox import LOOPBACK_HTTP

Record = PostRecord | CommentRecord
# What staff see of a record; fetch times differ between runs and are left out.
ROW_COLUMNS = "platform, external_id, content_hash, hidden_upstream, deleted_upstream_at"
POST_ROWS = f"select {ROW_COLUMNS}, comment_count from post"
COMMENT_ROWS = f"select {ROW_COLUMNS}, kind, post_external_id, parent_external_id from comment"


def account_settings(case: ContractCase, sandbox: Sandbox) -> Any:
    """The validated settings of the case's account, pointed at `sandbox`."""
    config = {
        "http": {"allow_private_networks": SANDBOX_NETWORKS},
        "accounts": [case.account(sandbox.base_url)],
    }
    text = yaml.safe_dump(config, allow_unicode=True)
    settings = parse_settings(text, source=f"contract case {case.id}", environ=SANDBOX_ENV)
    return settings.accounts[0]


@dataclass
class Recorder:
    """A connector factory that builds the platform's connector and keeps its batches.

    Every wait the connector asks for is recorded in `sleeps` instead of slept.
    """

    platform: str
    batches: list[Batch] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def __call__(self, account: Any, context: SyncContext) -> Connector:
        context.http.sleep = self.sleeps.append
        connector = factory_for(self.platform)(account, context)
        recorder = self

        class Recording:
            platform = connector.platform

            def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
                for batch in connector.pull(cursors):
                    recorder.batches.append(batch)
                    yield batch

        return Recording()

    def by_stream(self) -> dict[str, list[Batch]]:
        """The batches of each page stream (`Batch.stream`), in order."""
        streams: dict[str, list[Batch]] = {}
        for batch in self.batches:
            streams.setdefault(batch.stream, []).append(batch)
        return streams

    def records(self) -> list[Record]:
        """Every post and comment yielded, in order."""
        return [r for b in self.batches for r in (*b.posts, *b.comments)]


@dataclass
class Harness:
    """One case's account and a database to sync it into."""

    case: ContractCase
    account: Any
    store: Store

    @classmethod
    def open(cls, case: ContractCase, sandbox: Sandbox, database_url: str) -> Harness:
        """Settings for `sandbox` and a store on `database_url` (closed by `close`)."""
        store = Store(create_db_engine(database_url))
        return cls(case, account_settings(case, sandbox), store)

    def close(self) -> None:
        """Dispose of the store's engine."""
        self.store.close()

    def run(self, recorder: Recorder | None = None, **options: Any) -> RunResult:
        """One sync run as the CLI makes it, with loopback HTTP limits and `options`."""
        factory = recorder or Recorder(self.case.platform)
        settings = SyncOptions(http=LOOPBACK_HTTP, **options)
        return sync_account(self.store, self.account, factory, settings)

    @property
    def account_id(self) -> int:
        return self.store.sync.ensure_account(self.account.name, self.account.platform)

    def cursors(self) -> dict[str, JSONValue]:
        """The stored cursors, without the streams that only count spending."""
        stored = self.store.sync.cursors(self.account_id)
        return {k: v for k, v in stored.items() if k not in self.case.usage_streams}

    def rows(self) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        """The stored posts and comments as staff would see them."""
        with self.store.engine.connect() as conn:
            posts = {tuple(r) for r in conn.execute(sa.text(POST_ROWS))}
            comments = {tuple(r) for r in conn.execute(sa.text(COMMENT_ROWS))}
        return posts, comments

    def run_record(self, result: RunResult) -> dict[str, Any]:
        """The stored `sync_run` row of `result`."""
        return self.store.sync.run(result.run_id or 0)
