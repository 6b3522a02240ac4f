"""The sandbox's X API v2: shapes, ids, pagination, since_id, the 7-day search window, edits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests

from aggregator.sandbox import Sandbox
from aggregator.sandbox.twitter import BEARER_TOKEN
from aggregator.sandbox.x_world import CORRECTIONS, DISTRICT_USER_ID
from connectors.twitter.mapping import snowflake_at, snowflake_time
from tests.fixtures_sandbox import SandboxFactory

AUTH = {"Authorization": f"Bearer {BEARER_TOKEN}"}
MENTIONS = f"/2/users/{DISTRICT_USER_ID}/mentions"
TWEETS = f"/2/users/{DISTRICT_USER_ID}/tweets"
FIELDS = "created_at,author_id,conversation_id,referenced_tweets,in_reply_to_user_id"


def get(http: requests.Session, sandbox: Sandbox, path: str, **params: Any) -> requests.Response:
    return http.get(sandbox.url(path), params=params, headers=AUTH, timeout=5)


def test_pages_follow_next_token_newest_first_without_gaps_or_repeats(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    everything = get(sandbox_http, sandbox, MENTIONS, max_results=100).json()
    seen: list[str] = []
    token: str | None = None
    while True:
        params = {"max_results": 5, **({"pagination_token": token} if token else {})}
        body = get(sandbox_http, sandbox, MENTIONS, **params).json()
        ids = [t["id"] for t in body["data"]]
        assert body["meta"]["newest_id"] == ids[0]
        assert body["meta"]["oldest_id"] == ids[-1]
        assert body["meta"]["result_count"] == len(ids)
        seen += ids
        token = body["meta"].get("next_token")
        if token is None:
            break
    assert seen == [t["id"] for t in everything["data"]]
    assert [int(i) for i in seen] == sorted((int(i) for i in seen), reverse=True)


def test_since_id_returns_only_newer_tweets_and_an_empty_answer_is_just_meta(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    body = get(sandbox_http, sandbox, TWEETS, max_results=10).json()
    middle = body["data"][4]["id"]
    newer = get(sandbox_http, sandbox, TWEETS, since_id=middle).json()
    assert [t["id"] for t in newer["data"]] == [t["id"] for t in body["data"][:4]]
    newest = body["meta"]["newest_id"]
    assert get(sandbox_http, sandbox, TWEETS, since_id=newest).json() == {
        "meta": {"result_count": 0}
    }


def test_tweets_have_snowflake_ids_that_grow_with_time_and_the_requested_fields(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    body = get(
        sandbox_http, sandbox, MENTIONS, max_results=100, expansions="author_id",
        **{"tweet.fields": FIELDS, "user.fields": "username,name"},
    ).json()  # fmt: skip
    for tweet in body["data"]:
        assert isinstance(tweet["id"], str)
        assert int(tweet["id"]) > 2**53
        made = snowflake_time(tweet["id"])
        assert made is not None
        assert made.isoformat(timespec="seconds")[:19] == tweet["created_at"][:19]
        assert tweet["edit_history_tweet_ids"][-1] == tweet["id"]
        assert "@hanbit_gu" in tweet["text"]
        assert "public_metrics" not in tweet, "only requested fields"
    authors = {u["id"] for u in body["includes"]["users"]}
    assert {t["author_id"] for t in body["data"]} <= authors
    assert any(any("\uac00" <= ch <= "\ud7a3" for ch in t["text"]) for t in body["data"])


def test_search_reads_only_the_asked_conversations_within_seven_days(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    own = get(sandbox_http, sandbox, TWEETS, max_results=100, **{"tweet.fields": FIELDS}).json()
    roots = [t["id"] for t in own["data"] if t["conversation_id"] == t["id"]][:3]
    query = "(" + " OR ".join(f"conversation_id:{r}" for r in roots) + ") is:reply"
    body = get(
        sandbox_http, sandbox, "/2/tweets/search/recent", query=query, max_results=100,
        **{"tweet.fields": FIELDS},
    ).json()  # fmt: skip
    oldest = sandbox.now() - timedelta(days=7)
    for tweet in body.get("data", []):
        assert tweet["conversation_id"] in roots
        assert tweet["referenced_tweets"][0]["type"] == "replied_to"
        made = snowflake_time(tweet["id"])
        assert made is not None
        assert made >= oldest


def test_search_refuses_a_since_id_older_than_seven_days(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    old = snowflake_at(sandbox.now() - timedelta(days=8))
    answer = get(
        sandbox_http, sandbox, "/2/tweets/search/recent", query="conversation_id:1", since_id=old
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert "'since_id' must be a tweet id created after" in body["errors"][0]["message"]


@pytest.mark.parametrize("bad", ["1", "101", "x"])
def test_max_results_outside_5_to_100_is_an_invalid_request(
    sandbox: Sandbox, sandbox_http: requests.Session, bad: str
) -> None:
    assert get(sandbox_http, sandbox, TWEETS, max_results=bad).status_code == 400


def test_without_the_bearer_token_the_answer_is_a_401_problem(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    answer = sandbox_http.get(sandbox.url(TWEETS), timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {
        "title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401,
    }  # fmt: skip


def test_rate_limit_headers_count_down_per_endpoint_window(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    first = get(sandbox_http, sandbox, MENTIONS).headers
    second = get(sandbox_http, sandbox, MENTIONS).headers
    other = get(sandbox_http, sandbox, TWEETS).headers
    assert int(first["x-rate-limit-remaining"]) - 1 == int(second["x-rate-limit-remaining"])
    assert other["x-rate-limit-limit"] != first["x-rate-limit-limit"]
    reset = int(first["x-rate-limit-reset"])
    assert 0 < reset - sandbox.now().timestamp() <= 15 * 60


def test_an_edit_adds_a_new_id_to_the_edit_history(
    make_sandbox: SandboxFactory, sandbox_http: requests.Session
) -> None:
    sandbox = make_sandbox(rewind_days=3)
    world, now = sandbox.x.world, sandbox.now()
    edited = next(t for t in world.tweets() if len(t.versions) > 1 and t.created_at > now)
    sandbox.advance((edited.created_at - now).total_seconds() / 60 + 1)
    before = get(sandbox_http, sandbox, "/2/tweets", ids=str(edited.key)).json()["data"][0]
    assert before["edit_history_tweet_ids"] == [str(edited.key)]
    sandbox.advance(31)
    newest = get(sandbox_http, sandbox, TWEETS, max_results=5).json()["data"]
    latest = next(t for t in newest if t["edit_history_tweet_ids"][0] == str(edited.key))
    assert latest["id"] == str(edited.versions[1].id)
    assert latest["edit_history_tweet_ids"] == [str(v.id) for v in edited.versions]
    assert any(note in latest["text"] for note in CORRECTIONS)


def test_lookup_answers_missing_ids_as_partial_errors(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    known = get(sandbox_http, sandbox, TWEETS, max_results=5).json()["data"][0]["id"]
    body = get(sandbox_http, sandbox, "/2/tweets", ids=f"{known},123").json()
    assert [t["id"] for t in body["data"]] == [known]
    assert body["errors"][0]["resource_id"] == "123"
    assert body["errors"][0]["type"].endswith("/resource-not-found")


def test_referenced_tweets_in_includes_carry_their_own_references(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    """As in the recorded lookup: an included parent that is itself a reply says so."""
    body = get(sandbox_http, sandbox, MENTIONS, max_results=100, **{
        "tweet.fields": FIELDS, "expansions": "referenced_tweets.id"}).json()  # fmt: skip
    world = sandbox.x.world
    included = body["includes"]["tweets"]
    replies = [t for t in included if world.find(int(t["id"])).replied_to is not None]  # type: ignore[union-attr]
    assert replies
    assert all(t["referenced_tweets"][0]["type"] == "replied_to" for t in replies)


def test_deleted_and_protected_tweets_are_partial_errors_of_their_own_kind(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    first, second = (
        t["id"] for t in get(sandbox_http, sandbox, TWEETS, max_results=5).json()["data"][:2]
    )
    sandbox.x.world.delete(int(first), sandbox.now())
    sandbox.x.world.protected.add(sandbox.x.world.find(int(second)).key)  # type: ignore[union-attr]
    body = get(sandbox_http, sandbox, "/2/tweets", ids=f"{first},{second}").json()
    assert "data" not in body
    assert [e["title"] for e in body["errors"]] == ["Not Found Error", "Authorization Error"]
    assert first not in {
        t["id"] for t in get(sandbox_http, sandbox, TWEETS, max_results=100).json()["data"]
    }
