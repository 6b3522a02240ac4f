"""Answering and moderating on WordPress: the writer over real HTTP against the sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from aggregator.config import AccountSecret, parse_settings
from aggregator.http import HttpClient
from aggregator.sandbox import Sandbox, SandboxComment
from aggregator.sandbox.config_writer import SANDBOX_ENV, render_config
from aggregator.sandbox.wordpress import Site
from aggregator.sandbox.wordpress_auth import APP_PASSWORD, EDITOR_USER
from aggregator.store import Store
from aggregator.sync import SyncOptions, sync_account
from connectors.blog.connector import BlogConnector
from connectors.blog.settings import BlogAccount
from connectors.blog.write import WordPressWriter, write_error
from connectors.common.reply import ReplyTarget, WriteError, WriteErrorKind
from tests.fixtures_sandbox import LOOPBACK_HTTP

ANSWER = "안녕하세요, 한빛구청입니다. 말씀하신 가로등은 도로과에서 이번 주 안에 고치겠습니다."
REST = "/wordpress/news/wp-json/wp/v2/comments"


def account(sandbox: Sandbox, password: str = APP_PASSWORD) -> BlogAccount:
    settings = parse_settings(render_config(sandbox.url("/")), source="test", environ=SANDBOX_ENV)
    found = settings.account("wordpress-news")
    assert isinstance(found, BlogAccount)
    secret = AccountSecret(env="WP_PASSWORD", value=password)
    return found.model_copy(update={"write_username": EDITOR_USER, "write_app_password": secret})


def writer(sandbox: Sandbox, http: HttpClient, password: str = APP_PASSWORD) -> WordPressWriter:
    return WordPressWriter(account(sandbox, password), http)


def site(sandbox: Sandbox) -> Site:
    wp = sandbox.data.account("wordpress")
    return Site(wp, sandbox.url("/wordpress/news"))


def resident_comment(sandbox: Sandbox) -> SandboxComment:
    """The newest top-level resident comment of the newest post that has one."""
    for post in sandbox.data.posts("wordpress", sandbox.now()):
        found = [
            c for c in sandbox.data.comments(post.id, sandbox.now())
            if c.parent_id is None and not c.by_district
        ]  # fmt: skip
        if found:
            return found[-1]
    raise AssertionError("no resident comment on the sandbox WordPress site")


def target_of(sandbox: Sandbox, comment: SandboxComment) -> ReplyTarget:
    post = sandbox.data.post(comment.post_id)
    prefix = "wp:" + site(sandbox).home.split("://")[1]  # the sync's ids name the public site
    wp_id = site(sandbox).wp_id(post)
    return ReplyTarget(
        "wordpress-news", f"{prefix}:comment:{comment.number}", str(comment.number), str(wp_id)
    )


def replies_to(sandbox: Sandbox, comment: SandboxComment) -> list[SandboxComment]:
    return [
        c for c in sandbox.data.comments(comment.post_id, sandbox.now())
        if c.parent_id == comment.id
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "rest_comment_login_required", WriteErrorKind.AUTH),
        (401, "incorrect_password", WriteErrorKind.AUTH),
        (403, "rest_comment_closed", WriteErrorKind.CLOSED),
        (403, "rest_comment_invalid_post_id", WriteErrorKind.TARGET_GONE),
        (404, "rest_comment_invalid_id", WriteErrorKind.TARGET_GONE),
        (409, "comment_duplicate", WriteErrorKind.DUPLICATE),
        (403, "rest_cannot_edit", WriteErrorKind.PERMISSION),
        (400, "comment_flood", WriteErrorKind.RATE_LIMITED),
        (429, "", WriteErrorKind.RATE_LIMITED),
        (500, "rest_comment_failed_create", WriteErrorKind.NETWORK),
        (502, "", WriteErrorKind.NETWORK),
        (400, "rest_comment_content_invalid", WriteErrorKind.INVALID),
    ],
)
def test_wordpress_errors_map_to_write_error_kinds(
    status: int, code: str, kind: WriteErrorKind
) -> None:
    error = write_error(status, code, "message")
    assert error.kind is kind
    assert str(status) in error.message
    assert error.staff_message


def test_reply_is_posted_under_the_residents_comment(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    posted = writer(sandbox, sandbox_client).post_reply(target, ANSWER)
    [reply] = replies_to(sandbox, comment)
    assert reply.text == ANSWER
    assert posted.platform_id == str(reply.number)
    assert posted.external_id == target.comment_external_id.replace(
        f":comment:{comment.number}", f":comment:{reply.number}"
    )
    assert posted.url is not None
    assert posted.url.endswith(f"#comment-{reply.number}")


def test_the_reply_appears_in_the_feeds_and_the_public_rest_listing(
    sandbox: Sandbox, sandbox_client: HttpClient, sandbox_http: requests.Session
) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    posted = writer(sandbox, sandbox_client).post_reply(target, ANSWER)
    listed = sandbox_http.get(sandbox.url(REST), params={"post": target.platform_post_id},
                              timeout=5).json()  # fmt: skip
    assert posted.platform_id in [str(c["id"]) for c in listed]
    feed = sandbox_http.get(sandbox.url("/wordpress/news/comments/feed/atom/"), timeout=5).text
    assert f"#comment-{posted.platform_id}" in feed


def test_find_reply_reads_back_our_reply(sandbox: Sandbox, sandbox_client: HttpClient) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    wp = writer(sandbox, sandbox_client)
    since = sandbox.now()
    posted = wp.post_reply(target, ANSWER)
    assert wp.find_reply(target, f"\n{ANSWER}  ", since) == posted
    assert wp.find_reply(target, "다른 답변", since) is None
    assert wp.find_reply(target, ANSWER, since + timedelta(minutes=5)) is None


def test_an_identical_repeat_is_a_duplicate_and_read_back_finds_the_first(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    wp = writer(sandbox, sandbox_client)
    since = sandbox.now()
    first = wp.post_reply(target, ANSWER)
    with pytest.raises(WriteError) as info:
        wp.post_reply(target, ANSWER)
    assert info.value.kind is WriteErrorKind.DUPLICATE
    assert wp.find_reply(target, ANSWER, since) == first
    assert len(replies_to(sandbox, comment)) == 1


def test_closed_comments_are_refused(sandbox: Sandbox, sandbox_client: HttpClient) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    assert target.platform_post_id is not None
    sandbox.wordpress_rest.close_comments(int(target.platform_post_id))
    with pytest.raises(WriteError) as info:
        writer(sandbox, sandbox_client).post_reply(target, ANSWER)
    assert info.value.kind is WriteErrorKind.CLOSED


def test_a_wrong_application_password_is_an_auth_error(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    wrong = "aaaa bbbb cccc dddd eeee ffff"
    with pytest.raises(WriteError) as info:
        writer(sandbox, sandbox_client, wrong).post_reply(target_of(sandbox, comment), ANSWER)
    assert info.value.kind is WriteErrorKind.AUTH
    assert wrong not in info.value.message


def test_a_deleted_parent_comment_is_target_gone(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    gone = ReplyTarget(target.account, target.comment_external_id, "99999999",
                       target.platform_post_id)  # fmt: skip
    with pytest.raises(WriteError) as info:
        writer(sandbox, sandbox_client).post_reply(gone, ANSWER)
    assert info.value.kind is WriteErrorKind.TARGET_GONE


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, WriteErrorKind.AUTH), (429, WriteErrorKind.RATE_LIMITED), (500, WriteErrorKind.NETWORK)],
)
def test_injected_status_faults_reach_the_writer_as_their_kind(
    sandbox: Sandbox, sandbox_client: HttpClient, status: int, kind: WriteErrorKind
) -> None:
    comment = resident_comment(sandbox)
    sandbox.faults.status(REST, status, method="POST", times=1, headers={"Retry-After": "30"})
    with pytest.raises(WriteError) as info:
        writer(sandbox, sandbox_client).post_reply(target_of(sandbox, comment), ANSWER)
    assert info.value.kind is kind
    assert replies_to(sandbox, comment) == []


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 500}, {"kind": "reset"}])
def test_a_write_that_published_before_failing_is_found_by_read_back(
    sandbox: Sandbox, sandbox_client: HttpClient, fault: dict[str, Any]
) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    sandbox.faults.add(path=REST, method="POST", times=1, after_handling=True, **fault)
    wp = writer(sandbox, sandbox_client)
    since = sandbox.now()
    with pytest.raises(WriteError) as info:
        wp.post_reply(target, ANSWER)
    assert info.value.kind is WriteErrorKind.NETWORK
    found = wp.find_reply(target, ANSWER, since)
    assert found is not None
    assert [str(c.number) for c in replies_to(sandbox, comment)] == [found.platform_id]


def test_hold_hides_the_comment_and_approve_shows_it_again(
    sandbox: Sandbox, sandbox_client: HttpClient, sandbox_http: requests.Session
) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    wp = writer(sandbox, sandbox_client)

    def listed() -> list[str]:
        query = {"post": target.platform_post_id, "per_page": "100"}
        answer = sandbox_http.get(sandbox.url(REST), params=query, timeout=5).json()
        return [str(c["id"]) for c in answer]

    wp.set_hidden(target, True)
    assert target.platform_comment_id not in listed()
    wp.set_hidden(target, True)  # already held: WordPress's 500 failed_edit is read as done
    wp.set_hidden(target, False)
    assert target.platform_comment_id in listed()


def test_resending_the_same_status_is_wordpress_s_500(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    comment = resident_comment(sandbox)
    answer = sandbox_http.post(
        sandbox.url(f"{REST}/{comment.number}"), json={"status": "approved"},
        auth=(EDITOR_USER, APP_PASSWORD), timeout=5,
    )  # fmt: skip
    assert answer.status_code == 500
    assert answer.json()["code"] == "rest_comment_failed_edit"


def test_synced_reply_has_the_posted_external_id_and_is_the_districts(
    sandbox: Sandbox, sandbox_client: HttpClient, store: Store
) -> None:
    comment = resident_comment(sandbox)
    target = target_of(sandbox, comment)
    posted = writer(sandbox, sandbox_client).post_reply(target, ANSWER)
    wp = account(sandbox).model_copy(update={"comments_api": "rest"})
    assert sync_account(store, wp, BlogConnector, SyncOptions(http=LOOPBACK_HTTP)).status == "ok"
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT * FROM comment WHERE external_id = :id"), {"id": posted.external_id}
        ).one()
    assert row.by_account_owner
    assert row.parent_external_id == target.comment_external_id
    assert row.text == ANSWER


def test_the_application_password_may_be_written_in_groups_of_four(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    spaced = " ".join(APP_PASSWORD[i : i + 4] for i in range(0, len(APP_PASSWORD), 4))
    comment = resident_comment(sandbox)
    writer(sandbox, sandbox_client, spaced).post_reply(target_of(sandbox, comment), ANSWER)
    assert len(replies_to(sandbox, comment)) == 1
