"""Instagram's nodes as the Graph API renders them in the sandbox: users, media, comments.

The fields each node type knows (an unknown one is Graph error 100), the default fields
(`id` for users and media, `timestamp,text,id` for comments), times as
`2021-08-13T08:25:28+0000`, and comments' nested `replies{...}` with their own fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aggregator.sandbox.graph_render import graph_time, parse_fields, pick
from aggregator.sandbox.instagram_world import (
    IG_USER_ID,
    USERNAME,
    IgComment,
    IgMedia,
    InstagramWorld,
)

USER_FIELDS = frozenset(
    {
        "id",
        "ig_id",
        "username",
        "name",
        "biography",
        "website",
        "profile_picture_url",
        "followers_count",
        "follows_count",
        "media_count",
    }
)
MEDIA_FIELDS = frozenset(
    {
        "id",
        "caption",
        "media_type",
        "media_product_type",
        "media_url",
        "permalink",
        "shortcode",
        "thumbnail_url",
        "timestamp",
        "comments_count",
        "like_count",
        "is_comment_enabled",
        "username",
        "owner",
        "children",
        "is_shared_to_feed",
    }
)
COMMENT_FIELDS = frozenset(
    {
        "id",
        "text",
        "timestamp",
        "username",
        "from",
        "like_count",
        "hidden",
        "parent_id",
        "replies",
        "media",
        "user",
        "legacy_instagram_comment_id",
    }
)
DEFAULT_COMMENT = "timestamp,text,id"


def render_media(
    world: InstagramWorld, now: Callable[[], datetime], media: IgMedia, spec: str | None
) -> dict[str, Any]:
    """A media with the fields of `spec` (its comment count as `world` shows it `now()`)."""
    fields = parse_fields(spec, "id", MEDIA_FIELDS, "IGMedia")
    children = None
    if media.media_type == "CAROUSEL_ALBUM":
        first = int(media.id) + 1
        children = {"data": [{"id": str(first + n)} for n in range(3)]}
    values = {
        "id": media.id,
        "caption": media.caption,
        "media_type": media.media_type,
        "media_product_type": media.product_type,
        "media_url": media.media_url,
        "permalink": media.permalink,
        "shortcode": media.shortcode,
        "thumbnail_url": media.media_url[:-3] + "jpg" if media.media_type == "VIDEO" else None,
        "timestamp": graph_time(media.created_at),
        "comments_count": len(world.comments(media, now())),
        "like_count": media.like_count,
        "is_comment_enabled": media.comments_enabled,
        "username": USERNAME,
        "owner": {"id": IG_USER_ID},
        "children": children,
        "is_shared_to_feed": True if media.product_type == "REELS" else None,
    }
    return pick(values, fields)


def comment_renderer(
    world: InstagramWorld, now: Callable[[], datetime], spec: str | None
) -> Callable[[IgComment], dict[str, Any]]:
    """Render comments with the fields of `spec` (parsed once for a whole page); nested
    `replies{...}` as `world` shows them `now()`."""
    fields = parse_fields(spec, DEFAULT_COMMENT, COMMENT_FIELDS, "IGComment")
    if "replies" not in fields:
        return lambda comment: pick(comment_values(comment), fields)
    inner = _nested(spec or "", "replies") or DEFAULT_COMMENT
    nested = parse_fields(inner, DEFAULT_COMMENT, COMMENT_FIELDS, "IGComment")
    by_parent: dict[str, dict[str, list[IgComment]]] = {}

    def replies_of(comment: IgComment) -> list[IgComment]:
        if comment.media_id not in by_parent:
            media = world.media_item(comment.media_id, now())
            grouped: dict[str, list[IgComment]] = {}
            for c in world.comments(media, now()) if media else []:
                if c.parent_id is not None:
                    grouped.setdefault(c.parent_id, []).append(c)
            by_parent[comment.media_id] = grouped
        return by_parent[comment.media_id].get(comment.id, [])

    def render(comment: IgComment) -> dict[str, Any]:
        values = comment_values(comment)
        replies = replies_of(comment) if comment.parent_id is None else []
        if replies:
            values["replies"] = {"data": [pick(comment_values(r), nested) for r in replies]}
        return pick(values, fields)

    return render


def comment_values(comment: IgComment) -> dict[str, Any]:
    """Every field of a comment but `replies` (`pick` chooses the requested ones)."""
    return {
        "id": comment.id,
        "text": comment.text,
        "timestamp": graph_time(comment.created_at),
        "username": comment.username,
        "from": {"id": comment.user_id, "username": comment.username},
        "like_count": comment.likes,
        "hidden": comment.hidden,
        "parent_id": comment.parent_id,
        "media": {"id": comment.media_id},
        "user": {"id": IG_USER_ID} if comment.by_account else None,
        "legacy_instagram_comment_id": None,
    }


def _nested(spec: str, name: str) -> str | None:
    """The text inside `name{...}` of a fields spec (nested braces kept), or None."""
    start = re.search(rf"(?:^|,)\s*{name}(?:\.[a-z_]+\([^)]*\))*\{{", spec)
    if start is None:
        return None
    depth, begin = 1, start.end()
    for index in range(begin, len(spec)):
        depth += {"{": 1, "}": -1}.get(spec[index], 0)
        if depth == 0:
            return spec[begin:index]
    return spec[begin:]
