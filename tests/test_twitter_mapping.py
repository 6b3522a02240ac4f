"""X mapping on our fixtures shaped like the recorded responses (tests/fixtures/twitter:
decoded bodies and the X documentation's examples, kept faithful by
test_fixtures_faithful.py) and on tweepy's recorded VCR cassettes (../shared/samples)."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import tweepy
import yaml

from aggregator.connector import AuthExpired, FetchError, PermissionMissing
from aggregator.records import CommentKind, CommentRecord, PostRecord
from connectors.twitter.api import classify_http_error, describe_problem, problem_of, to_page
from connectors.twitter.mapping import (
    Known,
    chain_id,
    edit_rounds,
    newer,
    snowflake_at,
    snowflake_time,
    to_comment,
    to_post,
    to_record,
)
from tests.samples import fixture_json, recorded, recorded_json

FETCHED_AT = datetime(2026, 11, 20, tzinfo=UTC)
DISTRICT = "1588413520741122048"
"""The district's X user id in our fixtures (@hanbit_gu)."""


def doc(name: str) -> dict[str, Any]:
    """Our fixture shaped like the X documentation's example of the same name."""
    data: dict[str, Any] = fixture_json("twitter", "x-docs-examples", name)
    return data


def decoded(name: str) -> dict[str, Any]:
    """The response of our fixture shaped like a decoded cassette: {status, headers, body}."""
    response: dict[str, Any] = fixture_json("twitter", "decoded", name)[0]["response"]
    return response


def cassette_response(name: str) -> requests.Response:
    """The first recorded answer of a tweepy cassette as a `requests.Response` (gunzipped)."""
    path = recorded("twitter", "tweepy-cassettes", name)
    cassette = yaml.safe_load(path.read_text())
    answer = cassette["interactions"][0]["response"]
    body = answer["body"]["string"]
    raw = body if isinstance(body, bytes) else base64.b64decode(body)
    response = requests.Response()
    response.status_code = answer["status"]["code"]
    response._content = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    response.url = cassette["interactions"][0]["request"]["uri"]
    for name_, values in answer["headers"].items():
        response.headers[name_] = values[0]
    return response


def response_of(status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.url = "https://api.twitter.com/2/tweets"
    return response


# -- tweepy cassettes and their decoded bodies ---------------------------------------------


@pytest.mark.parametrize(
    ("cassette", "endpoint", "count"),
    [
        ("test_client_get_users_tweets.yaml", "users/tweets", 2),
        ("test_client_get_users_mentions.yaml", "users/mentions", 10),
        ("test_client_search_recent_tweets.yaml", "tweets/search/recent", 10),
        ("test_client_get_tweets.yaml", "tweets", 2),
    ],
)
def test_recorded_cassette_bodies_parse_into_pages(
    cassette: str, endpoint: str, count: int
) -> None:
    page = to_page(endpoint, cassette_response(cassette))
    assert len(page.data) == count
    assert all(t["edit_history_tweet_ids"] == [t["id"]] for t in page.data)
    assert page.url.startswith("https://api.twitter.com/2/")
    assert page.warnings == ()


def test_cassette_and_decoded_sample_hold_the_same_timeline() -> None:
    page = to_page("users/tweets", cassette_response("test_client_get_users_tweets.yaml"))
    body = recorded_json("twitter", "decoded", "get_users_tweets.json")[0]["response"]["body"]
    assert list(page.data) == body["data"]
    assert page.newest_id == body["meta"]["newest_id"] == "1577730467436138524"
    assert page.next_token == body["meta"]["next_token"]


def test_own_timeline_with_default_fields_maps_to_posts_dated_by_snowflake() -> None:
    body = decoded("get_users_tweets.json")["body"]
    known = Known(own_id=DISTRICT).learn(body["data"])
    posts = [to_record(t, known, FETCHED_AT, None, default_author=DISTRICT) for t in body["data"]]
    first = posts[0]
    assert isinstance(first, PostRecord)
    assert all(isinstance(p, PostRecord) for p in posts)
    assert first.external_id == "2122857317790646272"
    assert first.platform == "twitter"
    assert first.text.startswith("한빛구 겨울철 제설 대책을 안내드립니다 ❄️\n\n제설함 위치는")
    assert first.created_at == datetime(2026, 11, 18, 1, 0, tzinfo=UTC)
    assert first.url == "https://x.com/i/web/status/2122857317790646272"
    assert first.raw["id"] == "2122857317790646272"


def test_mentions_without_thread_fields_are_mentions_with_their_text_intact() -> None:
    body = decoded("get_users_mentions.json")["body"]
    known = Known(own_id=DISTRICT)
    comments = [to_comment(t, known, FETCHED_AT) for t in body["data"]]
    assert len(comments) == 10
    assert {c.kind for c in comments} == {CommentKind.MENTION}
    assert comments[0].text == "@hanbit_gu 제설함이 비어 있어요. 한빛로 12길입니다"
    assert all(c.post_external_id is None and not c.by_account_owner for c in comments)
    assert comments[0].created_at == datetime(2026, 11, 19, 12, 59, tzinfo=UTC), "by Snowflake"


def test_user_lookup_sample_gives_the_user_id() -> None:
    page = to_page("users/by/username", response_of(200, decoded("get_user.json")["body"]))
    assert page.data[0]["id"] == DISTRICT


def test_rate_limit_headers_are_recorded_in_the_decoded_samples() -> None:
    recording = recorded_json("twitter", "decoded", "search_recent_tweets.json")
    headers = recording[0]["response"]["headers"]
    assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(headers)


# -- the X documentation's examples ----------------------------------------------------------


def test_conversation_thread_links_replies_to_the_districts_root() -> None:
    body = doc("conversation_search_recent_thread.json")
    known = Known(own_id=DISTRICT, own_roots=frozenset({"5550000001"}))
    by_id = {c.external_id: c for c in (to_comment(t, known, FETCHED_AT) for t in body["data"])}
    assert by_id["5550000002"].kind is CommentKind.COMMENT
    assert by_id["5550000002"].post_external_id == "5550000001"
    assert by_id["5550000002"].parent_external_id is None, "a direct answer to the post"
    deeper = by_id["5550000004"]
    assert (deeper.kind, deeper.post_external_id) == (CommentKind.REPLY, "5550000001")
    assert deeper.parent_external_id == "5550000003"
    assert deeper.created_at == datetime(2026, 11, 15, 3, 5, tzinfo=UTC)


def test_direct_reply_to_our_tweet_is_ours_even_when_the_root_is_unknown() -> None:
    reply = doc("conversation_reply_lookup.json")["data"]
    comment = to_comment(reply, Known(own_id=DISTRICT), FETCHED_AT)
    assert (comment.kind, comment.post_external_id) == (CommentKind.COMMENT, "5550000001")


def test_reply_deeper_in_a_thread_we_do_not_know_is_a_mention_keeping_its_parent() -> None:
    body = doc("conversation_search_recent_thread.json")
    deeper = to_comment(body["data"][0], Known(own_id=DISTRICT), FETCHED_AT)
    assert deeper.kind is CommentKind.MENTION
    assert (deeper.post_external_id, deeper.parent_external_id) == (None, "5550000003")


def test_edited_post_is_one_item_keyed_by_its_first_id_with_the_newest_text() -> None:
    body = doc("edited_post_with_edit_history_expansion.json")
    known = Known(own_id=DISTRICT).learn([body["data"]], body["includes"])
    post = to_record(body["data"], known, FETCHED_AT, None, default_author=DISTRICT)
    assert isinstance(post, PostRecord)
    assert post.external_id == chain_id(body["data"]) == "6660000001"
    assert post.text == "김장 나눔 행사는 11월 22일(토)입니다 (수정)"
    assert known.chain("6660000002") == "6660000001"
    assert post.url == "https://x.com/i/web/status/6660000002", "links the newest version"


@pytest.mark.parametrize("newest_first", [True, False])
def test_versions_of_one_edited_post_are_stored_oldest_first_whatever_their_order(
    newest_first: bool,
) -> None:
    """The sample's two versions in one answer: the edit is stored last (it wins) and
    the original in an earlier round (the store keeps its text as a revision)."""
    body = doc("edited_post_with_edit_history_expansion.json")
    versions = [body["data"], body["includes"]["tweets"][0]]
    arrived = versions if newest_first else versions[::-1]
    single = {"id": "1234567899", "text": "other", "edit_history_tweet_ids": ["1234567899"]}
    rounds = edit_rounds([*arrived, single], lambda tweet: tweet)
    assert [[t["id"] for t in r] for r in rounds] == [["6660000001"], ["6660000002", "1234567899"]]


def test_not_found_partial_errors_name_deleted_ids_and_authorization_errors_do_not() -> None:
    body = doc("partial_error_200_not_found.json")
    body["errors"].append(
        {"resource_id": "789", "resource_type": "tweet", "title": "Authorization Error",
         "detail": "Sorry, you are not authorized to see the Post with id: [789].",
         "type": "https://api.x.com/2/problems/not-authorized-for-resource"}
    )  # fmt: skip
    body["errors"].append(
        {"title": "Not Found Error", "detail": "Could not find tweet with ids: [11, 12]."}
    )
    page = to_page("tweets", response_of(200, body))
    assert page.not_found == {"8882", "11", "12"}
    assert len(page.other_warnings) == 1
    assert "789" in page.other_warnings[0]


def test_lookup_with_all_fields_maps_metrics_times_and_own_reply() -> None:
    body = doc("tweet_lookup_all_fields.json")
    known = Known(own_id=DISTRICT).learn(body["data"], body["includes"])
    record = to_record(body["data"][0], known, FETCHED_AT)
    assert known.own_roots == frozenset(), "the included own reply carries referenced_tweets"
    assert isinstance(record, CommentRecord), "a reply by the account is a comment, not a post"
    assert record.by_account_owner
    assert record.kind is CommentKind.REPLY
    assert record.parent_external_id == "2122152674718646272"
    assert record.created_at == datetime(2026, 11, 16, 2, 26, 16, tzinfo=UTC)
    assert record.metrics == {
        "retweet_count": 2, "reply_count": 1, "like_count": 15, "quote_count": 0,
        "bookmark_count": 1, "impression_count": 830,
    }  # fmt: skip
    assert "‘한빛로 제설’" in record.text
    assert "https://t.co/hAnBiT0002" in record.text


def test_partial_error_sample_keeps_data_and_names_the_missing_item() -> None:
    page = to_page("tweets", response_of(200, doc("partial_error_200_not_found.json")))
    assert [t["id"] for t in page.data] == ["8881"]
    assert page.warnings == (
        "X tweets: tweet 8882: Not Found Error: Could not find tweet with id: [8882].",
    )


def test_pagination_sample_exposes_the_next_token() -> None:
    page = to_page("users/tweets", response_of(200, doc("pagination_meta.json")))
    assert page.next_token == "hanbit0next0page"
    assert page.newest_id is None


def test_legacy_rate_limit_body_is_described_by_code_and_message() -> None:
    problem = problem_of(response_of(429, doc("error_rate_limit_429.json")))
    assert describe_problem(problem) == "88: Rate limit exceeded"


def test_invalid_request_problem_becomes_a_fetch_error_with_its_detail() -> None:
    response = response_of(400, doc("error_problem_invalid_request_400.json"))
    error = classify_http_error("tweets/search/recent", tweepy.BadRequest(response))
    assert isinstance(error, FetchError)
    assert "Invalid Request: The `max_results` query parameter value [500] is not" in str(error)


@pytest.mark.parametrize(("status", "kind"), [(401, AuthExpired), (403, PermissionMissing)])
def test_auth_problems_become_their_run_statuses(status: int, kind: type[Exception]) -> None:
    body = {"title": "Forbidden", "detail": "not permitted", "type": "about:blank"}
    response = response_of(status, body)
    exc = tweepy.Unauthorized(response) if status == 401 else tweepy.Forbidden(response)
    assert isinstance(classify_http_error("users/mentions", exc), kind)


# -- details -------------------------------------------------------------------------------


def test_text_is_unescaped_as_x_escapes_only_amp_lt_gt() -> None:
    tweet = {"id": "2123234859677646963", "text": "&lt;script&gt; A &amp; B \"q\"",
             "edit_history_tweet_ids": ["2123234859677646963"]}  # fmt: skip
    comment = to_comment(tweet, Known(own_id="1"), FETCHED_AT)
    assert comment.text == '<script> A & B "q"'


def test_snowflake_ids_carry_their_time_and_stay_strings() -> None:
    moment = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    since = snowflake_at(moment)
    assert int(since) > 2**53
    assert snowflake_time(since) == moment
    assert snowflake_time("1234567890") is None, "documentation ids are not Snowflakes"
    assert newer("99", "100") == "100"
    assert newer(None, "5") == "5"


def test_missing_everything_but_id_falls_back_to_the_fetch_time() -> None:
    post = to_post({"id": "42"}, Known(own_id="1"), FETCHED_AT)
    assert post.created_at == FETCHED_AT
    assert post.text == ""
    assert post.metrics == {}
