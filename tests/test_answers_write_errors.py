"""Every write error the issue lists, injected in the sandbox and sent through the answers
worker with the real writers: staff see its typed status and a Korean message; rate
limits wait for a later attempt (never a loop); nothing is dropped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from aggregator.answers.service import AnswerService
from aggregator.config import Settings
from aggregator.sandbox import Sandbox
from aggregator.sandbox.write_errors import cases, inject
from aggregator.store import Store
from aggregator.store.tables import ANSWER
from tests.test_platform_hide_sandbox import (
    COMM,
    resident_comment,
    run_worker,
    settings,
    synced_sqlite,
)

__all__ = ["settings", "synced_sqlite"]
ACCOUNT = {"facebook": "facebook-page", "twitter": "x-account", "wordpress": "wordpress-news"}
#      platform     case              state          kind            words staff see
TABLE = [
    ("facebook", "permission_10", "failed", "permission", "댓글 관리 권한"),
    ("facebook", "permission_200", "failed", "permission", "댓글 관리 권한"),
    ("facebook", "target_gone", "failed", "target_gone", "삭제되어"),
    ("facebook", "spam", "failed", "spam", "스팸 또는 반복 게시"),
    ("facebook", "rate_limited", "approved", "rate_limited", "다시 시도합니다"),
    ("twitter", "permission", "failed", "permission", "글쓰기 권한이 없습니다"),
    ("twitter", "target_gone", "failed", "target_gone", "삭제되었거나"),
    ("twitter", "restricted", "failed", "restricted", "답글을 제한"),
    ("twitter", "duplicate", "needs_check", "duplicate", "같은 내용"),
    ("twitter", "rate_limited", "approved", "rate_limited", "다시 시도합니다"),
    ("wordpress", "permission", "failed", "permission", "댓글 관리 권한이 없습니다"),
    ("wordpress", "target_gone", "failed", "target_gone", "삭제되어"),
    ("wordpress", "closed", "failed", "closed", "댓글이 닫혀"),
    ("wordpress", "duplicate", "needs_check", "duplicate", "같은 내용"),
    ("wordpress", "rate_limited", "approved", "rate_limited", "다시 시도합니다"),
]


def test_the_table_covers_every_injectable_write_error() -> None:
    """Instagram's and YouTube's cases: `test_answers_ig_yt_sandbox.py`."""
    mine = {key for key in cases() if key[0] in ACCOUNT}
    assert {(platform, case) for platform, case, *_ in TABLE} == mine


@pytest.mark.parametrize(("platform", "case", "state", "kind", "words"), TABLE)
def test_a_write_error_reaches_staff_as_its_typed_status(
    sandbox: Sandbox,
    settings: Settings,
    synced_sqlite: Store,
    platform: str,
    case: str,
    state: str,
    kind: str,
    words: str,
) -> None:
    comment = resident_comment(synced_sqlite, ACCOUNT[platform])
    text = f"구청입니다. {case} 안내드립니다."
    answer_id = AnswerService(synced_sqlite, settings.answers).write(
        COMM, comment["id"], "first", text
    )
    inject(sandbox.faults, platform, case)
    outcomes = run_worker(synced_sqlite, settings)
    with synced_sqlite.engine.connect() as conn:
        row = conn.execute(sa.select(ANSWER).where(ANSWER.c.id == answer_id)).one()
    assert (row.state, row.error_kind) == (state, kind), outcomes
    assert words in row.error_staff_message
    assert row.error_message  # the exact cause for the admin
    if kind == "rate_limited":
        assert outcomes == {"retry": 1}
        assert row.next_attempt_at > datetime.now(UTC)
        assert run_worker(synced_sqlite, settings) == {}  # not again before its time: no loop
    else:
        assert outcomes == {state: 1}
