"""YouTube Data API v3 JSON for the sandbox: resources, list envelopes, page tokens, errors.

Shapes follow the recorded responses in `shared/samples/youtube/` (python-youtube test
data, 2019-2022) and the discovery document: `kind` and a bare `etag` on every resource
and list, times as `2022-11-14T10:23:02Z`, counts in `statistics` as strings, errors as
`{"error": {"code", "message", "errors": [{"message", "domain", "reason", "location",
"locationType"}], "status"}}`. Page tokens are opaque: playlist pages carry an offset
(`CAoQAA` is offset 10, as YouTube's are), comment pages the place of the last item
(`QURTSl9…`), so comments arriving between two pages neither repeat nor get skipped.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from aggregator.sandbox.youtube_world import (
    CHANNEL_ID,
    CHANNEL_TITLE,
    HANDLE,
    UPLOADS_ID,
    YtComment,
    YtVideo,
)

T = TypeVar("T")
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
KEY_MARK = b"ADSJ_"
AVATAR = "https://yt3.ggpht.com/ytc/sandbox-{digest}=s48-c-k-c0x00ffffff-no-rj"


@dataclass
class GoogleError(Exception):
    """Answer with a Google API error body (HTTP `code`)."""

    code: int
    reason: str
    message: str
    domain: str = "global"
    location: str | None = None
    location_type: str | None = None

    def body(self) -> dict[str, Any]:
        """`{"error": {...}}` as Google sends it."""
        detail: dict[str, Any] = {
            "message": self.message,
            "domain": self.domain,
            "reason": self.reason,
        }
        if self.location is not None:
            detail["location"] = self.location
            detail["locationType"] = self.location_type or "parameter"
        error = {"code": self.code, "message": self.message, "errors": [detail]}
        return {"error": {**error, "status": STATUS_NAMES.get(self.code, "UNKNOWN")}}

    def json(self) -> bytes:
        """The body as bytes."""
        return json.dumps(self.body(), ensure_ascii=False).encode("utf-8")


def bad_parameter(name: str, message: str, reason: str = "invalidParameter") -> GoogleError:
    """A 400 naming the offending parameter."""
    return GoogleError(400, reason, message, "youtube.parameter", name, "parameter")


def yt_time(moment: datetime) -> str:
    """`2022-11-14T10:23:02Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def etag(value: Any) -> str:
    """A bare etag (as YouTube's are since 2020) derived from the content."""
    raw = repr(value).encode()
    return base64.urlsafe_b64encode(hashlib.blake2b(raw, digest_size=20).digest()).decode()[:27]


def resource(
    kind: str, ident: str, parts: dict[str, Any], version: object = None
) -> dict[str, Any]:
    """`{"kind", "etag", "id", ...parts}`; the etag derives from `version` (what makes
    this resource differ from its other states) when given, else from the parts."""
    tag = etag([ident, parts if version is None else version])
    return {"kind": f"youtube#{kind}", "etag": tag, "id": ident, **parts}


def list_response(
    kind: str, items: list[dict[str, Any]], page_info: dict[str, int], next_token: str | None
) -> dict[str, Any]:
    """A `…ListResponse` envelope."""
    tags = [item["etag"] for item in items]
    body: dict[str, Any] = {"kind": f"youtube#{kind}ListResponse", "etag": etag(tags)}
    if next_token:
        body["nextPageToken"] = next_token
    body["pageInfo"] = page_info
    body["items"] = items
    return body


def thumbnails(video_id: str) -> dict[str, Any]:
    """The default, medium and high thumbnails of a video."""
    sizes = {
        "default": ("default", 120, 90),
        "medium": ("mqdefault", 320, 180),
        "high": ("hqdefault", 480, 360),
    }
    return {
        name: {"url": f"https://i.ytimg.com/vi/{video_id}/{file}.jpg", "width": w, "height": h}
        for name, (file, w, h) in sizes.items()
    }


def video_resource(video: YtVideo, parts: set[str], comments: int) -> dict[str, Any]:
    """A `youtube#video` with the requested parts."""
    found: dict[str, Any] = {}
    if "snippet" in parts:
        found["snippet"] = {
            "publishedAt": yt_time(video.published_at),
            "channelId": CHANNEL_ID,
            "title": video.title,
            "description": video.description,
            "thumbnails": thumbnails(video.id),
            "channelTitle": CHANNEL_TITLE,
            "tags": list(video.tags),
            "categoryId": "25",
            "liveBroadcastContent": "none",
            "defaultAudioLanguage": "ko",
            "localized": {"title": video.title, "description": video.description},
        }
    if "contentDetails" in parts:
        found["contentDetails"] = {
            "duration": f"PT{2 + video.likes % 9}M{video.views % 60}S",
            "dimension": "2d",
            "definition": "hd",
            "caption": "false",
            "licensedContent": False,
            "contentRating": {},
            "projection": "rectangular",
        }
    if "statistics" in parts:
        stats = {"viewCount": str(video.views), "likeCount": str(video.likes), "favoriteCount": "0"}
        if not video.comments_disabled:
            stats["commentCount"] = str(comments)
        found["statistics"] = stats
    return resource("video", video.id, found)


def playlist_item(video: YtVideo, position: int, parts: set[str]) -> dict[str, Any]:
    """A `youtube#playlistItem` of the uploads playlist."""
    ident = base64.b64encode(f"{UPLOADS_ID}.{video.id}".encode()).decode()
    found: dict[str, Any] = {}
    if "snippet" in parts:
        found["snippet"] = {
            "publishedAt": yt_time(video.published_at),
            "channelId": CHANNEL_ID,
            "title": video.title,
            "description": video.description,
            "thumbnails": thumbnails(video.id),
            "channelTitle": CHANNEL_TITLE,
            "playlistId": UPLOADS_ID,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": video.id},
            "videoOwnerChannelTitle": CHANNEL_TITLE,
            "videoOwnerChannelId": CHANNEL_ID,
        }
    if "contentDetails" in parts:
        found["contentDetails"] = {
            "videoId": video.id,
            "videoPublishedAt": yt_time(video.published_at),
        }
    return resource("playlistItem", ident, found)


def channel_resource(parts: set[str], videos: int, description: str) -> dict[str, Any]:
    """The channel as `youtube#channel`."""
    found: dict[str, Any] = {}
    if "snippet" in parts:
        found["snippet"] = {
            "title": CHANNEL_TITLE,
            "description": description,
            "customUrl": HANDLE,
            "publishedAt": "2015-03-02T01:00:00Z",
            "thumbnails": thumbnails(CHANNEL_ID[2:13]),
            "localized": {"title": CHANNEL_TITLE, "description": description},
            "country": "KR",
        }
    if "contentDetails" in parts:
        found["contentDetails"] = {"relatedPlaylists": {"likes": "", "uploads": UPLOADS_ID}}
    if "statistics" in parts:
        found["statistics"] = {
            "viewCount": str(183_402 + videos * 911),
            "subscriberCount": "4210",
            "hiddenSubscriberCount": False,
            "videoCount": str(videos),
        }
    return resource("channel", CHANNEL_ID, found)


def comment_resource(comment: YtComment, plain: bool, owner: bool) -> dict[str, Any]:
    """A `youtube#comment`; `plain` for `textFormat=plainText`; `owner` adds the
    moderation status (only the channel's owner sees it)."""
    digest = hashlib.blake2b(comment.author_channel_id.encode(), digest_size=9).hexdigest()
    display = comment.text if plain else html.escape(comment.text).replace("\n", "<br>")
    snippet: dict[str, Any] = {
        "channelId": CHANNEL_ID,
        "videoId": comment.video_id,
        "textDisplay": display,
        "textOriginal": comment.text,
        "authorDisplayName": comment.author_name,
        "authorProfileImageUrl": AVATAR.format(digest=digest),
        "authorChannelUrl": f"http://www.youtube.com/channel/{comment.author_channel_id}",
        "authorChannelId": {"value": comment.author_channel_id},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": comment.likes,
        "publishedAt": yt_time(comment.published_at),
        "updatedAt": yt_time(comment.updated_at),
    }
    if comment.is_reply:
        snippet["parentId"] = comment.thread_id
    if owner and comment.status != "published":
        snippet["moderationStatus"] = comment.status
    version = (comment.updated_at, comment.likes, comment.status, plain, owner, sorted(snippet))
    return resource("comment", comment.id, {"snippet": snippet}, version)


def thread_resource(
    top: YtComment,
    replies: list[YtComment],
    parts: set[str],
    plain: bool,
    owner: bool,
) -> dict[str, Any]:
    """A `youtube#commentThread`: its top-level comment and up to five replies."""
    found: dict[str, Any] = {}
    if "snippet" in parts:
        found["snippet"] = {
            "channelId": CHANNEL_ID,
            "videoId": top.video_id,
            "topLevelComment": comment_resource(top, plain, owner),
            "canReply": True,
            "totalReplyCount": len(replies),
            "isPublic": True,
        }
    if "replies" in parts and replies:
        shown = replies[:5]
        found["replies"] = {"comments": [comment_resource(r, plain, owner) for r in shown]}
    nested = [found["snippet"]["topLevelComment"]["etag"]] if "snippet" in found else []
    nested += [r["etag"] for r in found.get("replies", {}).get("comments", [])]
    return resource("commentThread", top.id, found, (sorted(found), len(replies), nested))


# -- page tokens ---------------------------------------------------------------------------


def offset_token(offset: int) -> str:
    """An offset token as YouTube's playlist tokens are (`CAoQAA` = offset 10)."""
    varint = bytearray()
    value = offset
    while True:
        byte, value = value & 0x7F, value >> 7
        varint.append(byte | (0x80 if value else 0))
        if not value:
            break
    raw = b"\x08" + bytes(varint) + b"\x10\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_offset(token: str) -> int:
    """The offset in an `offset_token`; `GoogleError` 400 `invalidPageToken` if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, binascii.Error):
        raise invalid_token() from None
    if len(raw) < 4 or raw[0] != 0x08 or raw[-2:] != b"\x10\x00":
        raise invalid_token()
    offset, shift = 0, 0
    for byte in raw[1:-2]:
        offset |= (byte & 0x7F) << shift
        shift += 7
    return offset


def key_token(key: tuple[int, int]) -> str:
    """A token naming the last item of a page by its place (`QURTSl9…`)."""
    raw = KEY_MARK + f"{key[0]}:{key[1]}".encode()
    return base64.b64encode(raw).decode()


def page_after(
    items: Sequence[T], key: Callable[[T], tuple[int, int]], token: str | None, size: int
) -> tuple[list[T], str | None]:
    """The page after `token` of `items` (sorted ascending by `key`) and the next token."""
    start = 0
    if token:
        try:
            raw = base64.b64decode(token, validate=True)
            first, _, second = raw.removeprefix(KEY_MARK).decode().partition(":")
            place = (int(first), int(second))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise invalid_token() from None
        if not raw.startswith(KEY_MARK):
            raise invalid_token()
        start = bisect.bisect_right(items, place, key=key)
    chunk = list(items[start : start + size])
    more = start + size < len(items)
    return chunk, key_token(key(chunk[-1])) if more and chunk else None


def invalid_token() -> GoogleError:
    """400 `invalidPageToken`."""
    return bad_parameter(
        "pageToken", "The request specifies an invalid page token.", "invalidPageToken"
    )
