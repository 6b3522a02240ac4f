"""Answering and hiding on Instagram: the error mapping, and the writer over real HTTP
against the sandbox (replies under the top-level comment, crash lookup within 10 pages,
hide/unhide, a hidden comment refused); staff's auth and permission sentences name the
token of the account's API (Page token, or Instagram User token with Instagram Login)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from aggregator.config import load_settings, parse_settings
from aggregator.db import create_db_engine
from aggregator.http import HttpClient
from aggregator.runner import sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, build_config
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.sandbox.instagram import USER_TOKEN, USER_TOKEN_ENV
from aggregator.sandbox.instagram_login import account_config as login_config
from aggregator.sandbox.instagram_world import IgComment
from aggregator.store import Store
from aggregator.store.tables import COMMENT
from connectors.common.reply import ReplyTarget, WriteError, WriteErrorKind
from connectors.graph.errors import GraphError
from connectors.instagram.settings import InstagramAccount
from connectors.instagram.write import READ_BACK_PAGES, InstagramWriter, write_error
from tests.test_answers_ig_yt_sandbox import answer, write
from tests.test_platform_hide_sandbox import run_worker

ANSWER = "안녕하세요, 한빛구청입니다. 문의하신 내용은 공원녹지과(02-1234-5678)에서 안내드립니다."


@pytest.fixture
def account(sandbox: Sandbox, tmp_path: Path) -> InstagramAccount:
    settings = load_settings(sandbox.write_config(tmp_path / "config.yaml"), environ=SANDBOX_ENV)
    found: Any = settings.account("instagram")
    assert isinstance(found, InstagramAccount)
    assert found.write_access_token is not None
    return found


@pytest.fixture
def writer(account: InstagramAccount, sandbox_client: HttpClient) -> InstagramWriter:
    return InstagramWriter(account, sandbox_client)


def resident_comment(sandbox: Sandbox, top_level: bool = True) -> IgComment:
    """A visible resident comment (top-level, or a reply) on media open to comments."""
    ig, now = sandbox.instagram.ig, sandbox.now()
    for media in ig.media(now):
        if not media.comments_enabled:
            continue
        for comment in ig.comments(media, now):
            wanted = comment.parent_id is None if top_level else comment.parent_id is not None
            if wanted and not comment.by_account and not comment.hidden:
                return comment
    raise AssertionError("the sandbox has no such Instagram comment")


def target(comment_id: str) -> ReplyTarget:
    return ReplyTarget("instagram", comment_id, comment_id)


def own_replies(sandbox: Sandbox, top: IgComment) -> list[IgComment]:
    ig, now = sandbox.instagram.ig, sandbox.now()
    media = ig.media_item(top.media_id, now)
    assert media is not None
    return [c for c in ig.comments(media, now) if c.parent_id == top.id and c.by_account]


@pytest.mark.parametrize(
    ("code", "subcode", "message", "kind"),
    [
        (10, None, "(#10) Application does not have permission", WriteErrorKind.PERMISSION),
        (200, None, "(#200) Requires instagram_manage_comments", WriteErrorKind.PERMISSION),
        (190, 463, "Error validating access token", WriteErrorKind.AUTH),
        (100, 33, "Object with ID does not exist", WriteErrorKind.TARGET_GONE),
        (368, None, "deemed abusive", WriteErrorKind.SPAM),
        (32, None, "(#32) Page request limit reached", WriteErrorKind.RATE_LIMITED),
        (4, None, "(#4) Application request limit reached", WriteErrorKind.RATE_LIMITED),
        (80002, None, "too many calls to this Instagram account", WriteErrorKind.RATE_LIMITED),
        (2, None, "An unexpected error has occurred", WriteErrorKind.NETWORK),
        (100, None, "(#100) You cannot reply to a hidden comment", WriteErrorKind.RESTRICTED),
        (100, None, "(#100) Comments are disabled for this media", WriteErrorKind.CLOSED),
        (100, None, "(#100) Invalid parameter", WriteErrorKind.INVALID),
    ],
)
def test_graph_error_codes_map_to_write_error_kinds(
    code: int, subcode: int | None, message: str, kind: WriteErrorKind
) -> None:
    error = write_error(GraphError(code, subcode, "OAuthException", message))
    assert error.kind is kind
    assert f"#{code}" in error.message
    assert "인스타그램" in error.staff_message or kind is WriteErrorKind.TARGET_GONE


def test_throttling_waits_for_the_regain_time_or_five_minutes() -> None:
    error = write_error(GraphError(80002, None, "OAuthException", "too many calls"), 900)
    assert error.retry_after_seconds == 900
    assert write_error(GraphError(32, None, "", "limit")).retry_after_seconds == 300


def test_a_reply_is_posted_once_under_the_comment_as_the_account(
    sandbox: Sandbox, writer: InstagramWriter
) -> None:
    comment = resident_comment(sandbox)
    posted = writer.post_reply(target(comment.id), ANSWER)
    [reply] = own_replies(sandbox, comment)
    assert (reply.id, reply.text) == (posted.platform_id, ANSWER)
    assert posted.external_id == posted.platform_id  # the id the sync stores
    assert len(sandbox.requests.find(f"/v25.0/{comment.id}/replies", method="POST")) == 1


def test_a_reply_to_a_reply_lands_under_the_top_level_comment(
    sandbox: Sandbox, writer: InstagramWriter
) -> None:
    reply = resident_comment(sandbox, top_level=False)
    assert reply.parent_id is not None
    writer.post_reply(target(reply.id), ANSWER)
    top = sandbox.instagram.ig.comment(reply.parent_id, sandbox.now())
    assert top is not None
    assert [c.text for c in own_replies(sandbox, top)][-1] == ANSWER


def test_the_crash_lookup_finds_the_reply_and_ignores_older_or_other_texts(
    sandbox: Sandbox, writer: InstagramWriter
) -> None:
    comment = resident_comment(sandbox)
    since = sandbox.now()
    posted = writer.post_reply(target(comment.id), ANSWER)
    found = writer.find_reply(target(comment.id), f"  {ANSWER}\n", since)
    assert found is not None
    assert found.platform_id == posted.platform_id
    assert writer.find_reply(target(comment.id), "다른 답변", since) is None
    assert writer.find_reply(target(comment.id), ANSWER, since + timedelta(hours=1)) is None


def test_the_crash_lookup_reads_at_most_ten_pages(
    sandbox: Sandbox, writer: InstagramWriter
) -> None:
    comment = resident_comment(sandbox)
    ig, now = sandbox.instagram.ig, sandbox.now()
    for number in range(READ_BACK_PAGES * 50 + 20):
        ig.reply(comment, f"구청 안내 {number}", now)
    sandbox.requests.clear()
    assert writer.find_reply(target(comment.id), ANSWER, now - timedelta(days=1)) is None
    pages = sandbox.requests.find(f"/v25.0/{comment.id}/replies", method="GET")
    assert len(pages) == READ_BACK_PAGES == 10


def test_hide_and_unhide(sandbox: Sandbox, writer: InstagramWriter) -> None:
    comment = resident_comment(sandbox)
    writer.set_hidden(target(comment.id), True)
    shown = sandbox.instagram.ig.comment(comment.id, sandbox.now())
    assert shown is not None
    assert shown.hidden
    writer.set_hidden(target(comment.id), True)  # idempotent
    writer.set_hidden(target(comment.id), False)
    shown = sandbox.instagram.ig.comment(comment.id, sandbox.now())
    assert shown is not None
    assert not shown.hidden


def test_a_hidden_comment_cannot_be_answered(sandbox: Sandbox, writer: InstagramWriter) -> None:
    comment = resident_comment(sandbox)
    writer.set_hidden(target(comment.id), True)
    with pytest.raises(WriteError) as refused:
        writer.post_reply(target(comment.id), ANSWER)
    assert refused.value.kind is WriteErrorKind.RESTRICTED
    assert "숨김을 해제" in refused.value.staff_message
    assert own_replies(sandbox, comment) == []


def test_a_token_without_manage_comments_is_a_permission_error(
    sandbox: Sandbox, writer: InstagramWriter
) -> None:
    comment = resident_comment(sandbox)
    sandbox.instagram.manage_comments = False
    with pytest.raises(WriteError) as refused:
        writer.post_reply(target(comment.id), ANSWER)
    assert refused.value.kind is WriteErrorKind.PERMISSION
    assert "instagram_manage_comments" in refused.value.staff_message


def test_a_wrong_token_is_an_auth_error_that_never_shows_the_token(
    sandbox: Sandbox, account: InstagramAccount, sandbox_client: HttpClient
) -> None:
    wrong = account.model_copy(
        update={"write_access_token": account.access_token.model_copy(update={"value": "EAAx"})}
    )
    comment = resident_comment(sandbox)
    with pytest.raises(WriteError) as refused:
        InstagramWriter(wrong, sandbox_client).post_reply(target(comment.id), ANSWER)
    assert refused.value.kind is WriteErrorKind.AUTH
    assert "EAAx" not in refused.value.message
    assert "페이지 토큰" in refused.value.staff_message  # Facebook Login: the Page's token
    assert "사용자 토큰" not in refused.value.staff_message


# -- Instagram Login: staff read "인스타그램 사용자 토큰", never "페이지 토큰" ----------------


def login_account(sandbox: Sandbox, token: str = USER_TOKEN) -> InstagramAccount:
    return InstagramAccount.model_validate(
        login_config(sandbox.base_url, 15),
        context={"environ": {**SANDBOX_ENV, USER_TOKEN_ENV: token}},
    )


def test_an_instagram_login_auth_error_names_the_instagram_user_token(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    writer = InstagramWriter(login_account(sandbox, PAGE_TOKEN), sandbox_client)
    with pytest.raises(WriteError) as refused:
        writer.post_reply(target(resident_comment(sandbox).id), ANSWER)
    assert refused.value.kind is WriteErrorKind.AUTH
    assert "인스타그램 사용자 토큰" in refused.value.staff_message
    assert "페이지 토큰" not in refused.value.staff_message


def test_an_instagram_login_permission_error_names_the_business_scope(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    login_api: Any = sandbox.instagram.instagram_login
    login_api.manage_comments = False
    with pytest.raises(WriteError) as refused:
        InstagramWriter(login_account(sandbox), sandbox_client).set_hidden(
            target(resident_comment(sandbox).id), True
        )
    assert refused.value.kind is WriteErrorKind.PERMISSION
    staff = refused.value.staff_message
    assert "인스타그램 사용자 토큰" in staff
    assert "instagram_business_manage_comments" in staff
    assert "페이지" not in staff


def test_staff_see_the_instagram_user_token_on_a_failed_instagram_login_answer(
    sandbox: Sandbox, sqlite_url: str
) -> None:
    document = build_config(sandbox.base_url)
    document["accounts"] = [login_config(sandbox.base_url, 15)]
    text = yaml.safe_dump(document, allow_unicode=True)
    reading = parse_settings(text, environ=SANDBOX_ENV)
    store = Store(create_db_engine(sqlite_url), clock=sandbox.now)
    [synced] = sync_accounts(store, reading, reading.accounts, "test")
    assert synced.status == "ok", synced.error
    comment = resident_comment(sandbox)
    with store.engine.connect() as conn:
        comment_id = conn.execute(
            sa.select(COMMENT.c.id).where(COMMENT.c.external_id == comment.id)
        ).scalar_one()
    answer_id = write(store, reading, comment_id, ANSWER)
    revoked = parse_settings(text, environ={**SANDBOX_ENV, USER_TOKEN_ENV: PAGE_TOKEN})
    assert run_worker(store, revoked) == {"failed": 1}
    row = answer(store, answer_id)
    assert row.error_kind == "auth"
    assert "인스타그램 사용자 토큰" in row.error_staff_message
    assert "페이지 토큰" not in row.error_staff_message
    store.close()


def test_an_account_without_a_write_token_has_no_writer(account: InstagramAccount) -> None:
    read_only = account.model_copy(update={"write_access_token": None})
    assert not read_only.can_write()
    with pytest.raises(ValueError, match="write_access_token"):
        InstagramWriter(read_only, HttpClient())
