"""Answering Instagram and YouTube comments from the inbox: the answer box carries each
platform's declared rule (2,200 and 10,000 characters), an answer over it is refused with
the count and the limit, one within it is saved for the worker to post (or copied by hand
when the account has no write token)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from aggregator.records import Batch, CommentRecord
from aggregator.store.tables import ANSWER
from tests.fixtures_web import T0, Web
from tests.test_web_answers import configure, page_text, post

WRITING = """
accounts:
  - {name: ig, platform: instagram, ig_user_id: '17841400000000001', access_token: {env: T},
     write_access_token: {env: T}}
  - {name: yt, platform: youtube, channel_id: UCabcdefghijklmnopqrstuv, api_key: {env: T},
     write_access_token: {env: T}}
"""
READ_ONLY = """
accounts:
  - {name: ig, platform: instagram, ig_user_id: '17841400000000001', access_token: {env: T}}
  - {name: yt, platform: youtube, channel_id: UCabcdefghijklmnopqrstuv, api_key: {env: T}}
"""
CASES = {
    # platform: (account, external id, label, limit)
    "instagram": ("ig", "17895000000000001", "인스타그램", 2200),
    "youtube": ("yt", "UgzHanbitSandboxThread4AaABAg", "유튜브", 10_000),
}


def resident_comment(web: Web, platform: str) -> int:
    account, external_id, _label, _limit = CASES[platform]
    account_id = web.store.sync.ensure_account(account, platform)
    comment = CommentRecord(
        platform=platform, external_id=external_id, created_at=T0,
        text="공원 화장실이 잠겨 있어요", author_handle="resident1", post_external_id="p1",
    )  # fmt: skip
    web.store.sync.apply_batch(account_id, Batch(stream="comments", comments=(comment,)))
    with web.store.engine.connect() as conn:
        query = sa.text("SELECT id FROM comment WHERE external_id = :e")
        return int(conn.execute(query, {"e": external_id}).scalar_one())


def answer_count(web: Web) -> int:
    with web.store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(ANSWER)).scalar_one())


@pytest.mark.parametrize("platform", ["instagram", "youtube"])
def test_the_answer_box_carries_the_platforms_declared_rule(web: Web, platform: str) -> None:
    configure(web, WRITING)
    _account, _id, label, limit = CASES[platform]
    comment_id = resident_comment(web, platform)
    page = web.client("communications").get(f"/comments/{comment_id}").text
    assert f'data-rule="{platform}" data-limit="{limit}"' in page
    assert 'data-measure="chars" data-mention="false"' in page
    assert f'maxlength="{max(limit, 8000)}"' in page
    assert f"저장하면 곧 {label}에 게시됩니다" in page


@pytest.mark.parametrize("platform", ["instagram", "youtube"])
def test_an_over_limit_answer_is_refused_and_one_at_the_limit_is_saved(
    web: Web, platform: str
) -> None:
    configure(web, WRITING)
    limit = CASES[platform][3]
    comment_id = resident_comment(web, platform)
    office = web.client("communications")
    refused = post(web, office, f"/comments/{comment_id}/answers", kind="first",
                   text="가" * (limit + 1))  # fmt: skip
    assert refused.status_code == 409
    assert f"너무 깁니다: {limit + 1:,}자 (최대 {limit:,}자)" in page_text(refused)
    assert answer_count(web) == 0
    saved = post(web, office, f"/comments/{comment_id}/answers", kind="first", text="가" * limit)
    assert saved.status_code == 303, saved.text
    assert answer_count(web) == 1


def test_without_write_tokens_answers_are_copied_by_hand_under_the_same_rule(web: Web) -> None:
    configure(web, READ_ONLY)
    comment_id = resident_comment(web, "instagram")
    page = web.client("communications").get(f"/comments/{comment_id}").text
    assert 'data-rule="instagram" data-limit="2200"' in page
    assert "복사해서 직접 게시" in page
