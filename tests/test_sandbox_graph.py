"""The sandbox's Graph API: shapes as in the recorded samples, paging, filters, errors."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from aggregator.sandbox import Sandbox
from aggregator.sandbox.graph import PAGE_TOKEN
from connectors.facebook.connector import COMMENT_FIELDS, POST_FIELDS
from tests.fixtures_sandbox import SandboxFactory
from tests.samples import recorded_json

PAGE = "104392018734562"
SAMPLE_DIR = "facebook/python-facebook-testdata"


def get(sandbox: Sandbox, http: requests.Session, path: str, **params: Any) -> requests.Response:
    query = {"access_token": PAGE_TOKEN, **params}
    return http.get(sandbox.url(f"/v25.0/{path}"), params=query, timeout=5)


def busiest(sandbox: Sandbox) -> str:
    return max(sandbox.graph.post_ids(), key=lambda p: len(sandbox.graph.comment_nodes(p)))


def sample(name: str) -> Any:
    """A recorded Graph sample (skips without ../shared/samples, fails so in CI)."""
    return recorded_json(SAMPLE_DIR, name)


def test_posts_have_the_shape_of_the_recorded_page_feed(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample("apidata__posts__feeds_default_fields_p1.json")
    response = get(sandbox, sandbox_http, f"{PAGE}/published_posts", fields=POST_FIELDS, limit=5)
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    body = response.json()
    assert set(body) == set(recorded) == {"data", "paging"}
    assert set(body["paging"]) == {"cursors", "next"}
    post = body["data"][0]
    assert post["id"].startswith(f"{PAGE}_")
    assert set(post["comments"]) == set(recorded["data"][0]["comments"])
    assert set(post["comments"]["summary"]) == {"order", "total_count", "can_comment"}
    assert len(post["created_time"]) == len(recorded["data"][0]["created_time"])
    assert post["permalink_url"].startswith(f"https://www.facebook.com/{PAGE}/posts/")


def test_comments_have_the_shape_of_the_recorded_comments(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample("apidata__comments__comments_p1.json")
    body = get(sandbox, sandbox_http, f"{busiest(sandbox)}/comments", fields=COMMENT_FIELDS,
               filter="stream", summary="1", limit=10).json()  # fmt: skip
    assert set(body) == set(recorded)
    assert set(body["summary"]) == set(recorded["summary"])
    assert set(recorded["data"][0]) <= set(body["data"][0])
    assert body["data"][0]["id"].count("_") == 1
    replies = [c for c in body["data"] if "parent" in c]
    assert all("reply_comment_id=" in c["permalink_url"] for c in replies)


def test_paging_next_carries_token_and_cursor_and_the_last_page_has_none(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    url: str | None = sandbox.url(f"/v25.0/{PAGE}/published_posts")
    params: dict[str, Any] | None = {"access_token": PAGE_TOKEN, "limit": 10}
    seen: list[str] = []
    while url:
        body = sandbox_http.get(url, params=params, timeout=5).json()
        seen += [p["id"] for p in body["data"]]
        url, params = body.get("paging", {}).get("next"), None
        if url:
            query = parse_qs(urlsplit(url).query)
            assert query["access_token"] == [PAGE_TOKEN]
            assert query["after"] == [body["paging"]["cursors"]["after"]]
    assert seen == sandbox.graph.post_ids()


def test_cursors_survive_new_items_arriving_between_pages(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    post = busiest(sandbox)
    first = get(sandbox, sandbox_http, f"{post}/comments", filter="stream", limit=3).json()
    sandbox.graph.world.add_comment(post, "새 댓글", sandbox.now())
    after = first["paging"]["cursors"]["after"]
    second = get(sandbox, sandbox_http, f"{post}/comments", filter="stream", limit=3, after=after)
    ids = [c["id"] for c in first["data"] + second.json()["data"]]
    assert ids == [c.node_id for c in sandbox.graph.comment_nodes(post)][:6]


def test_since_until_and_limit_filter_posts(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    posts = sandbox.graph.world.posts(sandbox.now())
    since = int(posts[5].created_at.timestamp())
    until = int(posts[2].created_at.timestamp())
    body = get(sandbox, sandbox_http, f"{PAGE}/published_posts", since=since, until=until).json()
    assert [p["id"] for p in body["data"]] == [p.node_id for p in posts[2:6]]
    many = get(sandbox, sandbox_http, f"{PAGE}/published_posts", limit=500).json()
    assert len(many["data"]) == min(100, len(posts))


def test_comment_filters_order_and_summary(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    post = busiest(sandbox)
    nodes = sandbox.graph.comment_nodes(post)
    top = get(sandbox, sandbox_http, f"{post}/comments", summary="true").json()
    stream = get(sandbox, sandbox_http, f"{post}/comments", filter="stream", summary="true",
                 order="reverse_chronological", limit=100).json()  # fmt: skip
    assert top["summary"]["total_count"] == sum(1 for c in nodes if c.parent_node is None)
    assert stream["summary"] == {
        "order": "chronological", "total_count": len(nodes), "can_comment": True,
    }, "Graph echoes chronological (or ranked), not the order asked for"  # fmt: skip
    assert [c["id"] for c in stream["data"]] == [c.node_id for c in reversed(nodes)]
    parent = next(c.parent_node for c in nodes if c.parent_node)
    replies = get(sandbox, sandbox_http, f"{parent}/comments").json()["data"]
    assert {c["id"] for c in replies} == {c.node_id for c in nodes if c.parent_node == parent}


def test_every_answer_carries_usage_headers(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.graph.usage_percent = 64
    sandbox.graph.regain_minutes = 3
    headers = get(sandbox, sandbox_http, "me").headers
    assert json.loads(headers["X-App-Usage"])["call_count"] == 64
    buc = json.loads(headers["X-Business-Use-Case-Usage"])[PAGE][0]
    assert (buc["call_count"], buc["estimated_time_to_regain_access"]) == (64, 3)
    assert json.loads(headers["X-Page-Usage"])["call_count"] == 64


def test_ranked_comments_say_ranked(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    body = get(sandbox, sandbox_http, f"{busiest(sandbox)}/comments", summary="1", order="ranked")
    assert body.json()["summary"]["order"] == "ranked"


def test_visitor_posts_page_by_time_without_cursors_and_the_last_page_looks_back(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    """As the recorded `/posts` pages: `until` and `__paging_token` in `next`, `since` in
    `previous`, no `cursors`; the last page has `previous` and no `next`."""
    recorded = [sample(f"apidata__posts__feed_fields_p{n}.json")["paging"] for n in (1, 2)]
    url: str | None = sandbox.url(f"/v25.0/{PAGE}/visitor_posts")
    params: dict[str, Any] | None = {"access_token": PAGE_TOKEN, "limit": 1}
    seen: list[str] = []
    pages = []
    while url:
        body = sandbox_http.get(url, params=params, timeout=5).json()
        pages.append(body["paging"])
        seen += [p["id"] for p in body["data"]]
        url, params = body["paging"].get("next"), None
    assert len(pages) > 1
    assert (set(pages[0]), set(pages[-1])) == (set(recorded[0]), set(recorded[1]))
    assert {"until", "__paging_token"} <= set(parse_qs(urlsplit(pages[0]["next"]).query))
    assert "since" in parse_qs(urlsplit(pages[-1]["previous"]).query)
    assert seen == [p.node_id for p in sandbox.graph.world.visitor_posts(sandbox.now())]


@pytest.mark.parametrize(("token", "code"), [("wrong", 190), ("", 104)])
def test_only_the_sandbox_token_opens_the_page(
    sandbox: Sandbox, sandbox_http: requests.Session, token: str, code: int
) -> None:
    response = sandbox_http.get(sandbox.url("/v25.0/me"), params={"access_token": token})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.headers["Content-Type"].startswith("application/json")


def test_unknown_fields_and_objects_are_graph_errors(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    unknown = get(sandbox, sandbox_http, f"{PAGE}/published_posts", fields="id,type").json()
    assert unknown["error"]["code"] == 100
    assert "nonexisting field (type)" in unknown["error"]["message"]
    missing = get(sandbox, sandbox_http, f"{PAGE}_1").json()["error"]
    assert (missing["code"], missing["error_subcode"]) == (100, 33)


def test_objects_read_by_id(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    post = busiest(sandbox)
    comment = sandbox.graph.comment_nodes(post)[0]
    assert get(sandbox, sandbox_http, "me").json() == {"name": "한빛구청", "id": PAGE}
    assert get(sandbox, sandbox_http, post).json()["id"] == post
    assert get(sandbox, sandbox_http, comment.node_id).json()["message"] == comment.message


def test_appsecret_proof_is_checked_when_the_sandbox_has_an_app_secret(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.graph.app_secret = "secret"
    error = get(sandbox, sandbox_http, "me").json()["error"]
    assert (error["code"], error["type"]) == (100, "GraphMethodException")
    bad = get(sandbox, sandbox_http, "me", appsecret_proof="00").json()["error"]
    assert "Invalid appsecret_proof" in bad["message"]


def test_scripted_errors_skip_then_fire_then_stop(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.graph.fail(80001, path_contains="/comments", skip=1, times=2, eta_minutes=7)
    post = busiest(sandbox)
    statuses = [get(sandbox, sandbox_http, f"{post}/comments").status_code for _ in range(4)]
    assert statuses == [200, 400, 400, 200]
    assert get(sandbox, sandbox_http, "me").status_code == 200
    sandbox.graph.fail(80001, eta_minutes=7)
    throttled = get(sandbox, sandbox_http, "me")
    assert throttled.json()["error"]["code"] == 80001
    buc = json.loads(throttled.headers["X-Business-Use-Case-Usage"])[PAGE][0]
    assert buc["estimated_time_to_regain_access"] == 7


def test_without_the_moderate_task_comments_come_without_id_and_author(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.graph.omit_comment_ids = True
    data = get(sandbox, sandbox_http, f"{busiest(sandbox)}/comments", fields=COMMENT_FIELDS)
    assert data.json()["data"]
    assert all("id" not in c and "from" not in c for c in data.json()["data"])


def test_the_page_writes_its_own_replies(sandbox: Sandbox) -> None:
    world, now = sandbox.graph.world, sandbox.now()
    answers = [c for p in world.posts(now) for c in world.comments(p, now) if c.author.id == PAGE]
    assert answers
    assert any(c.parent_node for c in answers)


def test_spam_is_deleted_over_time_and_deleting_a_comment_removes_its_replies(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(comments=2000)
    world, now = sandbox.graph.world, sandbox.now()
    posts = world.posts(now)
    earlier = {c.node_id for p in posts for c in world.comments(p, now - timedelta(days=2))}
    current = {c.node_id for p in posts for c in world.comments(p, now)}
    assert earlier - current, "some comments seen two days ago are gone now"
    post = next(p for p in posts if any(c.parent_node for c in world.comments(p, now)))
    parent = next(c.parent_node for c in world.comments(post, now) if c.parent_node)
    assert parent is not None
    world.delete(parent, now)
    assert all(parent not in (c.node_id, c.parent_node) for c in world.comments(post, now))


def test_some_abuse_is_hidden_and_visitor_posts_exist(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(comments=2000)
    world, now = sandbox.graph.world, sandbox.now()
    assert any(c.hidden for p in world.posts(now) for c in world.comments(p, now))
    visitors = world.visitor_posts(now)
    assert visitors
    assert all(p.author.id != PAGE for p in visitors)


def test_same_seed_serves_the_same_graph_data(
    make_sandbox: SandboxFactory, sandbox_http: requests.Session
) -> None:
    one, two = make_sandbox(seed=11), make_sandbox(seed=11)
    path = f"{PAGE}/published_posts"
    first = get(one, sandbox_http, path, fields=POST_FIELDS).json()
    second = get(two, sandbox_http, path, fields=POST_FIELDS).json()
    first.pop("paging"), second.pop("paging")  # the URLs name each sandbox's port
    assert first == second


def test_comments_of_photo_posts_hang_under_the_photo_not_the_post_id(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    """Real comment ids are `{object-id}_{n}`: for a photo post the object is the photo,
    whose id is neither the post id nor its second half (permalinks name it as well)."""
    world, now = sandbox.graph.world, sandbox.now()
    photo = next(p for p in world.posts(now) if p.picture and world.comments(p, now))
    body = get(sandbox, sandbox_http, f"{photo.node_id}/comments", filter="stream",
               fields=COMMENT_FIELDS).json()  # fmt: skip
    first = body["data"][0]
    object_id, _, number = first["id"].partition("_")
    assert object_id not in photo.node_id.split("_")
    assert f"fbid={object_id}" in first["permalink_url"]
    assert f"comment_id={number}" in first["permalink_url"]
    assert get(sandbox, sandbox_http, first["id"]).json()["id"] == first["id"]
    status = next(p for p in world.posts(now) if not p.picture and world.comments(p, now))
    assert world.comments(status, now)[0].node_id.startswith(status.node_id.split("_")[1] + "_")
