"""Instagram Graph payloads -> records, on our fixtures shaped like the recorded samples
(tests/fixtures/instagram, kept faithful by test_fixtures_faithful.py), and the Graph
error classification as an Instagram account's messages name it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from aggregator.connector import AuthExpired, ParseError, PermissionMissing
from aggregator.records import CommentKind, JSONValue
from connectors.graph.api import next_query
from connectors.graph.errors import GraphError, classify
from connectors.instagram.cursor import CommentState, load_mark
from connectors.instagram.mapping import (
    Owner,
    media_comment_count,
    nested_replies,
    parse_time,
    to_comment,
    to_post,
)
from connectors.instagram.settings import InstagramAccount
from tests.samples import fixture_json

IG = "17841452391708236"
OWNER = Owner(IG, "hanbitgu_official")
MEDIA = "17905000000400002"
SOURCE = "https://graph.facebook.com/v25.0/17905000000400002/comments"


def sample(name: str) -> Any:
    """Our fixture shaped like the recorded Instagram sample of the same name."""
    return fixture_json("instagram", name)


def comment(payload: dict[str, Any], parent: str | None = None) -> Any:
    return to_comment(payload, media_id=MEDIA, owner=OWNER, source_url=SOURCE, parent_id=parent)


def test_media_map_to_posts_with_caption_counts_and_permalink() -> None:
    reel = sample("apidata__users__medias_p1.json")["data"][1]
    post = to_post(reel, ig_user_id=IG, source_url="https://g/v25.0/x/media")
    assert post.platform == "instagram"
    assert post.external_id == "17905000000400002"
    assert post.created_at == datetime(2026, 11, 19, 9, 5, 12, tzinfo=UTC)
    assert post.url == "https://www.instagram.com/reel/HbGuReel02/"
    assert post.comment_count == 5
    assert post.metrics == {"likes": 48, "comments": 5}
    assert post.author_id == IG
    assert post.text == ""  # no caption asked for on this page
    assert post.raw["media_type"] == "VIDEO"


def test_a_carousel_keeps_its_caption_and_children_in_raw() -> None:
    album = sample("apidata__users__medias_p2.json")["data"][0]
    post = to_post(album, ig_user_id=IG, source_url="s")
    assert post.text.startswith("한빛구 가을 축제 현장")
    assert len(post.raw["children"]["data"]) == 2  # type: ignore[index,call-overload]


def test_media_pages_follow_after_and_stop_without_next() -> None:
    first = sample("apidata__users__medias_p1.json")["paging"]
    last = sample("apidata__users__medias_p2.json")["paging"]
    assert next_query(first) == {"after": "QVFIUmFmdGVy"}
    assert next_query(last) is None  # only `previous`


def test_comment_pages_follow_after_and_the_last_page_has_no_paging() -> None:
    assert next_query(sample("apidata__medias__comments_p1.json")["paging"]) == {
        "after": "QVFIUmNvbW1lbnRz"
    }
    assert "paging" not in sample("apidata__medias__comments_p2.json")


def test_default_field_comments_map_without_author() -> None:
    record = comment(sample("apidata__medias__comments_p1.json")["data"][0])
    assert record.external_id == "18047000000500011"
    assert record.text == "축제 주차장은 어디에 있나요?"
    assert record.kind is CommentKind.COMMENT
    assert record.post_external_id == MEDIA
    assert record.author_id is None
    assert record.author_name is None
    assert record.by_account_owner is False


def test_all_fields_comment_has_username_as_name_and_handle() -> None:
    top = sample("ig_media_comments_all_fields.json")["data"][0]
    record = comment(top)
    assert record.author_id == "17841455500000101"
    assert record.author_name == record.author_handle == "hanbit_resident_lee"
    assert record.metrics == {"likes": 3}
    assert "replies" not in record.raw  # replies are records of their own


def test_nested_replies_become_replies_under_their_comment() -> None:
    top = sample("ig_media_comments_all_fields.json")["data"][0]
    replies, more = nested_replies(top)
    assert more is False
    reply = comment(dict(replies[0]), parent=top["id"])
    assert reply.kind is CommentKind.REPLY
    assert reply.parent_external_id == "18047000000500020"


def test_the_districts_reply_is_recognised_by_username() -> None:
    top = sample("ig_media_comments_all_fields.json")["data"][0]
    (reply,), _ = nested_replies(top)
    assert comment(dict(reply)).by_account_owner is True
    assert comment(top).by_account_owner is False


def test_the_accounts_own_comment_is_recognised_by_user_without_a_username_setting() -> None:
    own = sample("models__ig_comment.json")
    record = to_comment(own, media_id=MEDIA, owner=Owner(IG), source_url=SOURCE)
    assert record.by_account_owner is True


def test_a_reply_without_parent_id_takes_the_comment_it_came_under() -> None:
    own = sample("models__ig_comment.json")
    (reply,), _ = nested_replies(own)
    record = comment(dict(reply), parent=own["id"])
    assert record.kind is CommentKind.REPLY
    assert record.parent_external_id == own["id"]


def test_replies_edge_items_map_as_comments_with_their_given_parent() -> None:
    item = sample("apidata__comments__replies.json")["data"][0]
    record = comment(item, parent="18047000000500011")
    assert record.parent_external_id == "18047000000500011"
    assert record.created_at == datetime(2026, 11, 19, 12, 1, tzinfo=UTC)


def test_hidden_comments_keep_their_hidden_mark() -> None:
    spam = sample("ig_media_comments_all_fields.json")["data"][1]
    assert comment(spam).hidden_upstream is True
    assert comment(sample("ig_media_comments_all_fields.json")["data"][0]).hidden_upstream is False


def test_nested_replies_with_a_next_page_say_more_follow() -> None:
    payload = {"replies": {"data": [{"id": "1"}], "paging": {"next": "https://g/next"}}}
    assert nested_replies(payload) == ([{"id": "1"}], True)
    assert nested_replies({"replies": "broken"}) == ([], False)


@pytest.mark.parametrize("payload", [{"text": "x"}, {"id": "1", "timestamp": "어제"}])
def test_a_comment_without_id_or_timestamp_is_a_parse_error(payload: dict[str, Any]) -> None:
    with pytest.raises(ParseError):
        comment(payload)


def test_missing_optional_fields_become_none() -> None:
    post = to_post({"id": "1", "timestamp": "2026-11-01T00:00:00+0000"}, ig_user_id=IG,
                   source_url="s")  # fmt: skip
    assert (post.url, post.comment_count, post.author_name, post.text) == (None, None, None, "")
    assert media_comment_count({"comments_count": -1}) is None


def test_times_are_aware_utc() -> None:
    parsed = parse_time("2026-11-19T09:05:12+0000")
    assert parsed is not None
    assert parsed.utcoffset() is not None
    assert parse_time(None) is None
    assert parse_time("2026-11-19T09:05:12") is None


def test_malformed_cursors_read_as_absent() -> None:
    broken: JSONValue = {"read": ["x"]}
    assert CommentState.load(broken).read == {}
    assert load_mark("nonsense") is None
    state = CommentState({"1": 3, "2": 0})
    assert CommentState.load(state.dump()).read == {"1": 3, "2": 0}
    assert state.dump({"2"}) == {"read": {"2": 0}}


def account() -> InstagramAccount:
    return InstagramAccount.model_validate(
        {"name": "instagram", "platform": "instagram", "ig_user_id": IG,
         "access_token": {"env": "T"}},
        context={"environ": {"T": "EAAtoken"}},
    )  # fmt: skip


def test_an_expired_token_names_the_instagram_account_and_the_variable() -> None:
    body = {"error": {"code": 190, "error_subcode": 463, "message": "Session has expired",
                      "type": "OAuthException"}}  # fmt: skip
    outcome = classify(GraphError.from_body(body), account().graph_owner(), "HANBIT_TOKEN")
    assert isinstance(outcome.error, AuthExpired)
    assert f"Instagram account {IG}" in str(outcome.error)
    assert "$HANBIT_TOKEN" in str(outcome.error)
    assert "'Instagram'" in str(outcome.error)


def test_a_missing_permission_names_the_instagram_permission() -> None:
    body = {"error": {"code": 10, "message": "(#10) Application does not have permission"}}
    outcome = classify(GraphError.from_body(body), account().graph_owner(), "T")
    assert isinstance(outcome.error, PermissionMissing)
    assert "instagram_basic" in str(outcome.error)
    named = {"error": {"code": 200, "message": "Requires instagram_manage_comments permission"}}
    error = classify(GraphError.from_body(named), account().graph_owner(), "T").error
    assert "instagram_manage_comments" in str(error)
