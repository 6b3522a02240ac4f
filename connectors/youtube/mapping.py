"""Pure mapping from YouTube Data API v3 resources to records.

`to_post(playlistItem)` and `to_comment(comment)` are total over what the API sends:
unknown fields are ignored (the whole resource is kept as `raw`), missing optional ones
become None; a resource without an id or a time raises `ValueError` (the connector skips
it with a warning). Times come as `2019-11-26T15:51:44.000Z` or `2022-11-14T10:23:02Z`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aggregator.records import CommentKind, CommentRecord, PostRecord

PLATFORM = "youtube"
WATCH_URL = "https://www.youtube.com/watch?v={video}"
HIDDEN_STATUSES = frozenset({"heldForReview", "likelySpam", "rejected"})
"""Moderation statuses (seen only by the owner) that residents do not see."""


def parse_time(value: object) -> datetime | None:
    """A YouTube timestamp as an aware UTC datetime; None when absent or malformed."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def _get(payload: Mapping[str, Any], *path: str) -> Any:
    value: Any = payload
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def video_id(item: Mapping[str, Any]) -> str | None:
    """The video id of a playlist item (`contentDetails.videoId`, else the snippet's)."""
    return _str(_get(item, "contentDetails", "videoId")) or _str(
        _get(item, "snippet", "resourceId", "videoId")
    )


def to_post(item: Mapping[str, Any], *, channel_id: str, source_url: str) -> PostRecord:
    """An uploads playlist item (`playlistItems.list`) as the video's `PostRecord`.

    Raises:
        ValueError: the item names no video or no publication time.
    """
    vid = video_id(item)
    created = parse_time(_get(item, "contentDetails", "videoPublishedAt")) or parse_time(
        _get(item, "snippet", "publishedAt")
    )
    if vid is None or created is None:
        raise ValueError("playlist item without a video id or publication time")
    return PostRecord(
        platform=PLATFORM,
        external_id=vid,
        created_at=created,
        text=_str(_get(item, "snippet", "description")) or "",
        title=_str(_get(item, "snippet", "title")),
        url=WATCH_URL.format(video=vid),
        author_id=_str(_get(item, "snippet", "videoOwnerChannelId")) or channel_id,
        author_name=_str(_get(item, "snippet", "videoOwnerChannelTitle"))
        or _str(_get(item, "snippet", "channelTitle")),
        raw=dict(item),
        source_url=source_url,
    )


def to_comment(comment: Mapping[str, Any], *, channel_id: str, source_url: str) -> CommentRecord:
    """A `youtube#comment` (a thread's top-level comment or a reply) as a `CommentRecord`.

    Replies carry `snippet.parentId` (the thread id; YouTube threads are two levels deep).
    Comments written by the channel itself are the district's own (`by_account_owner`);
    `moderationStatus` other than published (owner's view only) marks it hidden.

    Raises:
        ValueError: the comment has no id, video or publication time.
    """
    snippet = _get(comment, "snippet")
    snippet = snippet if isinstance(snippet, Mapping) else {}
    comment_id, vid = _str(comment.get("id")), _str(snippet.get("videoId"))
    created = parse_time(snippet.get("publishedAt"))
    if comment_id is None or vid is None or created is None:
        raise ValueError("comment without an id, video or publication time")
    parent = _str(snippet.get("parentId"))
    author = _str(_get(snippet, "authorChannelId", "value"))
    likes = _count(snippet.get("likeCount"))
    return CommentRecord(
        platform=PLATFORM,
        external_id=comment_id,
        created_at=created,
        text=_str(snippet.get("textOriginal")) or _str(snippet.get("textDisplay")) or "",
        kind=CommentKind.REPLY if parent else CommentKind.COMMENT,
        post_external_id=vid,
        parent_external_id=parent,
        author_id=author,
        author_name=_str(snippet.get("authorDisplayName")),
        permalink=f"{WATCH_URL.format(video=vid)}&lc={comment_id}",
        metrics={"likes": likes} if likes is not None else {},
        hidden_upstream=snippet.get("moderationStatus") in HIDDEN_STATUSES,
        by_account_owner=author is not None and author == channel_id,
        raw=dict(comment),
        source_url=source_url,
    )


def thread_comments(thread: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    """A `youtube#commentThread`'s top-level comment and the replies it carries."""
    top = _get(thread, "snippet", "topLevelComment")
    replies = _get(thread, "replies", "comments")
    return (
        top if isinstance(top, Mapping) else {},
        [r for r in replies if isinstance(r, Mapping)] if isinstance(replies, list) else [],
    )


def total_replies(thread: Mapping[str, Any]) -> int:
    """`snippet.totalReplyCount` (0 when absent)."""
    return _count(_get(thread, "snippet", "totalReplyCount")) or 0


def comment_count(video: Mapping[str, Any]) -> int | None:
    """`statistics.commentCount` of a `youtube#video`; None when comments are off."""
    return _count(_get(video, "statistics", "commentCount"))


def google_error(body: bytes) -> tuple[str | None, str]:
    """(first reason, message) of Google's error envelope; (None, "") when it is not one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, ""
    error = data.get("error") if isinstance(data, Mapping) else None
    if not isinstance(error, Mapping):
        return None, ""
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    reason = _str(first.get("reason")) if isinstance(first, Mapping) else None
    return reason, _str(error.get("message")) or ""
