"""The sandbox's Instagram (Graph API, professional account): shapes as in the recorded
samples, paging, writes, moving time, Graph errors and network faults, over real HTTP."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import requests

from aggregator.sandbox import Sandbox
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.sandbox.instagram_world import IG_USER_ID, USERNAME
from tests.fixtures_sandbox import SandboxFactory
from tests.samples import recorded_json

MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,comments_count,"
    "like_count,username,media_url"
)
COMMENT_FIELDS = (
    "id,text,timestamp,username,from{id,username},like_count,hidden,"
    "replies{id,text,timestamp,username,from,hidden,parent_id}"
)


def sample(name: str) -> Any:
    """A recorded payload; skipped where `../shared/samples` is absent, an error in CI."""
    return recorded_json("instagram", name)


def get(sandbox: Sandbox, http: requests.Session, path: str, **params: Any) -> requests.Response:
    query = {"access_token": PAGE_TOKEN, **params}
    return http.get(sandbox.url(f"/v19.0/{path}"), params=query, timeout=5)


def post(sandbox: Sandbox, http: requests.Session, path: str, **form: str) -> requests.Response:
    data = {"access_token": PAGE_TOKEN, **form}
    return http.post(sandbox.url(f"/v19.0/{path}"), data=data, timeout=5)


def walk(http: requests.Session, url: str, params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every page of an edge, following `paging.next`."""
    pages: list[list[dict[str, Any]]] = []
    next_url: str | None = url
    query: dict[str, Any] | None = params
    while next_url:
        body = http.get(next_url, params=query, timeout=5).json()
        pages.append(body["data"])
        next_url, query = body.get("paging", {}).get("next"), None
    return pages


def all_media(sandbox: Sandbox, http: requests.Session) -> list[dict[str, Any]]:
    return get(sandbox, http, f"{IG_USER_ID}/media", fields=MEDIA_FIELDS, limit=100).json()["data"]


def busiest(sandbox: Sandbox, http: requests.Session) -> str:
    return str(max(all_media(sandbox, http), key=lambda m: m["comments_count"])["id"])


def test_media_have_the_shape_of_the_recorded_media_page(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample("python-facebook-testdata/apidata__users__medias_p1.json")
    body = get(sandbox, sandbox_http, f"{IG_USER_ID}/media", fields=MEDIA_FIELDS, limit=2).json()
    assert set(body) == set(recorded)
    assert set(body["paging"]) == set(recorded["paging"]) == {"cursors", "next"}
    assert set(body["paging"]["cursors"]) == {"before", "after"}
    assert set(recorded["data"][0]) <= set(body["data"][0])
    assert len(body["data"][0]["timestamp"]) == len(recorded["data"][0]["timestamp"])
    assert {m["media_type"] for m in all_media(sandbox, sandbox_http)} == {
        "IMAGE",
        "VIDEO",
        "CAROUSEL_ALBUM",
    }


def test_media_paging_walks_every_media_once_and_later_pages_link_back(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    url = sandbox.url(f"/v19.0/{IG_USER_ID}/media")
    pages = walk(sandbox_http, url, {"access_token": PAGE_TOKEN, "limit": 7})
    ids = [m["id"] for page in pages for m in page]
    count = get(sandbox, sandbox_http, IG_USER_ID, fields="media_count").json()["media_count"]
    assert len(ids) == len(set(ids)) == count > 14
    second = get(sandbox, sandbox_http, f"{IG_USER_ID}/media", limit=7, after=_cursor(sandbox,
                 sandbox_http)).json()  # fmt: skip
    assert "previous" in second["paging"]


def _cursor(sandbox: Sandbox, http: requests.Session) -> str:
    body = get(sandbox, http, f"{IG_USER_ID}/media", limit=7).json()
    return str(body["paging"]["cursors"]["after"])


def test_comments_have_the_documented_fields_and_recorded_paging(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    constructed = sample("ig_media_comments_all_fields_CONSTRUCTED.json")
    first = sample("python-facebook-testdata/apidata__medias__comments_p1.json")
    media = busiest(sandbox, sandbox_http)
    body = get(sandbox, sandbox_http, f"{media}/comments", fields=COMMENT_FIELDS, limit=2).json()
    assert set(body) == set(first)
    assert set(body["paging"]) == set(first["paging"]) == {"cursors", "next"}
    assert set(body["paging"]["cursors"]) == set(first["paging"]["cursors"]) == {"after"}
    every = get(sandbox, sandbox_http, f"{media}/comments", fields=COMMENT_FIELDS, limit=50)
    comments = every.json()["data"]
    recorded_keys = set(constructed["data"][1])
    assert all(recorded_keys <= set(c) for c in comments)
    threaded = [c for c in comments if "replies" in c]
    assert threaded, "the busiest media has a thread"
    reply = threaded[0]["replies"]["data"][0]
    assert set(reply) == set(constructed["data"][0]["replies"]["data"][0])
    assert set(reply["from"]) == {"id", "username"}
    assert reply["parent_id"] == threaded[0]["id"]


def test_default_fields_and_last_page_are_as_recorded(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    last = sample("python-facebook-testdata/apidata__medias__comments_p2.json")
    media = busiest(sandbox, sandbox_http)
    body = get(sandbox, sandbox_http, f"{media}/comments", limit=50).json()
    assert set(body) == set(last) == {"data"}
    assert set(body["data"][0]) == set(last["data"][0]) == {"timestamp", "text", "id"}


def test_comment_paging_walks_every_top_level_comment_once_newest_first_at_most_50(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    media = busiest(sandbox, sandbox_http)
    url = sandbox.url(f"/v19.0/{media}/comments")
    pages = walk(
        sandbox_http,
        url,
        {"access_token": PAGE_TOKEN, "limit": 3, "fields": "id,timestamp,parent_id"},
    )
    comments = [c for page in pages for c in page]
    ids = [c["id"] for c in comments]
    assert len(ids) == len(set(ids)) > 3
    assert all("parent_id" not in c for c in comments)
    stamps = [c["timestamp"] for c in comments]
    assert stamps == sorted(stamps, reverse=True)
    big = get(sandbox, sandbox_http, f"{media}/comments", limit=100).json()
    assert len(big["data"]) == min(50, len(ids))


def test_replies_edge_lists_a_comments_replies_with_the_recorded_default_fields(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample("python-facebook-testdata/apidata__comments__replies.json")
    media = busiest(sandbox, sandbox_http)
    comments = get(sandbox, sandbox_http, f"{media}/comments", fields=COMMENT_FIELDS, limit=50)
    thread = next(c for c in comments.json()["data"] if "replies" in c)
    body = get(sandbox, sandbox_http, f"{thread['id']}/replies").json()
    assert set(body) == set(recorded)
    assert set(body["data"][0]) == set(recorded["data"][0])
    assert [r["id"] for r in body["data"]] == [r["id"] for r in thread["replies"]["data"]]


def test_time_moving_brings_new_comments(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    before = {m["id"]: m["comments_count"] for m in all_media(sandbox, sandbox_http)}
    sandbox.advance(3 * 24 * 60)
    after = {m["id"]: m["comments_count"] for m in all_media(sandbox, sandbox_http)}
    assert len(after) > len(before)
    assert sum(after.values()) > sum(before.values())


def test_a_reply_appears_under_the_top_level_comment_as_the_account(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    media = busiest(sandbox, sandbox_http)
    before = {m["id"]: m["comments_count"] for m in all_media(sandbox, sandbox_http)}
    comments = get(sandbox, sandbox_http, f"{media}/comments", fields=COMMENT_FIELDS, limit=50)
    thread = next(c for c in comments.json()["data"] if "replies" in c)
    nested = thread["replies"]["data"][0]["id"]
    answer = post(
        sandbox,
        sandbox_http,
        f"{nested}/replies",
        message="답변드립니다. 주차관리과 확인 중입니다.",
    )
    assert answer.status_code == 200
    new_id = answer.json()["id"]
    assert set(answer.json()) == {"id"}
    replies = get(sandbox, sandbox_http, f"{thread['id']}/replies",
                  fields="id,text,username,user,parent_id").json()["data"]  # fmt: skip
    mine = next(r for r in replies if r["id"] == new_id)
    assert mine == {"id": new_id, "text": "답변드립니다. 주차관리과 확인 중입니다.",
                    "username": USERNAME, "user": {"id": IG_USER_ID},
                    "parent_id": thread["id"]}  # fmt: skip
    after = {m["id"]: m["comments_count"] for m in all_media(sandbox, sandbox_http)}
    assert after[media] == before[media] + 1


def test_hide_shows_in_later_reads_and_a_hidden_comment_cannot_be_answered(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    media = busiest(sandbox, sandbox_http)
    target = get(sandbox, sandbox_http, f"{media}/comments", fields="id,hidden").json()["data"][0]
    assert post(sandbox, sandbox_http, target["id"], hide="true").json() == {"success": True}
    again = get(sandbox, sandbox_http, target["id"], fields="id,hidden").json()
    assert again == {"id": target["id"], "hidden": True}
    refused = post(sandbox, sandbox_http, f"{target['id']}/replies", message="안내드립니다")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 100
    wrong = post(sandbox, sandbox_http, target["id"], hide="True")
    assert wrong.status_code == 400
    assert "must be a boolean" in wrong.json()["error"]["message"]
    post(sandbox, sandbox_http, target["id"], hide="false")
    assert get(sandbox, sandbox_http, target["id"], fields="hidden").json()["hidden"] is False


def test_delete_removes_a_comment_and_its_replies(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    media = busiest(sandbox, sandbox_http)
    comments = get(sandbox, sandbox_http, f"{media}/comments", fields=COMMENT_FIELDS, limit=50)
    thread = next(c for c in comments.json()["data"] if "replies" in c)
    gone = sandbox_http.delete(sandbox.url(f"/v19.0/{thread['id']}"),
                               params={"access_token": PAGE_TOKEN}, timeout=5)  # fmt: skip
    assert gone.json() == {"success": True}
    for node in (thread["id"], thread["replies"]["data"][0]["id"]):
        error = get(sandbox, sandbox_http, node).json()["error"]
        assert (error["code"], error["error_subcode"]) == (100, 33)


def test_a_comment_on_a_media_with_comments_off_is_refused(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    closed = [m for m in get(sandbox, sandbox_http, f"{IG_USER_ID}/media",
              fields="id,is_comment_enabled", limit=100).json()["data"]
              if not m["is_comment_enabled"]]  # fmt: skip
    assert closed
    refused = post(sandbox, sandbox_http, f"{closed[0]['id']}/comments", message="문의드립니다")
    assert refused.json()["error"]["code"] == 100


def test_graph_errors_have_graphs_shape(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    wrong = sandbox_http.get(sandbox.url(f"/v19.0/{IG_USER_ID}/media"),
                             params={"access_token": "nope"}, timeout=5)  # fmt: skip
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == 190
    assert wrong.json()["error"]["type"] == "OAuthException"
    sandbox.instagram.fail(190, 463)
    expired = get(sandbox, sandbox_http, f"{IG_USER_ID}/media").json()["error"]
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    assert "Session has expired" in expired["message"]
    sandbox.instagram.fail(80002, eta_minutes=7)
    throttled = get(sandbox, sandbox_http, f"{IG_USER_ID}/media")
    assert throttled.json()["error"]["code"] == 80002
    usage = json.loads(throttled.headers["X-Business-Use-Case-Usage"])[IG_USER_ID][0]
    assert (usage["type"], usage["estimated_time_to_regain_access"]) == ("instagram", 7)
    unknown = get(sandbox, sandbox_http, IG_USER_ID, fields="id,nope").json()["error"]
    assert unknown["code"] == 100
    assert "(nope)" in unknown["message"]


def test_instagram_login_errors_take_the_recorded_envelope(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample("restfb-testdata/ig_login_exception.json")
    sandbox.instagram.fail(2500, message="Unknown path components: /impressions/day",
                           type="IGApiException")  # fmt: skip
    body = get(sandbox, sandbox_http, f"{IG_USER_ID}/media").json()
    assert set(body["error"]) == set(recorded["error"])
    assert body["error"]["type"] == "IGApiException"


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 503}),
        ("malformed", {"mode": "truncate"}),
        ("cut", {}),
    ],
)
def test_network_faults_apply_to_instagram_paths(
    sandbox: Sandbox, sandbox_http: requests.Session, kind: str, options: dict[str, Any]
) -> None:
    sandbox.faults.add(kind, f"/v19.0/{IG_USER_ID}/media", times=1, **options)
    with pytest.raises((ValueError, requests.RequestException)):
        _read(get(sandbox, sandbox_http, f"{IG_USER_ID}/media", limit=5))
    assert get(sandbox, sandbox_http, f"{IG_USER_ID}/media", limit=5).json()["data"]


def _read(response: requests.Response) -> Any:
    response.raise_for_status()
    return response.json()


def test_the_facebook_page_is_still_served_beside_instagram(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    page = get(sandbox, sandbox_http, "104392018734562", fields="id,name").json()
    assert page == {"id": "104392018734562", "name": "한빛구청"}


def test_the_page_names_its_linked_instagram_account(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    page = get(sandbox, sandbox_http, "104392018734562", fields="instagram_business_account")
    linked = page.json()["instagram_business_account"]["id"]
    assert get(sandbox, sandbox_http, linked, fields="username").json()["username"] == USERNAME


def every_comment(sandbox: Sandbox, http: requests.Session) -> dict[str, dict[str, Any]]:
    """Every visible comment and reply of every media, by id."""
    found: dict[str, dict[str, Any]] = {}
    for media in all_media(sandbox, http):
        url = sandbox.url(f"/v19.0/{media['id']}/comments")
        params = {"access_token": PAGE_TOKEN, "limit": 50, "fields": COMMENT_FIELDS}
        for page in walk(http, url, params):
            for comment in page:
                found[comment["id"]] = comment
                found.update((r["id"], r) for r in comment.get("replies", {}).get("data", []))
    return found


def test_seeded_comments_are_hidden_and_deleted_as_time_moves(
    make_sandbox: SandboxFactory, sandbox_http: requests.Session
) -> None:
    sandbox = make_sandbox(comments=4000)
    now = every_comment(sandbox, sandbox_http)
    sandbox.advance(10 * 24 * 60)
    later = every_comment(sandbox, sandbox_http)
    assert set(now) - set(later), "some comments are deleted within ten days"
    assert any(c["hidden"] for c in later.values())
    own = [c for c in later.values() if c["username"] == USERNAME and "parent_id" in c]
    assert own
    assert all(c["text"].startswith("@") for c in own)


def test_media_can_be_asked_for_by_time(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    every = all_media(sandbox, sandbox_http)
    middle = every[len(every) // 2]["timestamp"]
    since = datetime.strptime(middle, "%Y-%m-%dT%H:%M:%S%z")
    recent = get(sandbox, sandbox_http, f"{IG_USER_ID}/media", fields="id,timestamp", limit=100,
                 since=int(since.timestamp())).json()["data"]  # fmt: skip
    assert [m["id"] for m in recent] == [m["id"] for m in every[: len(every) // 2 + 1]]


def test_an_app_rate_limit_reports_full_usage(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.instagram.fail(4, eta_minutes=12)
    limited = get(sandbox, sandbox_http, f"{IG_USER_ID}/media")
    assert limited.json()["error"]["code"] == 4
    assert json.loads(limited.headers["X-App-Usage"])["call_count"] == 100
    assert get(sandbox, sandbox_http, f"{IG_USER_ID}/media").status_code == 200
