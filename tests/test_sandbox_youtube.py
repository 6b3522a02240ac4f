"""The sandbox's YouTube Data API v3: shapes as in the recorded samples, paging, quota,
Google's errors, moderation, replies and moving time, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV, sandbox_accounts
from aggregator.sandbox.youtube import API_KEY, OAUTH_TOKEN, error_fault
from aggregator.sandbox.youtube_world import CHANNEL_ID, UPLOADS_ID
from tests.fixtures_sandbox import SandboxFactory
from tests.samples import recorded_json

RECORDED = "python-youtube-testdata/"
OWNER = {"Authorization": f"Bearer {OAUTH_TOKEN}"}


def sample(name: str) -> Any:
    """A recorded payload; skipped where `../shared/samples` is absent, an error in CI."""
    return recorded_json("youtube", name)


def get(
    sandbox: Sandbox, http: requests.Session, method: str, owner: bool = False, **params: Any
) -> requests.Response:
    headers = OWNER if owner else {}
    query = params if owner else {"key": API_KEY, **params}
    return http.get(sandbox.url(f"/youtube/v3/{method}"), params=query, headers=headers, timeout=5)


def insert_reply(
    sandbox: Sandbox, http: requests.Session, parent: str, text: str
) -> requests.Response:
    body = {"snippet": {"parentId": parent, "textOriginal": text}}
    url = sandbox.url("/youtube/v3/comments")
    return http.post(url, params={"part": "snippet"}, json=body, headers=OWNER, timeout=5)


def moderate(
    sandbox: Sandbox, http: requests.Session, ids: str, status: str, **extra: str
) -> requests.Response:
    url = sandbox.url("/youtube/v3/comments/setModerationStatus")
    params = {"id": ids, "moderationStatus": status, **extra}
    return http.post(url, params=params, headers=OWNER, timeout=5)


def video_ids(sandbox: Sandbox, http: requests.Session) -> list[str]:
    body = get(sandbox, http, "playlistItems", part="contentDetails", playlistId=UPLOADS_ID,
               maxResults=50).json()  # fmt: skip
    return [i["contentDetails"]["videoId"] for i in body["items"]]


def comment_counts(sandbox: Sandbox, http: requests.Session) -> dict[str, str | None]:
    ids = ",".join(video_ids(sandbox, http))
    items = get(sandbox, http, "videos", part="statistics", id=ids).json()["items"]
    return {i["id"]: i["statistics"].get("commentCount") for i in items}


def busiest(sandbox: Sandbox, http: requests.Session) -> str:
    counts = comment_counts(sandbox, http)
    return max((v for v in counts if counts[v]), key=lambda v: int(counts[v] or 0))


def threads(sandbox: Sandbox, http: requests.Session, video: str, **params: Any) -> Any:
    return get(sandbox, http, "commentThreads", part="snippet,replies", videoId=video,
               maxResults=100, **params).json()  # fmt: skip


def used(sandbox: Sandbox, http: requests.Session) -> int:
    ledger = http.get(sandbox.url("/_sandbox/youtube/quota"), timeout=5).json()
    return int(ledger["projects"].get("hanbit-sotong-tv", {}).get("used", 0))


def test_channel_names_its_uploads_playlist_as_recorded(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample(RECORDED + "apidata__channels__info_multiple.json")
    body = get(sandbox, sandbox_http, "channels", part="snippet,contentDetails,statistics",
               id=CHANNEL_ID).json()  # fmt: skip
    assert set(body) == set(recorded)
    item, real = body["items"][0], recorded["items"][0]
    assert set(real) - {"brandingSettings"} == set(item)
    assert set(real["snippet"]) <= set(item["snippet"])
    assert item["contentDetails"]["relatedPlaylists"]["uploads"] == UPLOADS_ID
    other = get(sandbox, sandbox_http, "channels", part="id", id="UCsomebodyElse").json()
    assert other["items"] == []


def test_playlist_pages_walk_every_upload_once_with_youtubes_offset_tokens(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample(RECORDED + "apidata__playlist_items__playlist_items_paged_1.json")
    first = get(sandbox, sandbox_http, "playlistItems", part="snippet,contentDetails",
                playlistId=UPLOADS_ID, maxResults=10).json()  # fmt: skip
    assert first["nextPageToken"] == recorded["nextPageToken"] == "CAoQAA"
    assert set(recorded) == set(first)
    assert set(recorded["items"][0]["snippet"]) <= set(first["items"][0]["snippet"])
    seen, token = [], None
    while True:
        params = {"pageToken": token} if token else {}
        body = get(sandbox, sandbox_http, "playlistItems", part="contentDetails",
                   playlistId=UPLOADS_ID, maxResults=3, **params).json()  # fmt: skip
        seen += [i["contentDetails"]["videoId"] for i in body["items"]]
        token = body.get("nextPageToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) == first["pageInfo"]["totalResults"] > 10


def test_threads_have_the_shape_of_the_recorded_threads(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample(RECORDED + "apidata__comment_threads__comment_threads_by_video_paged_1.json")
    with_replies = sample(RECORDED + "modeldata__comments__comment_thread_info.json")
    body = threads(sandbox, sandbox_http, busiest(sandbox, sandbox_http))
    assert set(recorded) - {"nextPageToken"} <= set(body)
    thread = next(t for t in body["items"] if "replies" in t)
    assert set(with_replies) == set(thread)
    assert set(with_replies["snippet"]) <= set(thread["snippet"])
    real_comment = with_replies["snippet"]["topLevelComment"]
    ours = thread["snippet"]["topLevelComment"]
    assert set(real_comment) == set(ours)
    assert set(real_comment["snippet"]) <= set(ours["snippet"])
    real_reply = with_replies["replies"]["comments"][0]
    reply = thread["replies"]["comments"][0]
    assert set(real_reply["snippet"]) <= set(reply["snippet"])
    assert reply["id"].startswith(thread["id"] + ".")
    assert reply["snippet"]["parentId"] == thread["id"]
    assert len(thread["id"]) == len(with_replies["id"])


def test_thread_paging_walks_every_thread_once_even_while_comments_arrive(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    video = busiest(sandbox, sandbox_http)
    everything = {t["id"] for t in threads(sandbox, sandbox_http, video)["items"]}
    seen, token = [], None
    while True:
        params = {"pageToken": token} if token else {}
        body = get(sandbox, sandbox_http, "commentThreads", part="id", videoId=video,
                   maxResults=2, order="time", **params).json()  # fmt: skip
        seen += [t["id"] for t in body["items"]]
        token = body.get("nextPageToken")
        sandbox.advance(12 * 60)  # newer threads arrive between the pages
        if not token:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) == everything


def test_a_thread_carries_five_replies_and_comments_list_pages_all_of_them(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    video = busiest(sandbox, sandbox_http)
    thread = threads(sandbox, sandbox_http, video)["items"][-1]
    for number in range(7):
        assert (
            insert_reply(sandbox, sandbox_http, thread["id"], f"답변 {number}").status_code == 200
        )
    again = get(sandbox, sandbox_http, "commentThreads", part="snippet,replies",
                id=thread["id"]).json()["items"][0]  # fmt: skip
    total = again["snippet"]["totalReplyCount"]
    assert total >= 7
    assert len(again["replies"]["comments"]) == 5
    seen, token = [], None
    while True:
        params = {"pageToken": token} if token else {}
        body = get(sandbox, sandbox_http, "comments", part="snippet", parentId=thread["id"],
                   maxResults=3, textFormat="plainText", **params).json()  # fmt: skip
        seen += [(c["id"], c["snippet"]["publishedAt"]) for c in body["items"]]
        token = body.get("nextPageToken")
        if not token:
            break
    assert len({i for i, _ in seen}) == len(seen) == total
    assert [at for _, at in seen] == sorted((at for _, at in seen), reverse=True)


def test_a_reply_has_the_recorded_insert_shape_and_shows_in_later_reads(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample(RECORDED + "apidata__comments__insert_response.json")
    thread = threads(sandbox, sandbox_http, busiest(sandbox, sandbox_http))["items"][0]
    answer = insert_reply(
        sandbox, sandbox_http, thread["id"], "불편을 드려 죄송합니다. 도로과에서 확인하겠습니다."
    )
    created = answer.json()
    assert set(recorded) == set(created)
    assert set(recorded["snippet"]) <= set(created["snippet"])
    assert created["snippet"]["authorChannelId"]["value"] == CHANNEL_ID
    assert created["snippet"]["parentId"] == thread["id"]
    listed = get(sandbox, sandbox_http, "comments", part="snippet", parentId=thread["id"],
                 textFormat="plainText").json()["items"]  # fmt: skip
    assert listed[0]["id"] == created["id"]
    assert (
        listed[0]["snippet"]["textOriginal"] == "불편을 드려 죄송합니다. 도로과에서 확인하겠습니다."
    )


def test_reply_errors_name_what_is_wrong(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    thread = threads(sandbox, sandbox_http, busiest(sandbox, sandbox_http))["items"][0]
    empty = insert_reply(sandbox, sandbox_http, thread["id"], "  ").json()["error"]
    assert empty["errors"][0]["reason"] == "commentTextRequired"
    missing = insert_reply(sandbox, sandbox_http, "UgzNoSuchThread", "안녕하세요").json()["error"]
    assert (missing["code"], missing["errors"][0]["reason"]) == (404, "parentCommentNotFound")
    keyed = sandbox_http.post(sandbox.url("/youtube/v3/comments"),
                              params={"part": "snippet", "key": API_KEY}, timeout=5,
                              json={"snippet": {"parentId": thread["id"],
                                                "textOriginal": "x"}})  # fmt: skip
    assert keyed.status_code == 401
    assert keyed.json()["error"]["errors"][0]["reason"] == "required"


def test_moderation_holds_restores_and_rejects_with_204(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    video = busiest(sandbox, sandbox_http)
    thread = next(t for t in threads(sandbox, sandbox_http, video)["items"] if "replies" in t)
    held = moderate(sandbox, sandbox_http, thread["id"], "heldForReview")
    assert (held.status_code, held.content) == (204, b"")
    public = {t["id"] for t in threads(sandbox, sandbox_http, video)["items"]}
    assert thread["id"] not in public
    queue = get(sandbox, sandbox_http, "commentThreads", owner=True, part="snippet",
                videoId=video, moderationStatus="heldForReview").json()["items"]  # fmt: skip
    mine = next(t for t in queue if t["id"] == thread["id"])
    assert mine["snippet"]["topLevelComment"]["snippet"]["moderationStatus"] == "heldForReview"
    moderate(sandbox, sandbox_http, thread["id"], "published")
    assert thread["id"] in {t["id"] for t in threads(sandbox, sandbox_http, video)["items"]}
    reply = thread["replies"]["comments"][0]["id"]
    moderate(sandbox, sandbox_http, thread["id"], "rejected")
    assert thread["id"] not in {t["id"] for t in threads(sandbox, sandbox_http, video)["items"]}
    listed = get(sandbox, sandbox_http, "comments", part="snippet", parentId=thread["id"])
    assert listed.status_code == 200
    assert listed.json()["items"] == []  # a rejected thread shows no replies
    ban = moderate(sandbox, sandbox_http, reply, "heldForReview", banAuthor="true").json()
    assert ban["error"]["errors"][0]["reason"] == "banWithoutReject"


def test_the_held_queue_needs_the_owner(sandbox: Sandbox, sandbox_http: requests.Session) -> None:
    video = busiest(sandbox, sandbox_http)
    refused = get(sandbox, sandbox_http, "commentThreads", part="snippet", videoId=video,
                  moderationStatus="heldForReview")  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["error"]["errors"][0]["reason"] == "forbidden"


def test_comments_disabled_answers_the_recorded_403(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    recorded = sample("error_403_commentsDisabled_CONSTRUCTED.json")
    disabled = [v for v, count in comment_counts(sandbox, sandbox_http).items() if count is None]
    assert disabled
    answer = get(sandbox, sandbox_http, "commentThreads", part="snippet", videoId=disabled[0])
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert set(recorded["error"]) <= set(error)
    assert error["errors"] == recorded["error"]["errors"]
    assert error["message"] == recorded["error"]["message"]


@pytest.mark.parametrize(
    ("params", "headers", "status", "reason"),
    [
        ({}, {}, 403, "forbidden"),
        ({"key": "AIzaWrong"}, {}, 400, "badRequest"),
        ({}, {"Authorization": "Bearer ya29.expired"}, 401, "authError"),
        ({"key": API_KEY, "videoId": "nope0000000"}, {}, 404, "videoNotFound"),
        ({"key": API_KEY, "videoId": "x", "id": "y"}, {}, 400, "incompatibleParameters"),
        ({"key": API_KEY, "pageToken": "bm9wZQ", "allThreadsRelatedToChannelId": CHANNEL_ID},
         {}, 400, "invalidPageToken"),
        ({"key": API_KEY, "videoId": "x", "maxResults": "101"}, {}, 400, "invalidParameter"),
    ],
)  # fmt: skip
def test_errors_have_googles_shape(
    sandbox: Sandbox,
    sandbox_http: requests.Session,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    reason: str,
) -> None:
    url = sandbox.url("/youtube/v3/commentThreads")
    answer = sandbox_http.get(url, params={"part": "snippet", **params}, headers=headers, timeout=5)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "errors", "status"}
    assert error["code"] == status
    assert error["errors"][0]["reason"] == reason


def test_an_expired_owner_token_is_refused(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.youtube.expire_token()
    answer = get(sandbox, sandbox_http, "channels", owner=True, part="id", mine="true")
    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_quota_charges_the_documented_units(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    video = busiest(sandbox, sandbox_http)  # 2 list calls
    assert used(sandbox, sandbox_http) == 2
    thread = threads(sandbox, sandbox_http, video)["items"][0]
    assert used(sandbox, sandbox_http) == 3
    insert_reply(sandbox, sandbox_http, thread["id"], "확인하겠습니다.")
    assert used(sandbox, sandbox_http) == 53
    moderate(sandbox, sandbox_http, thread["id"], "heldForReview")
    assert used(sandbox, sandbox_http) == 103
    get(sandbox, sandbox_http, "commentThreads", part="id", videoId=video, pageToken="bad")
    assert used(sandbox, sandbox_http) == 104  # an invalid request costs a unit too
    ledger = sandbox_http.get(sandbox.url("/_sandbox/youtube/quota"), timeout=5).json()
    assert ledger["projects"]["hanbit-sotong-tv"]["by_method"]["comments.insert"] == 50


def test_quota_exhaustion_refuses_until_midnight_pacific(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox_http.post(sandbox.url("/_sandbox/youtube/quota"), json={"limit": 60, "spend": 58},
                      timeout=5)  # fmt: skip
    video = video_ids(sandbox, sandbox_http)[0]
    near = get(sandbox, sandbox_http, "videos", part="id", id=video)
    assert near.status_code == 200  # 59 of 60
    get(sandbox, sandbox_http, "videos", part="id", id=video)
    exhausted = get(sandbox, sandbox_http, "videos", part="id", id=video)
    assert exhausted.status_code == 403
    error = exhausted.json()["error"]["errors"][0]
    assert (error["domain"], error["reason"]) == ("youtube.quota", "quotaExceeded")
    assert used(sandbox, sandbox_http) == 60
    sandbox.advance(24 * 60)  # a Pacific midnight passes
    assert get(sandbox, sandbox_http, "videos", part="id", id=video).status_code == 200
    assert used(sandbox, sandbox_http) == 1


def test_time_moving_brings_new_threads_and_edits(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    before = comment_counts(sandbox, sandbox_http)
    sandbox.advance(5 * 24 * 60)
    after = comment_counts(sandbox, sandbox_http)
    assert len(after) >= len(before)
    assert sum(int(c or 0) for c in after.values()) > sum(int(c or 0) for c in before.values())
    every = get(sandbox, sandbox_http, "commentThreads", part="snippet", maxResults=100,
                allThreadsRelatedToChannelId=CHANNEL_ID).json()["items"]  # fmt: skip
    snippets = [t["snippet"]["topLevelComment"]["snippet"] for t in every]
    assert any(s["updatedAt"] > s["publishedAt"] for s in snippets)


@pytest.mark.parametrize("name", ["quota_exceeded", "rate_limited", "backend", "unavailable"])
def test_named_faults_answer_googles_errors_once(
    sandbox: Sandbox, sandbox_http: requests.Session, name: str
) -> None:
    error_fault(sandbox.faults, name, "/youtube/v3/channels", times=1)
    failed = get(sandbox, sandbox_http, "channels", part="id", id=CHANNEL_ID)
    assert failed.status_code in (403, 429, 500, 503)
    assert failed.json()["error"]["errors"][0]["reason"]
    assert get(sandbox, sandbox_http, "channels", part="id", id=CHANNEL_ID).status_code == 200


def test_truncated_pages_are_served_when_asked(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.faults.add("malformed", "/youtube/v3/playlistItems", times=1, mode="truncate")
    broken = get(sandbox, sandbox_http, "playlistItems", part="id", playlistId=UPLOADS_ID)
    with pytest.raises(ValueError):
        broken.json()


def channel_threads(sandbox: Sandbox, http: requests.Session, status: str) -> set[str]:
    """Every thread id of the channel with a moderation status (owner's view)."""
    found: set[str] = set()
    token = None
    while True:
        params = {"pageToken": token} if token else {}
        body = get(sandbox, http, "commentThreads", owner=True, part="id", maxResults=100,
                   allThreadsRelatedToChannelId=CHANNEL_ID, moderationStatus=status,
                   **params).json()  # fmt: skip
        found |= {t["id"] for t in body["items"]}
        token = body.get("nextPageToken")
        if not token:
            return found


def test_seeded_comments_are_held_caught_as_spam_and_deleted_as_time_moves(
    make_sandbox: SandboxFactory, sandbox_http: requests.Session
) -> None:
    sandbox = make_sandbox(comments=4000)
    published = channel_threads(sandbox, sandbox_http, "published")
    assert channel_threads(sandbox, sandbox_http, "likelySpam")
    sandbox.advance(10 * 24 * 60)
    assert channel_threads(sandbox, sandbox_http, "heldForReview")
    assert published - channel_threads(sandbox, sandbox_http, "published")


def test_the_written_account_settings_reach_both_new_platforms(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    accounts = {a["platform"]: a for a in sandbox_accounts(sandbox.base_url)}
    instagram, youtube = accounts["instagram"], accounts["youtube"]
    token = SANDBOX_ENV[instagram["access_token"]["env"]]
    user = sandbox_http.get(f"{instagram['graph_url']}v19.0/{instagram['ig_user_id']}",
                            params={"access_token": token, "fields": "id"}, timeout=5)  # fmt: skip
    assert user.json() == {"id": instagram["ig_user_id"]}
    key = SANDBOX_ENV[youtube["api_key"]["env"]]
    params = {"key": key, "part": "id", "id": youtube["channel_id"]}
    channel = sandbox_http.get(youtube["api_url"] + "channels", params=params, timeout=5)
    assert channel.json()["items"][0]["id"] == youtube["channel_id"]


def test_a_threads_etag_is_stable_until_the_thread_changes(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    video = busiest(sandbox, sandbox_http)
    first = threads(sandbox, sandbox_http, video)["items"][0]
    assert threads(sandbox, sandbox_http, video)["items"][0]["etag"] == first["etag"]
    insert_reply(sandbox, sandbox_http, first["id"], "감사합니다.")
    assert threads(sandbox, sandbox_http, video)["items"][0]["etag"] != first["etag"]


def test_a_slow_answer_times_the_client_out(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    sandbox.faults.add("delay", "/youtube/v3/commentThreads", seconds=2, times=1)
    url = sandbox.url("/youtube/v3/commentThreads")
    params = {"key": API_KEY, "part": "id", "allThreadsRelatedToChannelId": CHANNEL_ID}
    with pytest.raises(requests.Timeout):
        sandbox_http.get(url, params=params, timeout=0.3)


def test_an_empty_playlist_page_has_no_next_token(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    body = get(sandbox, sandbox_http, "playlistItems", part="id", playlistId=UPLOADS_ID,
               maxResults=0).json()  # fmt: skip
    assert body["items"] == []
    assert "nextPageToken" not in body
    assert body["pageInfo"]["totalResults"] > 0


def test_admin_views_count_what_both_new_platforms_show(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    uploads = video_ids(sandbox, sandbox_http)
    youtube = sandbox_http.get(sandbox.url("/_sandbox/youtube"), timeout=5).json()
    assert youtube["videos"] == len(uploads)
    assert youtube["comments_disabled"] >= 1
    assert youtube["quota_used_today"] == 1  # the playlist call above; admin calls are free
    instagram = sandbox_http.get(sandbox.url("/_sandbox/instagram"), timeout=5).json()
    assert instagram["comments"] > instagram["replies"] > 0


def test_a_conditional_request_is_not_modified_until_a_comment_arrives(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    video = busiest(sandbox, sandbox_http)
    first = threads(sandbox, sandbox_http, video)
    url = sandbox.url("/youtube/v3/commentThreads")
    params = {"key": API_KEY, "part": "snippet,replies", "videoId": video, "maxResults": 100}
    again = sandbox_http.get(
        url, params=params, headers={"If-None-Match": first["etag"]}, timeout=5
    )
    assert (again.status_code, again.content) == (304, b"")
    insert_reply(sandbox, sandbox_http, first["items"][0]["id"], "확인했습니다.")
    changed = sandbox_http.get(url, params=params, headers={"If-None-Match": first["etag"]},
                               timeout=5)  # fmt: skip
    assert changed.status_code == 200
    assert changed.json()["etag"] != first["etag"]


def test_relevance_order_pages_every_thread_once_most_liked_first(
    sandbox: Sandbox, sandbox_http: requests.Session
) -> None:
    video = busiest(sandbox, sandbox_http)
    seen, token = [], None
    while True:
        params = {"pageToken": token} if token else {}
        body = get(sandbox, sandbox_http, "commentThreads", part="snippet", videoId=video,
                   maxResults=4, order="relevance", **params).json()  # fmt: skip
        seen += [(t["id"], t["snippet"]["topLevelComment"]["snippet"]["likeCount"])
                 for t in body["items"]]  # fmt: skip
        token = body.get("nextPageToken")
        if not token:
            break
    assert (
        len({i for i, _ in seen})
        == len(seen)
        == len(threads(sandbox, sandbox_http, video)["items"])
    )
    assert [likes for _, likes in seen] == sorted((likes for _, likes in seen), reverse=True)
