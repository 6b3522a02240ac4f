"""The YouTube quota cannot be overshot by a sync and the answers worker running at once:
units are reserved atomically in the store (`aggregator.store.daily_units`) before each
call, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aggregator.config import load_settings
from aggregator.connector import BudgetExhausted
from aggregator.http import HttpClient
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.youtube_world import YtComment
from aggregator.store import Store
from connectors.common.reply import ReplyTarget, WriteError, WriteErrorKind
from connectors.youtube.api import SHARED, Quota, quota_day, quota_note
from connectors.youtube.quota import QUOTA_WRITES
from connectors.youtube.settings import YouTubeAccount
from connectors.youtube.write import YouTubeWriter

THREADS = 8


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables at once (a barrier releases them together); their results."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = workers[index]()
        except Exception as exc:  # reported as the result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def counted(store: Store, account_id: int, day: str) -> int:
    cursors = store.sync.cursors(account_id)
    total = 0
    for stream in SHARED:
        value = cursors.get(stream)
        if isinstance(value, dict) and value.get("day") == day:
            total += int(value["units"])
    return total


def test_racing_reservations_for_the_last_units_never_pass_the_limit(store: Store) -> None:
    account_id = store.sync.ensure_account("youtube", "youtube")
    units, day = store.sync.daily_units(account_id), "2026-12-04"
    assert units.reserve("quota", day, 20, 120, SHARED).granted
    streams = [SHARED[i % 2] for i in range(THREADS)]  # sync and worker sides interleaved
    results = race([lambda s=s: units.reserve(s, day, 50, 120, SHARED) for s in streams])
    assert sum(1 for r in results if r.granted) == 2  # 20 + 2 x 50 = 120: no third fits
    assert counted(store, account_id, day) == 120
    assert all(r.used <= 120 for r in results)


def test_a_release_gives_back_only_that_days_units(store: Store) -> None:
    account_id = store.sync.ensure_account("youtube", "youtube")
    units = store.sync.daily_units(account_id)
    units.reserve("quota", "2026-12-04", 3, 100, SHARED)
    units.release("quota", "2026-12-04", 2)
    units.release("quota", "2026-12-03", 1)  # another day: nothing to give back
    assert store.sync.cursors(account_id)["quota"] == {"day": "2026-12-04", "units": 1}


@pytest.fixture
def account(sandbox: Sandbox, tmp_path: Path) -> YouTubeAccount:
    settings = load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)
    found: Any = settings.account("youtube")
    return found.model_copy(update={"daily_quota": 400})


def open_threads(sandbox: Sandbox) -> list[YtComment]:
    world, now = sandbox.youtube.world, sandbox.now()
    found: list[YtComment] = []
    for video in world.videos(now):
        if not video.comments_disabled:
            found += [c for c in world.comments(video, now) if not c.is_reply
                      and not c.by_channel and c.status == "published"]  # fmt: skip
    return found


def test_a_sync_and_the_answers_worker_racing_never_spend_more_than_the_quota(
    store: Store, sandbox: Sandbox, account: YouTubeAccount, sandbox_client: HttpClient
) -> None:
    """The reader's reservations (3 units worst case, 1 spent) and the writer's hides (50
    units over HTTP) race for a 400-unit day; together they stop at or below 400."""
    account_id = store.sync.ensure_account("youtube", "youtube")
    now = sandbox.now()
    day = quota_day(now)
    ledger = store.sync.daily_units(account_id)
    store.sync.daily_units(account_id).reserve("quota", day, 250, 400, SHARED)  # earlier runs
    writer = YouTubeWriter(account, sandbox_client)
    writer.open_quota(store.sync.cursors(account_id), sandbox.now, lambda _s, _v: None, ledger)
    writer.token.bearer()  # the access token before the race: units race, not the refresh
    targets = [ReplyTarget("youtube", c.id, c.thread_id) for c in open_threads(sandbox)]
    google_before = sandbox.youtube.quota.used()

    def read() -> int:
        quota = Quota.load(store.sync.cursors(account_id).get("quota"), 400, now, ledger=ledger)
        calls = 0
        try:
            while True:
                quota.reserve(3)
                quota.settle(3, 1)
                calls += 1
        except BudgetExhausted:
            return calls

    def write() -> int | WriteError:
        sent = 0
        for target in targets:
            try:
                writer.set_hidden(target, True)
            except WriteError as exc:
                return sent if exc.kind is WriteErrorKind.BUDGET else exc
            sent += 1
        return sent

    reads, writes = race([read, write])
    assert isinstance(reads, int)
    assert isinstance(writes, int)
    assert writes >= 1  # both sides got units
    assert counted(store, account_id, day) == 250 + reads + 50 * writes <= 400
    assert sandbox.youtube.quota.used() - google_before == 50 * writes
    assert 400 - counted(store, account_id, day) < 50  # stopped for want of units
    note = quota_note(account, store.sync.cursors(account_id))
    assert note is not None
    assert f"{counted(store, account_id, day)} of 400 units" in note


def test_a_write_is_refused_before_the_call_when_the_sync_holds_the_last_units(
    store: Store, sandbox: Sandbox, account: YouTubeAccount, sandbox_client: HttpClient
) -> None:
    account_id = store.sync.ensure_account("youtube", "youtube")
    day = quota_day(sandbox.now())
    ledger = store.sync.daily_units(account_id)
    writer = YouTubeWriter(account, sandbox_client)
    writer.open_quota({}, sandbox.now, lambda _s, _v: None, ledger)  # opened at 0 units
    ledger.reserve("quota", day, 360, 400, SHARED)  # the sync spent them since
    with pytest.raises(WriteError) as caught:
        writer.set_hidden(ReplyTarget("youtube", open_threads(sandbox)[0].id, None), True)
    assert caught.value.kind is WriteErrorKind.BUDGET
    assert "360 of 400" in caught.value.message
    assert sandbox.requests.find("/youtube/v3/comments", method="POST") == []
    assert QUOTA_WRITES not in store.sync.cursors(account_id)
