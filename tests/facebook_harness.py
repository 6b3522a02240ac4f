"""A Facebook Page account synced into a real store from the sandbox, for connector tests.

`FacebookHarness.sync()` runs `sync_account` over real HTTP with a fake sleep (waits are
recorded, never slept) and the sandbox clock as the store's clock, so the comment window
is measured in sandbox time.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from aggregator.connector import SyncContext
from aggregator.db import create_db_engine
from aggregator.http import HttpSettings
from aggregator.sandbox import LoggedRequest, Sandbox
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.store import Store
from aggregator.sync import RunResult, SyncOptions, sync_account
from connectors.facebook.connector import FacebookConnector
from connectors.facebook.settings import FacebookAccount

PAGE = "104392018734562"
SECRET = "app-secret-value-for-tests"
ENV = {"FB_TOKEN": PAGE_TOKEN, "FB_SECRET": SECRET, "FB_WRONG": "EAAWrongToken0000000000"}


class Sleeps(list[float]):
    """A fake sleep that records what it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_account(sandbox: Sandbox, **overrides: Any) -> FacebookAccount:
    """A Facebook account pointing at the sandbox (token from `ENV`)."""
    data = {
        "name": "facebook-page",
        "platform": "facebook",
        "page_id": PAGE,
        "access_token": {"env": "FB_TOKEN"},
        "graph_url": sandbox.base_url + "/",
        **overrides,
    }
    return FacebookAccount.model_validate(data, context={"environ": ENV})


class FacebookHarness:
    """One sandbox Page synced into one store."""

    def __init__(self, sandbox: Sandbox, db_url: str, **overrides: Any) -> None:
        self.sandbox = sandbox
        self.store = Store(create_db_engine(db_url), clock=sandbox.now)
        self.account = make_account(sandbox, **overrides)
        self.sleeps = Sleeps()

    def close(self) -> None:
        self.store.close()

    def connector(self, account: FacebookAccount, context: SyncContext) -> FacebookConnector:
        return FacebookConnector(account, context, sleep=self.sleeps)

    def sync(
        self, reconcile: bool = False, http: HttpSettings | None = None, **overrides: Any
    ) -> RunResult:
        """One run; the sandbox's request log then holds exactly this run's requests."""
        account = make_account(self.sandbox, **overrides) if overrides else self.account
        self.sandbox.requests.clear()
        options = SyncOptions(reconcile=reconcile, http=http or HttpSettings())
        return sync_account(self.store, account, self.connector, options)

    def graph_requests(self, part: str = "") -> list[LoggedRequest]:
        return [r for r in self.sandbox.requests.find("/v25.0/") if part in r.path]

    def comments(self) -> dict[str, dict[str, Any]]:
        return self._rows("comment")

    def posts(self) -> dict[str, dict[str, Any]]:
        return self._rows("post")

    def revisions(self) -> list[str]:
        with self.store.engine.connect() as conn:
            return [r.text for r in conn.execute(sa.text("SELECT text FROM content_revision"))]

    def cursors(self) -> dict[str, Any]:
        return self.store.sync.cursors(self.store.sync.ensure_account("facebook-page", "facebook"))

    def _rows(self, table: str) -> dict[str, dict[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT * FROM {table} WHERE platform = 'facebook'"))
            return {r.external_id: dict(r._mapping) for r in rows}

    # what the sandbox shows now ---------------------------------------------------------

    def visible_comments(self) -> dict[str, Any]:
        """Every comment of every visible post, by node id."""
        graph = self.sandbox.graph
        return {c.node_id: c for p in graph.post_ids() for c in graph.comment_nodes(p)}

    def counts(self) -> dict[str, int]:
        graph = self.sandbox.graph
        return {p: len(graph.comment_nodes(p)) for p in graph.post_ids()}
