"""Answering and moderating on YouTube: the error mapping, the quota units each call
spends (and the refusal before a call that would pass the daily quota), and the writer
over real HTTP against the sandbox with the owner's Bearer token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aggregator.config import load_settings
from aggregator.connector import BudgetExhausted
from aggregator.http import HttpClient
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.youtube import API_KEY, OAUTH_TOKEN
from aggregator.sandbox.youtube_world import CHANNEL_ID, YtComment
from connectors.common.reply import ReplyTarget, WriteError, WriteErrorKind
from connectors.youtube.api import Quota, quota_day, quota_note
from connectors.youtube.quota import QUOTA_WRITES, next_reset
from connectors.youtube.settings import YouTubeAccount
from connectors.youtube.write import READ_BACK_PAGES, YouTubeWriter
from connectors.youtube.write_errors import write_error

ANSWER = "안녕하세요, 한빛구청입니다. 영상 관련 문의는 홍보과(02-1234-5600)로 연락 주세요."
NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


@pytest.fixture
def account(sandbox: Sandbox, tmp_path: Path) -> YouTubeAccount:
    settings = load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)
    found: Any = settings.account("youtube")
    assert isinstance(found, YouTubeAccount)
    return found


@pytest.fixture
def writer(sandbox: Sandbox, account: YouTubeAccount, sandbox_client: HttpClient) -> YouTubeWriter:
    made = YouTubeWriter(account, sandbox_client)
    made.open_quota({}, sandbox.now, lambda _s, _v: None)
    return made


def open_thread(sandbox: Sandbox, skip: int = 0) -> YtComment:
    """A published top-level comment on a video with comments on."""
    world, now = sandbox.youtube.world, sandbox.now()
    found = []
    for video in world.videos(now):
        if video.comments_disabled:
            continue
        found += [c for c in world.comments(video, now) if not c.is_reply and not c.by_channel
                  and c.status == "published"]  # fmt: skip
    assert len(found) > skip
    return found[skip]


def target(comment: YtComment) -> ReplyTarget:
    return ReplyTarget("youtube", comment.id, comment.thread_id)


def channel_replies(sandbox: Sandbox, thread: YtComment) -> list[YtComment]:
    world, now = sandbox.youtube.world, sandbox.now()
    video = world.video(thread.video_id, now)
    assert video is not None
    return [
        c
        for c in world.comments(video, now)
        if c.thread_id == thread.id and c.is_reply and c.author_channel_id == CHANNEL_ID
    ]


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (401, "authError", WriteErrorKind.AUTH),
        (401, "required", WriteErrorKind.AUTH),
        (403, "forbidden", WriteErrorKind.PERMISSION),
        (403, "insufficientPermissions", WriteErrorKind.PERMISSION),
        (403, "ineligibleAccount", WriteErrorKind.PERMISSION),
        (403, "commentsDisabled", WriteErrorKind.CLOSED),
        (403, "quotaExceeded", WriteErrorKind.BUDGET),
        (403, "rateLimitExceeded", WriteErrorKind.RATE_LIMITED),
        (429, None, WriteErrorKind.RATE_LIMITED),
        (404, "parentCommentNotFound", WriteErrorKind.TARGET_GONE),
        (404, "commentNotFound", WriteErrorKind.TARGET_GONE),
        (400, "commentTextTooLong", WriteErrorKind.INVALID),
        (400, "processingFailure", WriteErrorKind.INVALID),
        (400, "operationNotSupported", WriteErrorKind.INVALID),
        (500, "backendError", WriteErrorKind.NETWORK),
        (503, "backendError", WriteErrorKind.NETWORK),
    ],
)
def test_google_errors_map_to_write_error_kinds(
    status: int, reason: str | None, kind: WriteErrorKind
) -> None:
    error = write_error(status, reason, "message", NOW)
    assert error.kind is kind
    assert f"HTTP {status}" in error.message
    assert error.staff_message


def test_quota_exceeded_is_retried_five_minutes_after_midnight_pacific() -> None:
    error = write_error(403, "quotaExceeded", "exceeded your quota", NOW)
    assert error.retry_at == next_reset(NOW) == datetime(2026, 12, 5, 8, 5, tzinfo=UTC)
    assert "할당량" in error.staff_message


def test_a_reply_costs_50_units_and_goes_with_a_refreshed_bearer_token_not_the_key(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    """The written config's account refreshes its token at the sandbox's token endpoint."""
    thread = open_thread(sandbox)
    before = sandbox.youtube.quota.used()
    posted = writer.post_reply(target(thread), ANSWER)
    [reply] = channel_replies(sandbox, thread)
    assert (reply.id, reply.text) == (posted.platform_id, ANSWER)
    assert posted.url == f"https://www.youtube.com/watch?v={thread.video_id}&lc={reply.id}"
    assert writer.units == 50 == sandbox.youtube.quota.used() - before
    [request] = sandbox.requests.find("/youtube/v3/comments", method="POST")
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    assert (scheme, sandbox.youtube.tokens.valid(token), sandbox.youtube.tokens.requests) == (
        "Bearer",
        True,
        1,
    )
    assert API_KEY not in str(request.query)
    assert writer.quota_cursor() == (QUOTA_WRITES, {"day": quota_day(sandbox.now()), "units": 50})


def test_moderation_rejects_to_hide_and_publishes_to_show_for_50_units_each(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    thread = open_thread(sandbox)
    writer.set_hidden(target(thread), True)
    assert sandbox.youtube.world.comment(thread.id, sandbox.now()).status == "rejected"  # type: ignore[union-attr]
    writer.set_hidden(target(thread), False)
    assert sandbox.youtube.world.comment(thread.id, sandbox.now()).status == "published"  # type: ignore[union-attr]
    assert writer.units == 100


def test_the_crash_lookup_finds_the_channels_reply_for_one_unit(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    thread = open_thread(sandbox)
    since = sandbox.now()
    posted = writer.post_reply(target(thread), ANSWER)
    found = writer.find_reply(target(thread), f"{ANSWER}  ", since)
    assert found is not None
    assert found.platform_id == posted.platform_id
    assert writer.units == 51
    assert writer.find_reply(target(thread), "다른 답변", since) is None


def test_the_crash_lookup_reads_at_most_three_pages(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    thread = open_thread(sandbox)
    world, now = sandbox.youtube.world, sandbox.now()
    for number in range(READ_BACK_PAGES * 100 + 10):
        world.reply(thread, f"구청 안내 {number}", now)
    sandbox.requests.clear()
    assert writer.find_reply(target(thread), ANSWER, now - timedelta(days=1)) is None
    assert len(sandbox.requests.find("/youtube/v3/comments", method="GET")) == 3
    assert writer.units == 3


def test_a_call_that_would_pass_the_daily_quota_is_refused_before_it_is_made(
    sandbox: Sandbox, account: YouTubeAccount, sandbox_client: HttpClient
) -> None:
    writer = YouTubeWriter(account, sandbox_client)
    day = quota_day(sandbox.now())
    reads = {"day": day, "units": account.daily_quota - 120, "limit": account.daily_quota}
    stored: list[Any] = []
    writes = {"day": day, "units": 30}
    writer.open_quota(
        {"quota": reads, QUOTA_WRITES: writes}, sandbox.now, lambda *cursor: stored.append(cursor)
    )
    thread = open_thread(sandbox)
    before = sandbox.youtube.quota.used()
    writer.post_reply(target(thread), ANSWER)  # 9,880 + 30 + 50 = 9,960: fits
    with pytest.raises(WriteError) as refused:
        writer.post_reply(target(open_thread(sandbox, 1)), ANSWER)  # 10,010 would not
    assert refused.value.kind is WriteErrorKind.BUDGET
    assert refused.value.retry_at == next_reset(sandbox.now())
    assert "9960 of 10000" in refused.value.message
    assert sandbox.youtube.quota.used() - before == 50
    assert writer.quota_cursor() == (QUOTA_WRITES, {"day": day, "units": 80})
    assert stored == [(QUOTA_WRITES, {"day": day, "units": 80})]  # stored before the call


def test_quota_counted_on_another_pacific_day_does_not_count(
    sandbox: Sandbox, account: YouTubeAccount, sandbox_client: HttpClient
) -> None:
    writer = YouTubeWriter(account, sandbox_client)
    old = {"day": "2001-01-01", "units": account.daily_quota}
    cursors = {"quota": {**old, "limit": 10_000}, QUOTA_WRITES: old}
    writer.open_quota(cursors, sandbox.now, lambda _s, _v: None)
    assert writer.spent_today == 0
    writer.post_reply(target(open_thread(sandbox)), ANSWER)


def test_googles_quota_exceeded_fills_todays_count(sandbox: Sandbox, writer: YouTubeWriter) -> None:
    sandbox.youtube.fail("quota_exceeded", path_contains="/comments", method="POST")
    with pytest.raises(WriteError) as refused:
        writer.post_reply(target(open_thread(sandbox)), ANSWER)
    assert refused.value.kind is WriteErrorKind.BUDGET
    assert writer.spent_today == writer.limit  # no further call today, reads included


def test_an_expired_token_is_an_auth_error_that_never_shows_it(
    sandbox: Sandbox, writer: YouTubeWriter
) -> None:
    sandbox.youtube.expire_token()
    with pytest.raises(WriteError) as refused:
        writer.post_reply(target(open_thread(sandbox)), ANSWER)
    assert refused.value.kind is WriteErrorKind.AUTH
    assert OAUTH_TOKEN not in refused.value.message


def test_an_account_without_a_write_token_has_no_writer(account: YouTubeAccount) -> None:
    credentials = ("write_access_token", "client_id", "client_secret", "refresh_token")
    read_only = account.model_copy(update=dict.fromkeys(credentials))
    assert not read_only.can_write()
    with pytest.raises(ValueError, match="write_access_token"):
        YouTubeWriter(read_only, HttpClient())


def test_the_reader_counts_the_answers_units_against_the_daily_quota() -> None:
    day = quota_day(NOW)
    quota = Quota.load({"day": day, "units": 9_900}, 10_000, NOW, {"day": day, "units": 60})
    quota.check(40)
    with pytest.raises(BudgetExhausted, match="9960 of 10000"):
        quota.check(41)
    assert quota.dump() == {"day": day, "units": 9_900, "limit": 10_000}  # reads only


def test_status_shows_the_units_spent_on_answers(account: YouTubeAccount) -> None:
    cursors: dict[str, Any] = {
        "quota": {"day": "2026-12-04", "units": 37, "limit": 10_000},
        QUOTA_WRITES: {"day": "2026-12-04", "units": 100},
    }
    line = quota_note(account, cursors)
    assert line == "quota 2026-12-04 (Pacific): 137 of 10000 units (9863 left; 100 on answers)"
