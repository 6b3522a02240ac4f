"""Answering and hiding on a Facebook Page: the writer over real HTTP against the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from aggregator.http import HttpClient
from aggregator.sandbox import Sandbox
from aggregator.sandbox.graph_nodes import GraphComment
from connectors.common.reply import ReplyTarget, WriteError, WriteErrorKind
from connectors.facebook.write import FacebookWriter, write_error
from connectors.graph.errors import GraphError
from tests.facebook_harness import ENV, PAGE, FacebookHarness, make_account

ANSWER = "안녕하세요, 한빛구청입니다. 문의하신 내용은 교통과(02-1234-5678)에서 안내드립니다."


def writer(sandbox: Sandbox, http: HttpClient, token_env: str = "FB_TOKEN") -> FacebookWriter:
    account = make_account(sandbox, write_access_token={"env": token_env})
    return FacebookWriter(account, http)


def resident_comment(sandbox: Sandbox) -> GraphComment:
    """The newest top-level resident comment on the newest post that has one."""
    graph = sandbox.graph
    for post in graph.post_ids():
        found = [c for c in graph.comment_nodes(post) if not c.parent_node and not c.by_page]
        if found:
            return found[-1]
    raise AssertionError("the sandbox has no resident comment")


def target_of(comment: GraphComment) -> ReplyTarget:
    return ReplyTarget("facebook-page", comment.node_id, comment.top_node, comment.post_node)


def replies_under(sandbox: Sandbox, comment: GraphComment) -> list[GraphComment]:
    return [
        c
        for c in sandbox.graph.comment_nodes(comment.post_node)
        if c.parent_node == comment.node_id
    ]


@pytest.mark.parametrize(
    ("code", "subcode", "kind"),
    [
        (10, None, WriteErrorKind.PERMISSION),
        (200, 1376025, WriteErrorKind.PERMISSION),
        (283, None, WriteErrorKind.PERMISSION),
        (190, 463, WriteErrorKind.AUTH),
        (100, 33, WriteErrorKind.TARGET_GONE),
        (368, None, WriteErrorKind.SPAM),
        (4, None, WriteErrorKind.RATE_LIMITED),
        (32, None, WriteErrorKind.RATE_LIMITED),
        (613, None, WriteErrorKind.RATE_LIMITED),
        (80001, None, WriteErrorKind.RATE_LIMITED),
        (2, None, WriteErrorKind.NETWORK),
        (100, None, WriteErrorKind.INVALID),
    ],
)
def test_graph_error_codes_map_to_write_error_kinds(
    code: int, subcode: int | None, kind: WriteErrorKind
) -> None:
    error = write_error(GraphError(code, subcode, "OAuthException", "message"))
    assert error.kind is kind
    assert f"#{code}" in error.message
    assert error.staff_message


def test_throttling_carries_the_wait_graph_asks_for() -> None:
    error = write_error(GraphError(32, None, "OAuthException", "limit"), regain_seconds=600)
    assert error.retry_after_seconds == 600


def test_reply_is_posted_as_the_page_under_the_comment(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    posted = writer(sandbox, sandbox_client).post_reply(target_of(comment), ANSWER)
    [reply] = [c for c in replies_under(sandbox, comment) if c.node_id == posted.platform_id]
    assert reply.message == ANSWER
    assert reply.author.id == PAGE
    assert posted.external_id == posted.platform_id
    assert posted.url == reply.permalink
    [request] = sandbox.requests.find("/v25.0/", method="POST")
    assert request.path == f"/v25.0/{comment.node_id}/comments"
    assert "access_token" not in request.query  # in the body, never in the URL


def test_a_reply_to_a_reply_goes_under_its_top_level_comment(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    top = resident_comment(sandbox)
    resident_reply = sandbox.graph.world.comment(
        sandbox.graph.world.add_comment(
            top.post_node, "저도 궁금합니다", sandbox.now(), parent_key=top.key
        ),
        sandbox.now(),
    )
    assert resident_reply is not None
    target = ReplyTarget("facebook-page", resident_reply.node_id, resident_reply.node_id)
    posted = writer(sandbox, sandbox_client).post_reply(target, ANSWER)
    reply = sandbox.graph.world.comment(posted.platform_id, sandbox.now())
    assert reply is not None
    assert reply.parent_node == top.node_id


def test_find_reply_reads_back_the_pages_own_reply(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    fb = writer(sandbox, sandbox_client)
    since = sandbox.now()
    posted = fb.post_reply(target_of(comment), ANSWER)
    assert fb.find_reply(target_of(comment), f"  {ANSWER}\n", since) == posted
    assert fb.find_reply(target_of(comment), ANSWER + " 다른 글", since) is None
    assert fb.find_reply(target_of(comment), ANSWER, since + timedelta(minutes=5)) is None


def test_a_residents_identical_text_is_not_taken_for_our_reply(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    sandbox.graph.world.add_comment(
        comment.post_node, ANSWER, sandbox.now(), parent_key=comment.key
    )
    fb = writer(sandbox, sandbox_client)
    assert fb.find_reply(target_of(comment), ANSWER, sandbox.now() - timedelta(hours=1)) is None


def test_hide_and_unhide_the_residents_comment(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    fb = writer(sandbox, sandbox_client)
    fb.set_hidden(target_of(comment), True)
    hidden = sandbox.graph.world.comment(comment.node_id, sandbox.now())
    assert hidden is not None
    assert hidden.hidden
    [request] = sandbox.requests.find(f"/v25.0/{comment.node_id}", method="POST")
    fb.set_hidden(target_of(comment), False)
    shown = sandbox.graph.world.comment(comment.node_id, sandbox.now())
    assert shown is not None
    assert not shown.hidden
    assert request.path == f"/v25.0/{comment.node_id}"


def test_the_pages_own_comment_cannot_be_hidden(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    fb = writer(sandbox, sandbox_client)
    posted = fb.post_reply(target_of(comment), ANSWER)
    own = ReplyTarget("facebook-page", posted.external_id, posted.platform_id)
    with pytest.raises(WriteError) as info:
        fb.set_hidden(own, True)
    assert info.value.kind is WriteErrorKind.RESTRICTED


def test_the_sandbox_refuses_is_hidden_sent_as_a_python_bool(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    comment = resident_comment(sandbox)
    url = sandbox.url(f"/v25.0/{comment.node_id}")
    answer = sandbox_http.post(url, data={"is_hidden": "True", "access_token": ENV["FB_TOKEN"]},
                           timeout=5)  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100


@pytest.mark.parametrize(
    ("code", "subcode", "kind"),
    [
        (200, None, WriteErrorKind.PERMISSION),
        (10, None, WriteErrorKind.PERMISSION),
        (190, 460, WriteErrorKind.AUTH),
        (368, None, WriteErrorKind.SPAM),
        (4, None, WriteErrorKind.RATE_LIMITED),
        (32, None, WriteErrorKind.RATE_LIMITED),
        (613, None, WriteErrorKind.RATE_LIMITED),
    ],
)
def test_injected_graph_write_errors_reach_the_writer_as_their_kind(
    sandbox: Sandbox, sandbox_client: HttpClient, code: int, subcode: int | None,
    kind: WriteErrorKind,
) -> None:  # fmt: skip
    comment = resident_comment(sandbox)
    sandbox.graph.fail(code, subcode, method="POST")
    with pytest.raises(WriteError) as info:
        writer(sandbox, sandbox_client).post_reply(target_of(comment), ANSWER)
    assert info.value.kind is kind
    assert ENV["FB_TOKEN"] not in info.value.message
    assert replies_under(sandbox, comment) == []


def test_a_wrong_token_is_an_auth_error(sandbox: Sandbox, sandbox_client: HttpClient) -> None:
    comment = resident_comment(sandbox)
    with pytest.raises(WriteError) as info:
        writer(sandbox, sandbox_client, "FB_WRONG").post_reply(target_of(comment), ANSWER)
    assert info.value.kind is WriteErrorKind.AUTH
    assert "EAAWrong" not in info.value.message


def test_a_deleted_comment_is_target_gone(sandbox: Sandbox, sandbox_client: HttpClient) -> None:
    comment = resident_comment(sandbox)
    sandbox.graph.world.delete(comment.node_id, sandbox.now() - timedelta(seconds=1))
    with pytest.raises(WriteError) as info:
        writer(sandbox, sandbox_client).post_reply(target_of(comment), ANSWER)
    assert info.value.kind is WriteErrorKind.TARGET_GONE


def test_a_500_that_still_published_is_found_by_read_back(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    sandbox.graph.fail(2, status=500, method="POST", applied=True, transient=True)
    fb = writer(sandbox, sandbox_client)
    since = sandbox.now()
    with pytest.raises(WriteError) as info:
        fb.post_reply(target_of(comment), ANSWER)
    assert info.value.kind is WriteErrorKind.NETWORK
    found = fb.find_reply(target_of(comment), ANSWER, since)
    assert found is not None
    assert [c.node_id for c in replies_under(sandbox, comment)] == [found.platform_id]


def test_a_connection_dropped_after_publishing_is_found_by_read_back(
    sandbox: Sandbox, sandbox_client: HttpClient
) -> None:
    comment = resident_comment(sandbox)
    sandbox.faults.add("reset", "/v25.0/", method="POST", times=1, after_handling=True)
    fb = writer(sandbox, sandbox_client)
    since = sandbox.now()
    with pytest.raises(WriteError) as info:
        fb.post_reply(target_of(comment), ANSWER)
    assert info.value.kind is WriteErrorKind.NETWORK
    assert fb.find_reply(target_of(comment), ANSWER, since) is not None


def test_synced_reply_has_the_posted_external_id_and_is_the_districts(
    sandbox: Sandbox, sandbox_client: HttpClient, db_url: str
) -> None:
    comment = resident_comment(sandbox)
    posted = writer(sandbox, sandbox_client).post_reply(target_of(comment), ANSWER)
    fb = FacebookHarness(sandbox, db_url)
    try:
        assert fb.sync().status == "ok"
        stored = fb.comments()[posted.external_id]
    finally:
        fb.close()
    assert stored["by_account_owner"]
    assert stored["parent_external_id"] == comment.node_id
    assert stored["text"] == ANSWER
