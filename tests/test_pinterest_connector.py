"""PinterestConnector over real HTTP against the sandbox: API, RSS, counts, deletions, limits."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from aggregator.config import Secret, load_settings
from aggregator.connector import (
    AuthExpired,
    BudgetExhausted,
    ConnectorError,
    PermissionMissing,
    RateLimited,
    RunStatus,
    SyncContext,
)
from aggregator.http import HttpClient, HttpSettings
from aggregator.models import Post
from aggregator.records import Batch, JSONValue, PostRecord
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.pinterest import LIMITED_TOKEN, SANDBOX_TOKEN, rate_limit_fault
from aggregator.sandbox.pinterest_world import SandboxPin
from aggregator.store import Store
from aggregator.sync import SyncOptions, sync_account
from connectors.pinterest.connector import BUDGET, OVERLAP, PinterestConnector
from connectors.pinterest.cursor import BOARDS, board_stream
from connectors.pinterest.settings import PinterestAccount
from tests.conftest import FakeClock

POST = Post.__table__  # type: ignore[attr-defined]


class Client:
    """An HttpClient with a fake sleep that records the waits asked for."""

    def __init__(self, retries: int = 0, deadline_in: float | None = None) -> None:
        self.sleeps: list[float] = []
        session = requests.Session()
        session.trust_env = False
        deadline = None if deadline_in is None else time.monotonic() + deadline_in
        self.http = HttpClient(
            settings=HttpSettings(retries=retries, backoff_seconds=0.0, read_timeout=10),
            session=session,
            deadline=deadline,
            sleep=self.sleeps.append,
        )

    def close(self) -> None:
        self.http.session.close()


@pytest.fixture
def client() -> Iterator[Client]:
    made = Client()
    yield made
    made.close()


@pytest.fixture
def pinterest(sandbox: Sandbox, tmp_path: Path) -> PinterestAccount:
    """The sandbox config's Pinterest account (API mode, sandbox token)."""
    settings = load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)
    account = settings.account("pinterest")
    assert isinstance(account, PinterestAccount)
    return account


def with_token(account: PinterestAccount, token: str) -> PinterestAccount:
    return account.model_copy(update={"access_token": Secret(env="PIN_TOKEN", value=token)})


def pull(
    account: PinterestAccount,
    client: Client,
    cursors: Mapping[str, JSONValue] | None = None,
    *,
    reconcile: bool = False,
    clock: FakeClock | None = None,
) -> list[Batch]:
    context = SyncContext(http=client.http, clock=clock or FakeClock(), reconcile=reconcile)
    return list(PinterestConnector(account, context).pull(cursors or {}))


def pull_failing(
    account: PinterestAccount,
    client: Client,
    cursors: Mapping[str, JSONValue] | None = None,
    clock: FakeClock | None = None,
) -> tuple[list[Batch], ConnectorError]:
    """The batches yielded before the connector raised, and the error."""
    batches: list[Batch] = []
    context = SyncContext(http=client.http, clock=clock or FakeClock())
    with pytest.raises(ConnectorError) as raised:
        batches.extend(PinterestConnector(account, context).pull(cursors or {}))
    return batches, raised.value


def cursors_after(
    batches: list[Batch], before: Mapping[str, JSONValue] | None = None
) -> dict[str, Any]:
    merged: dict[str, Any] = dict(before or {})
    for batch in batches:
        merged.update(batch.cursor_updates)
    return merged


def posts_of(batches: list[Batch]) -> dict[str, PostRecord]:
    return {p.external_id: p for b in batches for p in b.posts}


def key(pin: SandboxPin) -> str:
    return f"pin:{pin.id}"


def api_requests(sandbox: Sandbox, path: str = "/v5/") -> list[Any]:
    return sandbox.requests.find(path)


# ------------------------------------------------------------------ API: first run


def test_first_run_lists_the_boards_then_reads_each_board_with_pin_metrics(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    batches = pull(pinterest, client)
    world = sandbox.pinterest.world
    paths = [r.path for r in api_requests(sandbox)]
    assert paths == ["/v5/boards"] + [f"/v5/boards/{b.id}/pins" for b in world.boards]
    for request in api_requests(sandbox, "/v5/boards/9"):
        assert request.query["pin_metrics"] == ["true"]
        assert request.query["page_size"] == [str(pinterest.page_size)]
        assert request.header("authorization") == f"Bearer {SANDBOX_TOKEN}"
    assert set(posts_of(batches)) == {key(p) for p in world.visible_pins(sandbox.now())}
    assert sum(b.api_calls for b in batches) == 4


def test_pins_carry_comment_counts_and_say_comments_are_not_readable(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    posts = posts_of(pull(pinterest, client))
    now = sandbox.now()
    for pin in sandbox.pinterest.world.visible_pins(now):
        post = posts[key(pin)]
        assert post.comment_count == pin.comment_count(now)
        assert post.metrics["comment"] == pin.comment_count(now)
        assert post.comments_readable is False
        assert post.url == pin.url
        assert post.created_at == pin.created_at
        assert post.raw["media"]["images"]["1200x"]["url"] == pin.image("1200x")
    assert sum(p.comment_count or 0 for p in posts.values()) > 0


def test_complete_first_run_lists_every_pin_and_moves_each_board_watermark_once_read(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    batches = pull(pinterest, client)
    world = sandbox.pinterest.world
    assert all(BOARDS not in b.cursor_updates for b in batches[:-1])
    assert all(BUDGET in b.cursor_updates for b in batches)
    last = batches[-1]
    visible = world.visible_pins(sandbox.now())
    (presence,) = last.presence
    assert presence.ids == {key(p) for p in visible}
    assert last.cursor_updates[BOARDS] == {
        "ids": sorted(b.id for b in world.boards),
        "listed": "2026-11-20",
    }
    for board in world.boards:
        (written,) = [b for b in batches if board_stream(board.id) in b.cursor_updates]
        assert written.stream == board_stream(board.id)
        newest = world.visible_pins(sandbox.now(), board)[0].created_at
        assert written.cursor_updates[board_stream(board.id)] == {"watermark": newest.isoformat()}
    assert last.cursor_updates[BUDGET] == {
        "day": "2026-11-20",
        "calls": 4,
        "limit": pinterest.daily_call_budget,
    }


# ------------------------------------------------------------------ API: incremental


def test_next_run_stops_paging_each_board_at_the_watermark(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    small = pinterest.model_copy(update={"page_size": 3})
    first = pull(small, client)
    assert any("bookmark" in r.query for r in api_requests(sandbox)), "boards span pages"
    assert first[-1].presence, "the first run reads every board to its end"
    sandbox.requests.clear()

    next_day = FakeClock(datetime(2026, 11, 21, 0, 0, tzinfo=UTC))  # the boards are listed
    second = pull(small, client, cursors_after(first), clock=next_day)
    pin_requests = api_requests(sandbox, "/v5/boards/")
    assert len(pin_requests) == len(sandbox.pinterest.world.boards)
    assert not any("bookmark" in r.query for r in pin_requests)
    assert second[-1].presence == (), "an early stop never marks deletions"
    before, after = cursors_after(first), cursors_after(second, cursors_after(first))
    for board in sandbox.pinterest.world.boards:
        assert after[board_stream(board.id)] == before[board_stream(board.id)]


def test_pins_added_since_the_last_run_are_read_by_the_next(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    small = pinterest.model_copy(update={"page_size": 3})
    first = pull(small, client)
    watermark = max(p.created_at for p in posts_of(first).values())
    sandbox.advance(3 * 24 * 60)
    second = pull(small, client, cursors_after(first))
    added = {
        key(p)
        for p in sandbox.pinterest.world.visible_pins(sandbox.now())
        if p.created_at > watermark - OVERLAP
    }
    assert len(added) >= 3
    assert added <= set(posts_of(second))
    newest = max(p.created_at for p in posts_of(second).values())
    cursors = cursors_after(second)
    watermarks = [cursors[board_stream(b.id)]["watermark"] for b in sandbox.pinterest.world.boards]
    assert max(watermarks) == newest.isoformat()


def test_reconcile_run_reads_every_page_again_and_marks_presence(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    small = pinterest.model_copy(update={"page_size": 3})
    first = pull(small, client)
    calls = len(api_requests(sandbox))
    sandbox.requests.clear()
    again = pull(small, client, cursors_after(first), reconcile=True)
    assert len(api_requests(sandbox)) == calls
    assert again[-1].presence == first[-1].presence


def test_a_no_change_run_reads_each_known_board_once_and_lists_boards_once_a_day(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    boards = sandbox.pinterest.world.boards
    first = pull(pinterest, client)
    cursors = cursors_after(first)
    sandbox.requests.clear()
    later_that_day = FakeClock(datetime(2026, 11, 20, 14, 59, tzinfo=UTC))  # 23:59 KST
    second = pull(pinterest, client, cursors, clock=later_that_day)
    paths = [r.path for r in api_requests(sandbox)]
    assert paths == [f"/v5/boards/{b.id}/pins" for b in sorted(boards, key=lambda b: b.id)]
    assert sum(b.api_calls for b in second) == len(boards)
    streams = {b.stream for b in second}
    assert streams == {board_stream(b.id) for b in boards}, "one call per board stream"
    assert set(posts_of(second)) == set(posts_of(first)), "every count refreshed"
    assert second[-1].presence == (), "deletions are marked by runs that list the boards"
    assert cursors_after(second, cursors)[BOARDS] == cursors[BOARDS]

    sandbox.requests.clear()
    next_korean_day = FakeClock(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))  # 00:00 KST
    third = pull(pinterest, client, cursors_after(second, cursors), clock=next_korean_day)
    assert next(r.path for r in api_requests(sandbox)) == "/v5/boards"
    assert sum(b.api_calls for b in third) == len(boards) + 1
    assert third[-1].presence
    assert third[-1].cursor_updates[BOARDS]["listed"] == "2026-11-21"

    sandbox.requests.clear()
    pull(pinterest, client, cursors_after(third, cursors), reconcile=True, clock=next_korean_day)
    assert next(r.path for r in api_requests(sandbox)) == "/v5/boards", "reconcile lists again"


def test_a_known_board_gone_on_a_run_without_listing_lists_the_boards_next_run(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    cursors = cursors_after(pull(pinterest, client))
    board = sandbox.pinterest.world.boards[2]
    body = b'{"code": 404, "message": "Board not found."}'
    sandbox.faults.status(
        f"/v5/boards/{board.id}/pins", 404, body=body, headers={"Content-Type": "application/json"}
    )
    sandbox.requests.clear()
    batches = pull(pinterest, client, cursors)
    assert "/v5/boards" not in [r.path for r in api_requests(sandbox)]
    assert batches[-1].cursor_updates[BOARDS]["listed"] is None
    assert board.id not in batches[-1].cursor_updates[BOARDS]["ids"]
    sandbox.requests.clear()
    pull(pinterest, client, cursors_after(batches, cursors))
    assert next(r.path for r in api_requests(sandbox)) == "/v5/boards"


def test_the_cursor_of_earlier_versions_is_read_as_known_boards_and_their_watermark(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    small = pinterest.model_copy(update={"page_size": 3})
    first = cursors_after(pull(small, client))
    boards = sandbox.pinterest.world.boards
    watermark = max(first[board_stream(b.id)]["watermark"] for b in boards)
    legacy = {"pins": {"watermark": watermark, "boards": [b.id for b in boards]}}
    sandbox.requests.clear()
    batches = pull(small, client, {**legacy, BUDGET: first[BUDGET]})
    assert next(r.path for r in api_requests(sandbox)) == "/v5/boards", "listed again"
    assert not any("bookmark" in r.query for r in api_requests(sandbox)), "watermark kept"
    assert batches[-1].cursor_updates[BOARDS]["ids"] == sorted(b.id for b in boards)


def test_comment_counts_rise_as_sandbox_time_passes(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    before = posts_of(pull(pinterest, client))
    sandbox.advance(24 * 60)
    after = posts_of(pull(pinterest, client))
    now = sandbox.now()
    rose = [
        k for k, post in before.items() if (after[k].comment_count or 0) > (post.comment_count or 0)
    ]
    assert rose, "some pin got comments during the day"
    for pin in sandbox.pinterest.world.visible_pins(now):
        assert after[key(pin)].comment_count == pin.comment_count(now)
        assert after[key(pin)].comments_readable is False


def test_deleted_pin_is_marked_deleted_upstream_not_removed(
    sandbox: Sandbox, pinterest: PinterestAccount, store: Store, clock: FakeClock
) -> None:
    options = SyncOptions(http=HttpSettings(retries=0))
    first = sync_account(store, pinterest, PinterestConnector, options)
    assert first.status == RunStatus.OK, first.error
    gone = next(p for p in sandbox.pinterest.world.deleted_pins() if p.visible(sandbox.now()))
    assert gone.deleted_at is not None
    sandbox.advance((gone.deleted_at - sandbox.now()).total_seconds() / 60 + 1)
    clock.advance(days=1)  # the day's first run lists the boards and marks deletions

    second = sync_account(store, pinterest, PinterestConnector, options)
    assert second.status == RunStatus.OK, second.error
    with store.engine.connect() as conn:
        query = sa.select(POST.c.external_id, POST.c.deleted_upstream_at)
        rows: dict[str, Any] = dict(conn.execute(query).all())
    assert rows[key(gone)] is not None, "kept, marked deleted upstream"
    assert [k for k, deleted in rows.items() if deleted] == [key(gone)]


# ------------------------------------------------------------------ RSS without a token


def test_without_a_token_the_profile_feed_gives_the_same_pins_as_the_api(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    by_api = posts_of(pull(pinterest, client))
    sandbox.requests.clear()
    batches = pull(pinterest.model_copy(update={"access_token": None}), client)
    assert [r.path for r in sandbox.requests.find("/")] == ["/pinterest/hanbitgu/feed.rss"]
    by_rss = posts_of(batches)
    newest = sandbox.pinterest.world.visible_pins(sandbox.now())[:25]
    assert set(by_rss) == {key(p) for p in newest}
    for external_id, post in by_rss.items():
        api = by_api[external_id]
        assert (post.content_hash, post.created_at, post.url) == (
            api.content_hash,
            api.created_at,
            api.url,
        )
        assert post.comment_count is None
        assert post.comments_readable is False
    assert all(not b.presence for b in batches), "feeds are windows: no deletion marking"


def test_configured_boards_are_read_from_their_board_feeds(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    account = pinterest.model_copy(update={"access_token": None, "boards": ["events", "safety"]})
    batches = pull(account, client)
    assert [r.path for r in sandbox.requests.find("/")] == [
        "/pinterest/hanbitgu/events.rss",
        "/pinterest/hanbitgu/safety.rss",
    ]
    world = sandbox.pinterest.world
    wanted = [
        p
        for b in ("events", "safety")
        for p in world.visible_pins(sandbox.now(), world.board_by_slug(b))
    ]
    assert set(posts_of(batches)) == {key(p) for p in wanted}
    assert [b.stream for b in batches] == ["rss:events", "rss:safety"]


def test_unchanged_feed_is_asked_for_conditionally_and_answers_304(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    account = pinterest.model_copy(update={"access_token": None})
    first = pull(account, client)
    again = pull(account, client, cursors_after(first))
    request = sandbox.requests.find("/pinterest/")[-1]
    assert request.header("if-none-match") == first[0].cursor_updates["rss:feed"]["etag"]
    assert again[0].posts == ()
    assert again[0].cursor_updates == {}
    assert again[0].api_calls == 1


# ------------------------------------------------------------------ errors


def test_rejected_token_raises_auth_expired_naming_the_oauth_token(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    batches, error = pull_failing(with_token(pinterest, "pina-expired-0000"), client)
    assert isinstance(error, AuthExpired)
    assert "OAuth access token" in str(error)
    assert "Authentication failed" in str(error)
    assert "pina-expired-0000" not in str(error)
    assert len(api_requests(sandbox)) == 1, "no retry"
    assert batches[-1].cursor_updates[BUDGET]["calls"] == 1, "the failed call still counts"


def test_missing_scope_raises_permission_missing_naming_the_scopes(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    _, error = pull_failing(with_token(pinterest, LIMITED_TOKEN), client)
    assert isinstance(error, PermissionMissing)
    assert "boards:read and pins:read" in str(error)
    assert [r.path for r in api_requests(sandbox)][:1] == ["/v5/boards"]


def test_board_gone_mid_run_is_a_warning_and_marks_no_deletions(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    board = sandbox.pinterest.world.boards[1]
    body = b'{"code": 404, "message": "Board not found."}'
    sandbox.faults.status(
        f"/v5/boards/{board.id}/pins", 404, body=body, headers={"Content-Type": "application/json"}
    )
    batches = pull(pinterest, client)
    assert batches[-1].presence == ()
    assert any("Board not found" in w for w in batches[-1].warnings)
    assert board.id not in batches[-1].cursor_updates[BOARDS]["ids"], "read in full next run"


# ------------------------------------------------------------------ rate limits and budget


def test_429_with_a_reset_within_the_bound_waits_then_continues(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    rate_limit_fault(sandbox.faults, "/v5/boards/", reset_in=30, times=1)
    batches = pull(pinterest, client)
    assert client.sleeps == [30]
    assert len(api_requests(sandbox)) == 5
    assert batches[-1].presence, "the run still completes"
    assert batches[-1].cursor_updates[BUDGET]["calls"] == 5


def test_429_retry_after_is_what_is_waited_for(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    rate_limit_fault(sandbox.faults, "/v5/boards", retry_after=7, reset_in=500, times=1)
    pull(pinterest, client)
    assert client.sleeps == [7]


def test_429_with_a_reset_beyond_the_bound_ends_the_run_for_next_time(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    rate_limit_fault(sandbox.faults, "/v5/boards/", reset_in=3600)
    batches, error = pull_failing(pinterest, client)
    assert isinstance(error, RateLimited)
    assert error.retry_after_seconds == 3600
    assert "the next run resumes" in str(error)
    assert client.sleeps == []
    assert len(api_requests(sandbox)) == 2, "boards, then one refused board page"
    assert not any(b.cursor_updates.keys() - {BUDGET} for b in batches), "cursors stay put"
    assert cursors_after(batches)[BUDGET]["calls"] == 2


def test_429_without_headers_backs_off_a_few_times_then_gives_up(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    rate_limit_fault(sandbox.faults, "/v5/")
    _, error = pull_failing(pinterest, client)
    assert isinstance(error, RateLimited)
    policy = client.http.settings
    backoff = policy.throttle_backoff_seconds
    assert client.sleeps == [backoff * 2**n for n in range(policy.throttle_waits)]
    assert len(api_requests(sandbox)) == policy.throttle_waits + 1


def test_429_wait_never_outlasts_the_run_deadline(
    sandbox: Sandbox, pinterest: PinterestAccount
) -> None:
    short = Client(deadline_in=20)
    try:
        rate_limit_fault(sandbox.faults, "/v5/", reset_in=45, times=1)
        _, error = pull_failing(pinterest, short)
    finally:
        short.close()
    assert isinstance(error, RateLimited), "45 s fits the 60 s bound but not the run's time"
    assert short.sleeps == []


def test_sandbox_daily_quota_answers_429_until_midnight(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    sandbox.pinterest.daily_limit = 2
    _, error = pull_failing(pinterest, client)
    assert isinstance(error, RateLimited)
    third = api_requests(sandbox)[-1]
    assert third.path.startswith("/v5/boards/")
    assert error.retry_after_seconds == 24 * 3600, "the sandbox quota resets at midnight UTC"


def test_daily_budget_stops_before_the_call_that_would_exceed_it(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client
) -> None:
    budget = pinterest.model_copy(update={"daily_call_budget": 3})
    batches, error = pull_failing(budget, client)
    assert isinstance(error, BudgetExhausted)
    assert "3 of 3 calls used on 2026-11-20" in str(error)
    assert len(api_requests(sandbox)) == 3
    cursors = cursors_after(batches)
    assert cursors[BUDGET]["calls"] == 3
    assert len(posts_of(batches)) > 0, "the pages read are kept"

    sandbox.requests.clear()
    _, again = pull_failing(budget, client, cursors)
    assert isinstance(again, BudgetExhausted)
    assert api_requests(sandbox) == [], "nothing more today"

    sandbox.requests.clear()
    tomorrow = FakeClock(FakeClock().now + timedelta(hours=15))  # 00:00 in Seoul
    batches, _ = pull_failing(budget, client, cursors, tomorrow)
    assert len(api_requests(sandbox)) == 3, "a new day, a new budget"
    assert cursors_after(batches)[BUDGET] == {"day": "2026-11-21", "calls": 3, "limit": 3}


def test_budget_leaves_room_for_the_retries_of_the_next_call(
    sandbox: Sandbox, pinterest: PinterestAccount
) -> None:
    retrying = Client(retries=2)
    try:
        sandbox.faults.status("/v5/boards", 503, times=2)
        budget = pinterest.model_copy(update={"daily_call_budget": 5})
        batches, error = pull_failing(budget, retrying)
    finally:
        retrying.close()
    assert isinstance(error, BudgetExhausted)
    assert len(api_requests(sandbox)) == 3, "boards took 3 attempts; 3 more might not fit"
    assert cursors_after(batches)[BUDGET]["calls"] == 3


def test_spent_budget_is_remembered_by_the_store_across_runs(
    pinterest: PinterestAccount, store: Store
) -> None:
    budget = pinterest.model_copy(update={"daily_call_budget": 6})
    options = SyncOptions(http=HttpSettings(retries=0))
    assert sync_account(store, budget, PinterestConnector, options).ok
    second = sync_account(store, budget, PinterestConnector, options)
    assert second.status == RunStatus.BUDGET_EXHAUSTED
    assert second.api_calls == 2
    account_id = store.sync.ensure_account(budget.name, budget.platform)
    assert store.sync.cursors(account_id)[BUDGET]["calls"] == 6


def test_token_never_appears_in_logs_or_errors(
    sandbox: Sandbox, pinterest: PinterestAccount, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rate_limit_fault(sandbox.faults, "/v5/boards/", reset_in=5, times=1)
    pull(pinterest, client)
    _, error = pull_failing(with_token(pinterest, "pina-wrong-token-9999"), client)
    assert SANDBOX_TOKEN not in caplog.text
    assert "pina-wrong-token-9999" not in caplog.text + str(error)
