"""The sync engine with in-process fake connectors, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
import requests

from aggregator.connector import AuthExpired, ParseError, RunStatus, SyncContext
from aggregator.records import Batch, CommentRecord, PostRecord
from aggregator.store import Store
from aggregator.store.locks import Holder
from aggregator.sync import AlreadyRunning, SyncOptions, sync_account
from tests.conftest import FakeClock

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FakeAccount:
    name: str = "fake"
    platform: str = "blog"
    display_name: str | None = None


def page(n: int, cursor: Mapping[str, Any] | None = None) -> Batch:
    posts = (PostRecord(platform="blog", external_id=f"p{n}", created_at=T0, text="공지"),)
    comments = tuple(
        CommentRecord(
            platform="blog",
            external_id=f"c{n}-{i}",
            created_at=T0 + timedelta(minutes=i),
            text=f"소음 민원 {i}",
            post_external_id=f"p{n}",
        )
        for i in range(3)
    )
    return Batch(
        stream="comments", posts=posts, comments=comments, cursor_updates=cursor or {}, api_calls=1
    )


class PagedConnector:
    """Yields `pages` pages; the cursor records the last page stored."""

    platform: ClassVar[str] = "blog"
    fail_after: int | None = None
    error: Exception = ParseError("feed is not XML")

    def __init__(self, account: Any, context: SyncContext, pages: int = 3) -> None:
        self.context, self.pages = context, pages
        self.seen_cursors: Mapping[str, Any] = {}

    def pull(self, cursors: Mapping[str, Any]) -> Iterator[Batch]:
        start = int(cursors.get("comments", {}).get("page", 0))
        for n in range(start + 1, self.pages + 1):
            if self.fail_after is not None and n > self.fail_after:
                raise self.error
            yield page(n, {"comments": {"page": n}})


def factory(**attrs: Any) -> Any:
    def build(account: Any, context: SyncContext) -> PagedConnector:
        connector = PagedConnector(account, context)
        for key, value in attrs.items():
            setattr(connector, key, value)
        return connector

    return build


def test_successful_run_stores_pages_and_records_the_run(store: Store) -> None:
    result = sync_account(store, FakeAccount(), factory())
    assert result.status == RunStatus.OK
    assert (result.posts.new, result.comments.new, result.api_calls) == (3, 9, 3)
    run = store.sync.run(result.run_id or 0)
    assert run["status"] == "ok"
    assert (run["comments_new"], run["posts_new"], run["api_calls"]) == (9, 3, 3)
    assert run["finished_at"] is not None
    assert run["trigger"] == "manual"


def test_failure_keeps_the_pages_stored_before_it(store: Store) -> None:
    result = sync_account(store, FakeAccount(), factory(fail_after=2))
    assert result.status == RunStatus.PARSE_ERROR
    assert result.error == "feed is not XML"
    assert store.sync.count_rows("comment") == 6
    account_id = store.sync.ensure_account("fake", "blog")
    assert store.sync.cursors(account_id) == {"comments": {"page": 2}}


def test_rerun_after_failure_resumes_from_the_cursor(store: Store) -> None:
    sync_account(store, FakeAccount(), factory(fail_after=1))
    result = sync_account(store, FakeAccount(), factory())
    assert result.status == RunStatus.OK
    assert (result.comments.new, result.comments.unchanged) == (6, 0)
    assert store.sync.count_rows("comment") == 9


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AuthExpired("token expired"), RunStatus.NEEDS_REAUTH),
        (requests.ConnectionError("boom"), RunStatus.FAILED),
        (ZeroDivisionError("bug"), RunStatus.FAILED),
    ],
)
def test_errors_become_run_statuses_not_exceptions(
    store: Store, error: Exception, status: str
) -> None:
    result = sync_account(store, FakeAccount(), factory(fail_after=0, error=error))
    assert result.status == status
    assert store.sync.run(result.run_id or 0)["status"] == status
    assert result.error


def test_a_second_sync_of_a_locked_account_refuses(store: Store) -> None:
    account_id = store.sync.ensure_account("fake", "blog")
    other = Holder("another-host", 1234, "t")
    assert store.sync.acquire_lock(account_id, other, timedelta(minutes=30)) is None
    with pytest.raises(AlreadyRunning, match="already being synced by another-host"):
        sync_account(store, FakeAccount(), factory())
    assert store.sync.count_rows("sync_run") == 0


def test_lock_is_released_after_a_run(store: Store) -> None:
    sync_account(store, FakeAccount(), factory(fail_after=1))
    account_id = store.sync.ensure_account("fake", "blog")
    assert store.sync.acquire_lock(account_id, Holder.this_process(), timedelta(minutes=1)) is None


def test_expired_lock_is_taken_over(store: Store, clock: FakeClock) -> None:
    account_id = store.sync.ensure_account("fake", "blog")
    store.sync.acquire_lock(account_id, Holder("another-host", 1, "t"), timedelta(minutes=10))
    clock.advance(minutes=11)
    assert sync_account(store, FakeAccount(), factory()).ok


def test_lock_of_a_dead_local_process_is_taken_over(store: Store) -> None:
    account_id = store.sync.ensure_account("fake", "blog")
    dead = Holder(Holder.this_process().host, _dead_pid(), "t")
    store.sync.acquire_lock(account_id, dead, timedelta(hours=1))
    assert sync_account(store, FakeAccount(), factory()).ok


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_deadline_ends_the_run_with_what_was_stored(store: Store) -> None:
    result = sync_account(store, FakeAccount(), factory(), SyncOptions(deadline_seconds=-1))
    assert result.status == RunStatus.DEADLINE
    assert store.sync.count_rows("comment") == 3


class NewestFirstConnector(PagedConnector):
    """A newest-first stream: only the page that completes the window moves the cursor."""

    def pull(self, cursors: Mapping[str, Any]) -> Iterator[Batch]:
        newest = self.pages
        for n in range(newest, 0, -1):  # newest page first
            if self.fail_after is not None and newest - n >= self.fail_after:
                raise self.error
            done = {"comments": {"newest_page": newest}} if n == 1 else None
            yield page(n, done)


def test_newest_first_cursor_moves_only_when_the_window_is_complete(store: Store) -> None:
    """E11: killed after 2 of 5 newest-first pages, the cursor has not moved past page 3."""

    def build(fail_after: int | None) -> Any:
        def make(account: Any, context: SyncContext) -> NewestFirstConnector:
            connector = NewestFirstConnector(account, context, pages=5)
            connector.fail_after = fail_after
            return connector

        return make

    failed = sync_account(store, FakeAccount(), build(fail_after=2))
    account_id = store.sync.ensure_account("fake", "blog")
    assert failed.status == RunStatus.PARSE_ERROR
    assert store.sync.cursors(account_id) == {}
    assert store.sync.count_rows("comment") == 6
    rerun = sync_account(store, FakeAccount(), build(fail_after=None))
    assert rerun.ok
    assert (rerun.comments.new, rerun.comments.unchanged) == (9, 6)
    assert store.sync.cursors(account_id) == {"comments": {"newest_page": 5}}
