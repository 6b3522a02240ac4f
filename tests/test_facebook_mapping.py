"""Graph payloads -> records: our fixtures shaped like the recorded Graph samples
(tests/fixtures/facebook, kept faithful by test_fixtures_faithful.py) and inline payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from aggregator.connector import AuthExpired, FetchError, ParseError, PermissionMissing
from aggregator.records import CommentKind
from connectors.facebook.mapping import (
    MissingCommentId,
    comment_total,
    parse_time,
    to_comment,
    to_mention,
    to_post,
)
from connectors.graph.api import next_query
from connectors.graph.errors import Action, GraphError, classify, parse_usage, redact
from tests.samples import fixture_json

PAGE = "104392018734562"
SOURCE = "https://graph.facebook.com/v25.0/x/comments"


def sample(name: str) -> Any:
    """Our fixture shaped like the recorded Graph sample of the same name."""
    return fixture_json("facebook", name)


def comment_payload(**fields: Any) -> dict[str, Any]:
    payload = {
        "id": "10158000400000001_10159000400000001",
        "message": "주차장 언제 열어요?",
        "created_time": "2026-11-10T02:50:51+0000",
        "from": {"name": "김민준", "id": "6685220107253445"},
        "like_count": 2,
        "comment_count": 1,
        "is_hidden": False,
        "permalink_url": "https://www.facebook.com/104392018734562/posts/1/?comment_id=1",
    }
    return {**payload, **fields}


# -- posts (recorded) -------------------------------------------------------------------


def test_page_feed_sample_maps_posts_with_comment_counts_and_metrics() -> None:
    page = sample("apidata__posts__feeds_default_fields_p1.json")
    posts = [to_post(p, page_id=PAGE, source_url=SOURCE) for p in page["data"]]
    first = posts[0]
    assert first.platform == "facebook"
    assert first.external_id == "104392018734562_10158000400000101"
    assert first.created_at == datetime(2026, 11, 9, 23, 30, tzinfo=UTC)
    assert first.created_at.tzinfo is UTC
    assert first.updated_at is not None
    assert first.updated_at.tzinfo is UTC
    assert first.url == "https://www.facebook.com/104392018734562/posts/10158000400000101/"
    assert first.text.startswith("한빛구청 공영주차장 신축 공사가")
    assert [p.comment_count for p in posts] == [7, 3]
    assert first.metrics["shares"] == 4
    assert first.metrics["comments"] == 7
    assert first.raw["attachments"] == page["data"][0]["attachments"]
    assert first.author_id == PAGE, "posts without `from` are the Page's"
    assert first.source_url == SOURCE


def test_posts_without_comment_summary_have_no_count() -> None:
    page = sample("apidata__posts__feed_fields_p1.json")
    posts = [to_post(p, page_id="4", source_url=SOURCE) for p in page["data"]]
    assert {p.comment_count for p in posts} == {None}
    assert posts[0].text == "구민 여러분, 즐거운 추석 보내세요! 🌕"


def test_single_post_node_keeps_non_ascii_text() -> None:
    post = to_post(
        sample("apidata__posts__single_post_data_fields.json"), page_id="1", source_url=SOURCE
    )
    assert post.external_id == "104392018734562_10158000400000106"
    assert post.text == "한빛구 🚲 따릉이 대여소 3곳 신설"
    assert post.created_at == datetime(2026, 11, 3, 6, 45, 10, tzinfo=UTC)


def test_album_post_sample_maps_and_keeps_subattachments_raw() -> None:
    payload = sample("models__post.json")
    post = to_post(payload, page_id=PAGE, source_url=SOURCE)
    assert post.raw["attachments"]["data"][0]["subattachments"]


# -- comments (recorded) ----------------------------------------------------------------


def test_comment_node_sample_maps_without_author() -> None:
    comment = to_comment(
        sample("apidata__comments__comment_info.json"),
        page_id=PAGE,
        post_id="104392018734562_10158000400000101",
        source_url=SOURCE,
    )
    assert comment.external_id == "10158000400000101_10159000400000201"
    assert comment.text == "공사 소음 시간대가 궁금합니다"
    assert comment.kind is CommentKind.COMMENT
    assert comment.parent_external_id is None
    assert comment.author_id is None
    assert not comment.by_account_owner
    assert comment.metrics == {"likes": 0, "replies": 0}
    assert comment.created_at == datetime(2026, 11, 10, 3, 5, 14, tzinfo=UTC)


def test_multi_id_lookup_sample_maps_each_comment() -> None:
    found = sample("apidata__comments__comments_info.json")
    comments = [to_comment(c, page_id=PAGE, post_id="p", source_url=SOURCE) for c in found.values()]
    assert {c.external_id for c in comments} == set(found)
    assert comments[1].metrics["replies"] == 1


def test_page_token_comment_sample_has_author_hidden_flag_and_attachment() -> None:
    payload = sample("models__comment.json")
    comment = to_comment(payload, page_id=PAGE, post_id="p", source_url=SOURCE)
    assert (comment.author_id, comment.author_name) == ("6685220107253445", "김민준")
    assert comment.hidden_upstream is False
    assert comment.raw["attachment"]["type"] == "photo"
    assert comment.permalink == payload["permalink_url"]
    written_by_page = to_comment(payload, page_id="6685220107253445", post_id="p", source_url="")
    assert written_by_page.by_account_owner


def test_comments_without_ids_raise_an_explicit_error_naming_the_moderate_task() -> None:
    """E15: a page read without the MODERATE task (as recorded) has neither `id` nor `from`:
    never store unkeyed rows."""
    page = sample("apidata__comments__comments_p1.json")
    with pytest.raises(MissingCommentId, match="MODERATE") as caught:
        to_comment(page["data"][0], page_id=PAGE, post_id="p1", source_url=SOURCE)
    assert isinstance(caught.value, ParseError)
    assert "p1" in str(caught.value)


# -- comments (fixtures) ----------------------------------------------------------------


def test_reply_links_to_its_parent() -> None:
    payload = comment_payload(parent={"id": "10158000400000001_10159000400000000"})
    comment = to_comment(payload, page_id=PAGE, post_id="post", source_url=SOURCE)
    assert comment.kind is CommentKind.REPLY
    assert comment.parent_external_id == "10158000400000001_10159000400000000"
    assert comment.post_external_id == "post"


def test_the_pages_own_reply_is_marked_as_the_districts() -> None:
    payload = comment_payload(parent={"id": "c1"}, **{"from": {"name": "한빛구청", "id": PAGE}})
    comment = to_comment(payload, page_id=PAGE, post_id="post", source_url=SOURCE)
    assert comment.by_account_owner
    assert comment.parent_external_id == "c1"


def test_hidden_comment_keeps_its_hidden_flag() -> None:
    payload = comment_payload(is_hidden=True)
    assert to_comment(payload, page_id=PAGE, post_id="p", source_url=SOURCE).hidden_upstream


def test_comment_without_message_has_empty_text_and_unknown_fields_are_kept_raw() -> None:
    payload = comment_payload(message=None, brand_new_field={"x": 1})
    comment = to_comment(payload, page_id=PAGE, post_id="p", source_url=SOURCE)
    assert comment.text == ""
    assert comment.raw["brand_new_field"] == {"x": 1}


def test_comment_without_created_time_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="created_time"):
        to_comment(comment_payload(created_time="yesterday"), page_id=PAGE, post_id="p",
                   source_url=SOURCE)  # fmt: skip


def test_comments_of_a_visitor_post_hang_under_it() -> None:
    comment = to_comment(
        comment_payload(), page_id=PAGE, post_id="visitor", source_url=SOURCE, thread_root="visitor"
    )
    assert comment.kind is CommentKind.REPLY
    assert comment.parent_external_id == "visitor"


def test_visitor_post_is_a_mention_by_its_author() -> None:
    payload = {
        "id": f"{PAGE}_10157000000000100",
        "message": "우리 동네 가로등이 일주일째 꺼져 있어요.",
        "created_time": "2026-11-02T11:00:00+0900",
        "from": {"name": "박서연", "id": "1234"},
        "comments": {"data": [], "summary": {"total_count": 1}},
    }
    mention = to_mention(payload, page_id=PAGE, source_url=SOURCE)
    assert mention.kind is CommentKind.MENTION
    assert mention.author_name == "박서연"
    assert not mention.by_account_owner
    assert mention.created_at == datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    assert mention.post_external_id is None


def test_graph_times_parse_to_aware_utc() -> None:
    assert parse_time("2021-07-21T21:05:14+0000") == datetime(2021, 7, 21, 21, 5, 14, tzinfo=UTC)
    assert parse_time("2021-07-22T06:05:14+09:00") == datetime(2021, 7, 21, 21, 5, 14, tzinfo=UTC)
    assert parse_time("2021-07-21T21:05:14") is None, "naive times are refused"
    assert parse_time(None) is None
    assert comment_total({"comments": {"summary": {"total_count": "3"}}}) is None


# -- errors and usage (recorded and documented shapes) ------------------------------------


def test_recorded_error_asking_for_app_secret_proof_is_a_permission_problem() -> None:
    error = GraphError.from_body(sample("error.json"))
    assert (error.code, error.type) == (100, "OAuthException")
    outcome = classify(error, PAGE, "FB_TOKEN")
    assert isinstance(outcome.error, PermissionMissing)
    assert "app_secret" in str(outcome.error)


def test_recorded_missing_permission_error_names_the_permission() -> None:
    outcome = classify(GraphError.from_body(sample("base__error_data.json")), PAGE, "FB_TOKEN")
    assert isinstance(outcome.error, PermissionMissing)
    assert "pages_read_engagement" in str(outcome.error)


@pytest.mark.parametrize(
    ("code", "subcode", "action"),
    [
        (190, 463, Action.FAIL), (190, None, Action.FAIL), (102, None, Action.FAIL),
        (10, None, Action.FAIL), (283, None, Action.FAIL), (4, None, Action.THROTTLE),
        (17, None, Action.THROTTLE), (32, None, Action.THROTTLE), (613, None, Action.THROTTLE),
        (80001, None, Action.THROTTLE), (2, None, Action.RETRY), (1, None, Action.RETRY),
        (100, 33, Action.GONE), (100, None, Action.FAIL),
    ],
)  # fmt: skip
def test_error_codes_map_to_actions(code: int, subcode: int | None, action: Action) -> None:
    body = {"error": {"message": "m", "type": "OAuthException", "code": code}}
    if subcode is not None:
        body["error"]["error_subcode"] = subcode
    assert classify(GraphError.from_body(body), PAGE, "FB_TOKEN").action is action


def test_expired_token_message_tells_the_admin_what_to_do() -> None:
    body = {"error": {"message": "Session has expired", "code": 190, "error_subcode": 463}}
    error = classify(GraphError.from_body(body), PAGE, "HANBIT_FB_TOKEN").error
    assert isinstance(error, AuthExpired)
    text = str(error)
    assert "has expired" in text
    assert "$HANBIT_FB_TOKEN" in text
    assert "190/463" in text
    assert "long-lived Page access token" in text


def test_code_1_asking_for_less_data_shrinks_the_page() -> None:
    body = {"error": {"message": "Please reduce the amount of data you're asking for", "code": 1}}
    assert classify(GraphError.from_body(body), PAGE, "T").action is Action.SHRINK


def test_unknown_errors_fail_without_retry() -> None:
    outcome = classify(GraphError.from_body({"error": {"code": 999, "message": "?"}}), PAGE, "T")
    assert isinstance(outcome.error, FetchError)


def test_error_text_is_scrubbed_of_secrets() -> None:
    body = {"error": {"message": "bad token SECRET123 in ?access_token=SECRET123&x=1", "code": 1}}
    error = GraphError.from_body(body, secrets=("SECRET123",))
    assert "SECRET123" not in error.message
    assert redact("GET /v1/me?access_token=abc&appsecret_proof=def HTTP/1.1") == (
        "GET /v1/me?access_token=REDACTED&appsecret_proof=REDACTED HTTP/1.1"
    )


def test_usage_headers_parse_to_percentages_and_regain_time() -> None:
    usage = parse_usage(
        {
            "X-App-Usage": '{"call_count":28,"total_time":25,"total_cputime":25}',
            "X-Business-Use-Case-Usage": '{"104":[{"type":"pages","call_count":1,'
            '"total_cputime":91,"total_time":1,"estimated_time_to_regain_access":7}]}',
            "X-Page-Usage": "not json",
        }
    )
    assert (usage.app, usage.business, usage.page) == (28, 91, 0)
    assert usage.percent == 91
    assert usage.regain_seconds == 420
    assert parse_usage({}).percent == 0


def test_next_page_query_follows_cursors_or_time_paging_as_recorded() -> None:
    cursor_paged = sample("apidata__comments__comments_p1.json")["paging"]
    assert next_query(cursor_paged) == {"after": "after"}
    assert next_query(sample("apidata__comments__comments_p2.json")["paging"]) is None
    time_paged = sample("apidata__posts__feed_fields_p1.json")["paging"]
    assert next_query(time_paged) == {"until": "1759392900", "__paging_token": "__paging_token"}
    assert next_query(sample("apidata__posts__feed_fields_p2.json")["paging"]) is None
