"""The YouTube connector against the sandbox over real HTTP: calls and quota units per sync."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aggregator.connector import BudgetExhausted, RateLimited, SyncContext
from aggregator.http import HttpClient
from aggregator.records import Batch, JSONValue
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.sandbox.youtube import OAUTH_TOKEN
from aggregator.sandbox.youtube_render import GoogleError
from connectors.youtube.connector import YouTubeConnector
from connectors.youtube.settings import YouTubeAccount


def account(sandbox: Sandbox, **changes: Any) -> YouTubeAccount:
    entry = next(a for a in build_config(sandbox.base_url)["accounts"] if a["name"] == "youtube")
    entry = {**entry, "write_access_token": None, **changes}
    return YouTubeAccount.model_validate(entry, context={"environ": SANDBOX_ENV})


def units(sandbox: Sandbox) -> int:
    shown = requests.get(sandbox.base_url + "/_sandbox/youtube/quota", timeout=5).json()
    return sum(int(project["used"]) for project in shown["projects"].values())


def sync(
    sandbox: Sandbox, client: HttpClient, cursors: dict[str, JSONValue], **changes: Any
) -> list[Batch]:
    connector = YouTubeConnector(account(sandbox, **changes), SyncContext(client, sandbox.now))
    batches = []
    for batch in connector.pull(cursors):
        batches.append(batch)
        cursors.update(batch.cursor_updates)
    return batches


def calls(batches: list[Batch]) -> int:
    return sum(b.api_calls for b in batches)


def reply(sandbox: Sandbox, thread_id: str, text: str) -> None:
    answer = requests.post(
        sandbox.base_url + "/youtube/v3/comments?part=snippet",
        json={"snippet": {"parentId": thread_id, "textOriginal": text}},
        headers={"Authorization": f"Bearer {OAUTH_TOKEN}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text


def test_first_sync_reads_videos_and_threads_with_the_districts_own_replies(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    batches = sync(sandbox, sandbox_client, {})
    posts = {p.external_id for b in batches for p in b.posts}
    comments = [c for b in batches for c in b.comments]
    assert posts
    assert comments
    assert {c.post_external_id for c in comments} <= posts
    assert any(c.by_account_owner for c in comments)
    assert len({c.external_id for c in comments}) == len(comments)


def test_more_replies_than_a_thread_carries_on_an_old_thread_are_read_by_comments_list(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    cursors: dict[str, JSONValue] = {}
    first = sync(sandbox, sandbox_client, cursors)
    oldest = min((c for b in first for c in b.comments if c.parent_external_id is None),
                 key=lambda c: c.created_at)  # fmt: skip
    for number in range(7):
        reply(sandbox, oldest.external_id, f"주차 단속 안내 {number}번째 답변입니다")
    later = sync(sandbox, sandbox_client, cursors)
    new = [c for b in later for c in b.comments if c.parent_external_id == oldest.external_id]
    assert {f"주차 단속 안내 {n}번째 답변입니다" for n in range(7)} <= {c.text for c in new}


def test_no_change_sync_makes_one_call_per_stream_and_spends_two_units(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    cursors: dict[str, JSONValue] = {}
    sync(sandbox, sandbox_client, cursors)
    before = units(sandbox)
    again = sync(sandbox, sandbox_client, cursors)
    assert calls(again) == 2  # playlistItems (posts), videos.list statistics (comments)
    assert units(sandbox) - before == 2
    assert not [c for b in again for c in b.comments]


def test_new_comments_are_read_only_on_the_videos_whose_count_changed(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    cursors: dict[str, JSONValue] = {}
    first = sync(sandbox, sandbox_client, cursors)
    sandbox.advance(24 * 60)
    later = sync(sandbox, sandbox_client, cursors)
    assert calls(later) < calls(first)
    assert [c for b in later for c in b.comments]
    quota = cursors["quota"]
    assert isinstance(quota, dict)
    assert quota["units"] == units(sandbox)


def test_run_that_would_pass_the_daily_quota_stops_budget_exhausted(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    cursors: dict[str, JSONValue] = {}
    with pytest.raises(BudgetExhausted, match="daily quota"):
        sync(sandbox, sandbox_client, cursors, daily_quota=12)
    quota = cursors["quota"]
    assert isinstance(quota, dict)
    assert isinstance(quota["units"], int)
    assert quota["units"] <= 12


def test_quota_exceeded_from_google_ends_the_run_budget_exhausted(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    sandbox.youtube.fail("quota_exceeded", times=None)
    with pytest.raises(BudgetExhausted, match="quotaExceeded"):
        sync(sandbox, sandbox_client, {})


def test_rate_limit_exceeded_403_longer_than_the_run_may_wait_ends_it_throttled(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    limited = GoogleError(403, "rateLimitExceeded", "The request rate is too high.", "youtube")
    sandbox.youtube.fail(limited, times=None)
    with pytest.raises(RateLimited, match="rateLimitExceeded"):
        sync(sandbox, sandbox_client, {}, max_throttle_wait_seconds=0)


def test_video_whose_threads_answer_comments_disabled_is_skipped_with_a_note(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    off = GoogleError(403, "commentsDisabled", "The video has disabled comments.", "youtube")
    sandbox.youtube.fail(off, path_contains="commentThreads")
    cursors: dict[str, JSONValue] = {}
    batches = sync(sandbox, sandbox_client, cursors)
    notes = [w for b in batches for w in b.warnings if "commentsDisabled" in w]
    assert len(notes) == 1
    assert [c for b in batches for c in b.comments]  # the other videos were read
    again = sync(sandbox, sandbox_client, cursors)
    assert calls(again) == 2  # the video is not asked again while its count stays
    assert not [w for b in again for w in b.warnings]
