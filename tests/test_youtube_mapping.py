"""YouTube mapping on our own fixtures (invented 한빛구 content in the API's shapes)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator.records import CommentKind
from connectors.youtube.mapping import (
    google_error,
    parse_time,
    thread_comments,
    to_comment,
    to_post,
    total_replies,
)
from tests.samples import fixture_json

CHANNEL = "UCh4nb1tGuS0t0ngTV_2026a"
SOURCE = "https://www.googleapis.com/youtube/v3/commentThreads"


def test_playlist_item_maps_to_the_video_post_with_title_and_watch_url() -> None:
    item = fixture_json("youtube", "playlist_items.json")["items"][0]
    post = to_post(item, channel_id=CHANNEL, source_url=SOURCE)
    assert post.external_id == "hbTV2026a01"
    assert post.created_at == datetime(2026, 11, 18, 1, 0, tzinfo=UTC)
    assert post.title is not None
    assert post.title.startswith("[한빛구정 소식]")
    assert post.url == "https://www.youtube.com/watch?v=hbTV2026a01"
    assert post.author_id == CHANNEL
    assert post.raw == item


def test_playlist_item_without_video_id_is_refused() -> None:
    item = fixture_json("youtube", "playlist_items.json")["items"][1]
    with pytest.raises(ValueError, match="video id"):
        to_post(item, channel_id=CHANNEL, source_url=SOURCE)


def test_thread_top_comment_and_replies_map_with_parent_and_owner_flag() -> None:
    thread = fixture_json("youtube", "comment_threads_by_video.json")["items"][0]
    top, replies = thread_comments(thread)
    first = to_comment(top, channel_id=CHANNEL, source_url=SOURCE)
    answer = to_comment(replies[0], channel_id=CHANNEL, source_url=SOURCE)
    assert first.kind is CommentKind.COMMENT
    assert first.parent_external_id is None
    assert first.post_external_id == "hbTV2026a01"
    assert first.metrics == {"likes": 3}
    assert answer.kind is CommentKind.REPLY
    assert answer.parent_external_id == "UgxHanbit0001AaABAg"
    assert answer.by_account_owner
    assert not first.by_account_owner
    assert (
        answer.permalink == "https://www.youtube.com/watch?v=hbTV2026a01&lc=" + answer.external_id
    )
    assert total_replies(thread) == 7
    assert len(replies) == 2


def test_both_timestamp_styles_parse_to_utc() -> None:
    assert parse_time("2019-11-26T15:51:44.000Z") == datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC)
    assert parse_time("2022-11-14T10:23:02Z") == datetime(2022, 11, 14, 10, 23, 2, tzinfo=UTC)
    assert parse_time("yesterday") is None
    assert parse_time(None) is None


def test_held_comment_seen_by_the_owner_is_hidden_upstream() -> None:
    thread = fixture_json("youtube", "comment_threads_by_video.json")["items"][1]
    top, _ = thread_comments(thread)
    held = {**top, "snippet": {**top["snippet"], "moderationStatus": "heldForReview"}}
    assert to_comment(held, channel_id=CHANNEL, source_url=SOURCE).hidden_upstream


def test_google_error_envelope_gives_reason_and_message() -> None:
    body = b'{"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}}'
    assert google_error(body) == ("quotaExceeded", "quota")
    assert google_error(b"<html>") == (None, "")
