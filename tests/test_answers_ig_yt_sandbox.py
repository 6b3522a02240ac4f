"""Instagram and YouTube answers and hiding through the answers worker, with the real
writers over real HTTP against the sandbox: posted once, found again after a lost answer
(no second reply), hidden and shown again upstream; every write error the sandbox can
inject reaches staff as its typed status; YouTube's writes spend the daily quota its reads
share and wait for the Pacific reset when it would be passed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.config import Settings, load_settings
from aggregator.db import create_db_engine
from aggregator.records import Batch
from aggregator.runner import sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.write_errors import cases, inject
from aggregator.sandbox.youtube_world import CHANNEL_ID
from aggregator.store import Store
from aggregator.store.reviews import ReviewAction, ReviewContext
from aggregator.store.tables import ACCOUNT, ANSWER, COMMENT, PLATFORM_ACTION
from connectors.youtube.quota import QUOTA_WRITES, next_reset
from tests.test_platform_hide_sandbox import COMM, run_worker

ACCOUNTS = ("instagram", "youtube")
PLATFORMS = {"instagram": "instagram", "youtube": "youtube"}


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    return load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)


@pytest.fixture
def synced(sandbox: Sandbox, settings: Settings, sqlite_url: str) -> Iterator[Store]:
    """The sandbox's Instagram and YouTube accounts synced, on the sandbox's clock."""
    engine = create_db_engine(sqlite_url)
    store = Store(engine, clock=sandbox.now)
    results = sync_accounts(store, settings, [settings.account(n) for n in ACCOUNTS], "test")
    assert all(r.status in ("ok", "ok_with_warnings") for r in results), results
    yield store
    engine.dispose()


def set_status(store: Store, comment_id: int, status: str, upstream: str | None = None) -> None:
    """Staff set the status (숨김 asks the platform to hide the comment too)."""
    reason = "광고" if status == "숨김" else None
    action = ReviewAction(kind="status", status=status, reason=reason, upstream=upstream)
    context = ReviewContext(now=store.clock(), hideable_accounts=frozenset(ACCOUNTS))
    result = store.inbox.review(COMM, [comment_id], action, context)
    assert not result.refused, result.refused


def open_comment(
    sandbox: Sandbox, store: Store, account: str, exclude: tuple[int, ...] = ()
) -> dict[str, Any]:
    """A resident's top-level comment the platform lets the district answer and hide."""
    query = (
        sa.select(COMMENT.c.id, COMMENT.c.external_id)
        .join(ACCOUNT, ACCOUNT.c.id == COMMENT.c.account_id)
        .where(ACCOUNT.c.name == account, COMMENT.c.by_account_owner.is_(False))
        .where(COMMENT.c.deleted_upstream_at.is_(None), COMMENT.c.id.not_in(exclude))
        .order_by(COMMENT.c.id.desc())
    )
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    now = sandbox.now()
    for row in rows:
        if account == "instagram":
            ig = sandbox.instagram.ig.comment(row["external_id"], now)
            media = sandbox.instagram.ig.media_item(ig.media_id, now) if ig else None
            if ig and media and ig.parent_id is None and not ig.hidden and media.comments_enabled:
                return row
        else:
            yt = sandbox.youtube.world.comment(row["external_id"], now)
            video = sandbox.youtube.world.video(yt.video_id, now) if yt else None
            usable = yt and video and not video.comments_disabled
            if usable and yt and not yt.is_reply and yt.status == "published":
                return row
    raise AssertionError(f"no answerable {account} comment in the sandbox")


def own_replies(sandbox: Sandbox, account: str, external_id: str) -> list[str]:
    """The district's replies under the comment, as the sandbox holds them."""
    now = sandbox.now()
    if account == "instagram":
        ig = sandbox.instagram.ig
        parent = ig.comment(external_id, now)
        media = ig.media_item(parent.media_id, now) if parent else None
        assert parent is not None
        assert media is not None
        found = ig.comments(media, now)
        return [c.text for c in found if c.parent_id == external_id and c.by_account]
    world = sandbox.youtube.world
    top = world.comment(external_id, now)
    video = world.video(top.video_id, now) if top else None
    assert top is not None
    assert video is not None
    return [
        c.text
        for c in world.comments(video, now)
        if c.thread_id == external_id and c.is_reply and c.author_channel_id == CHANNEL_ID
    ]


def answer(store: Store, answer_id: int) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(ANSWER).where(ANSWER.c.id == answer_id)).one()


def write(store: Store, settings: Settings, comment_id: int, text: str) -> int:
    return AnswerService(store, settings.answers).write(COMM, comment_id, "first", text)


def writes_cursor(store: Store) -> Any:
    with store.engine.connect() as conn:
        account_id = conn.execute(
            sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name == "youtube")
        ).scalar_one()
    return store.sync.cursors(account_id).get(QUOTA_WRITES)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_an_answer_is_posted_once_as_the_districts_reply(
    sandbox: Sandbox, settings: Settings, synced: Store, account: str
) -> None:
    comment = open_comment(sandbox, synced, account)
    text = f"안녕하세요, 한빛구청입니다. {account} 문의 답변드립니다."
    answer_id = write(synced, settings, comment["id"], text)
    assert run_worker(synced, settings) == {"posted": 1}
    row = answer(synced, answer_id)
    assert row.state == "posted"
    assert row.platform_reply_id
    assert own_replies(sandbox, account, comment["external_id"]) == [text]
    assert run_worker(synced, settings) == {}
    assert own_replies(sandbox, account, comment["external_id"]) == [text]


@pytest.mark.parametrize(
    ("account", "path"), [("instagram", "/v25.0/"), ("youtube", "/youtube/v3/comments")]
)
def test_a_reply_whose_answer_was_lost_is_found_again_not_sent_twice(
    sandbox: Sandbox, settings: Settings, synced: Store, account: str, path: str
) -> None:
    comment = open_comment(sandbox, synced, account)
    text = f"한빛구청입니다. {account} 답변(응답 유실) 안내드립니다."
    answer_id = write(synced, settings, comment["id"], text)
    sandbox.faults.add("reset", path, method="POST", times=1, after_handling=True)
    assert run_worker(synced, settings) == {"recovered": 1}
    assert answer(synced, answer_id).state == "posted"
    assert own_replies(sandbox, account, comment["external_id"]) == [text]


def test_a_youtube_crash_lookup_reads_at_most_three_units(
    sandbox: Sandbox, settings: Settings, synced: Store
) -> None:
    comment = open_comment(sandbox, synced, "youtube")
    write(synced, settings, comment["id"], "한빛구청입니다. 조회 비용 확인 답변입니다.")
    before = sandbox.youtube.quota.used()
    sandbox.faults.add("reset", "/youtube/v3/comments", method="POST", times=1, after_handling=True)
    assert run_worker(synced, settings) == {"recovered": 1}
    spent = sandbox.youtube.quota.used() - before
    assert 50 < spent <= 53  # the reply (50) and its lookup (comments.list, 1 a page)
    assert writes_cursor(synced)["units"] == spent


@pytest.mark.parametrize("account", ACCOUNTS)
def test_hide_then_unhide_upstream_through_the_worker(
    sandbox: Sandbox, settings: Settings, synced: Store, account: str
) -> None:
    comment = open_comment(sandbox, synced, account)
    set_status(synced, comment["id"], "숨김", upstream="hide")
    assert run_worker(synced, settings) == {"platform_hide_done": 1}
    assert hidden_upstream(sandbox, account, comment["external_id"])
    set_status(synced, comment["id"], "확인중")
    assert run_worker(synced, settings) == {"platform_unhide_done": 1}
    assert not hidden_upstream(sandbox, account, comment["external_id"])


def hidden_upstream(sandbox: Sandbox, account: str, external_id: str) -> bool:
    now = sandbox.now()
    if account == "instagram":
        found = sandbox.instagram.ig.comment(external_id, now)
        assert found is not None
        return found.hidden
    comment = sandbox.youtube.world.comment(external_id, now)
    assert comment is not None
    return comment.status == "rejected"


def test_youtube_answers_and_moderation_spend_50_units_each(
    sandbox: Sandbox, settings: Settings, synced: Store
) -> None:
    comment = open_comment(sandbox, synced, "youtube")
    before = sandbox.youtube.quota.used()
    write(synced, settings, comment["id"], "한빛구청입니다. 할당량 확인 답변입니다.")
    assert run_worker(synced, settings) == {"posted": 1}
    other = open_comment(sandbox, synced, "youtube", exclude=(comment["id"],))
    set_status(synced, other["id"], "숨김", upstream="hide")
    assert run_worker(synced, settings) == {"platform_hide_done": 1}
    assert sandbox.youtube.quota.used() - before == 100
    assert writes_cursor(synced)["units"] == 100


def test_a_youtube_answer_that_would_pass_the_daily_quota_waits_for_the_reset(
    sandbox: Sandbox, settings: Settings, synced: Store
) -> None:
    comment = open_comment(sandbox, synced, "youtube")
    youtube: Any = settings.account("youtube")
    with synced.engine.connect() as conn:
        account_id = conn.execute(
            sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name == "youtube")
        ).scalar_one()
    reads: Any = synced.sync.cursors(account_id)["quota"]
    full = {**reads, "units": youtube.daily_quota - 49}
    synced.sync.apply_batch(account_id, Batch("quota", cursor_updates={"quota": full}))
    answer_id = write(synced, settings, comment["id"], "한빛구청입니다. 내일 보낼 답변입니다.")
    before = sandbox.youtube.quota.used()
    assert run_worker(synced, settings) == {"retry": 1}
    row = answer(synced, answer_id)
    assert (row.state, row.error_kind) == ("approved", "budget")
    assert "할당량" in row.error_staff_message
    assert row.next_attempt_at.replace(tzinfo=UTC) == next_reset(sandbox.now())
    assert sandbox.youtube.quota.used() == before  # refused before calling
    assert own_replies(sandbox, "youtube", comment["external_id"]) == []
    assert row.attempts == 0


def test_the_reset_is_five_minutes_after_midnight_pacific() -> None:
    winter = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)  # 15:00 PST
    assert next_reset(winter) == datetime(2026, 12, 6, 8, 5, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 6, 59, tzinfo=UTC)  # 23:59 PDT
    assert next_reset(summer) == datetime(2026, 7, 1, 7, 5, tzinfo=UTC)


def test_an_instagram_token_without_manage_comments_fails_with_its_message(
    sandbox: Sandbox, settings: Settings, synced: Store
) -> None:
    comment = open_comment(sandbox, synced, "instagram")
    answer_id = write(synced, settings, comment["id"], "한빛구청입니다. 권한 확인 답변입니다.")
    sandbox.instagram.manage_comments = False
    assert run_worker(synced, settings) == {"failed": 1}
    row = answer(synced, answer_id)
    assert (row.state, row.error_kind) == ("failed", "permission")
    assert "instagram_manage_comments" in row.error_staff_message
    sandbox.instagram.manage_comments = True
    assert own_replies(sandbox, "instagram", comment["external_id"]) == []


#      platform     case                        state          kind            words staff see
TABLE = [
    ("instagram", "permission_10", "failed", "permission", "댓글 관리 권한"),
    ("instagram", "permission_200", "failed", "permission", "댓글 관리 권한"),
    ("instagram", "target_gone", "failed", "target_gone", "삭제되어"),
    ("instagram", "spam", "failed", "spam", "스팸 또는 반복 게시"),
    ("instagram", "request_limit", "approved", "rate_limited", "다시 시도합니다"),
    ("instagram", "rate_limited", "approved", "rate_limited", "다시 시도합니다"),
    ("youtube", "forbidden", "failed", "permission", "댓글 관리 권한"),
    ("youtube", "insufficient_permissions", "failed", "permission", "댓글 관리 권한"),
    ("youtube", "comments_disabled", "failed", "closed", "댓글이 꺼져"),
    ("youtube", "processing_failure", "failed", "invalid", "요청을 거부"),
    ("youtube", "quota_exceeded", "approved", "budget", "할당량"),
    ("youtube", "target_gone", "failed", "target_gone", "삭제되어"),
    ("youtube", "invalid_text", "failed", "invalid", "글자 수"),
    ("youtube", "auth", "failed", "auth", "만료"),
    ("youtube", "backend", "approved", "network", "응답을 받지 못했습니다"),
]


def test_the_table_covers_every_instagram_and_youtube_write_error() -> None:
    mine = {key for key in cases() if key[0] in PLATFORMS}
    assert {(platform, case) for platform, case, *_ in TABLE} == mine
    assert len([k for k in mine if k[0] == "instagram"]) == 6
    assert len([k for k in mine if k[0] == "youtube"]) == 9


@pytest.mark.parametrize(("platform", "case", "state", "kind", "words"), TABLE)
def test_a_write_error_reaches_staff_as_its_typed_status(
    sandbox: Sandbox,
    settings: Settings,
    synced: Store,
    platform: str,
    case: str,
    state: str,
    kind: str,
    words: str,
) -> None:
    comment = open_comment(sandbox, synced, platform)
    answer_id = write(synced, settings, comment["id"], f"구청입니다. {case} 안내드립니다.")
    refreshed = (platform, case) == ("youtube", "auth")  # the retry with a new token too
    inject(sandbox.faults, platform, case, times=2 if refreshed else 1)
    outcomes = run_worker(synced, settings)
    row = answer(synced, answer_id)
    assert (row.state, row.error_kind) == (state, kind), outcomes
    assert words in row.error_staff_message
    assert row.error_message
    assert outcomes == ({"retry": 1} if state == "approved" else {state: 1})
    if state == "approved":
        assert row.next_attempt_at.replace(tzinfo=UTC) > sandbox.now()
        assert run_worker(synced, settings) == {}  # not again before its time
    if kind == "budget":
        assert row.next_attempt_at.replace(tzinfo=UTC) == next_reset(sandbox.now())
    assert own_replies(sandbox, platform, comment["external_id"]) == []


def test_a_youtube_401_is_sent_again_with_a_refreshed_token_and_posted(
    sandbox: Sandbox, settings: Settings, synced: Store
) -> None:
    """The written config's YouTube account refreshes its access token (the demo's too)."""
    comment = open_comment(sandbox, synced, "youtube")
    text = "한빛구청입니다. 토큰 갱신 후 게시되는 답변입니다."
    answer_id = write(synced, settings, comment["id"], text)
    inject(sandbox.faults, "youtube", "auth")
    assert run_worker(synced, settings) == {"posted": 1}
    assert answer(synced, answer_id).state == "posted"
    assert own_replies(sandbox, "youtube", comment["external_id"]) == [text]
    assert sandbox.youtube.tokens.requests == 2  # the first token, then one after the 401


def test_a_hide_refused_by_youtube_fails_with_its_message(
    sandbox: Sandbox, settings: Settings, synced: Store
) -> None:
    comment = open_comment(sandbox, synced, "youtube")
    set_status(synced, comment["id"], "숨김", upstream="hide")
    inject(sandbox.faults, "youtube", "forbidden")
    assert run_worker(synced, settings) == {"platform_hide_failed": 1}
    with synced.engine.connect() as conn:
        row = conn.execute(
            sa.select(PLATFORM_ACTION).where(PLATFORM_ACTION.c.comment_id == comment["id"])
        ).one()
    assert (row.state, row.error_kind) == ("failed", "permission")
    assert not hidden_upstream(sandbox, "youtube", comment["external_id"])
