"""Pure mapping of Instagram Graph payloads (media, comments, replies) to records.

Every function is total over what Graph may send: unknown fields are ignored (the raw
payload is kept), missing optional fields become None. A media or comment without `id`
or `timestamp` is an error (never stored unkeyed). Instagram gives no display names: a
commenter is their `username` (stored as name and handle) and Instagram-scoped `from.id`.
The district's own comments are those with `user.id` == the account's id (Graph returns
`user` only on the app user's own comments) or `username` == the account's username.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aggregator.connector import ParseError
from aggregator.records import CommentKind, CommentRecord, PostRecord
from connectors.graph.mapping import count as _count
from connectors.graph.mapping import get_path as _get
from connectors.graph.mapping import parse_time as parse_time
from connectors.graph.mapping import string as _str

PLATFORM = "instagram"


@dataclass(frozen=True)
class Owner:
    """The district's account: its id and, once known, its username."""

    ig_user_id: str
    username: str | None = None

    def wrote(self, payload: Mapping[str, Any]) -> bool:
        """Whether the comment `payload` was written by the account itself."""
        if _str(_get(payload, "user", "id")) == self.ig_user_id:
            return True
        return self.username is not None and _username(payload) == self.username


def media_comment_count(payload: Mapping[str, Any]) -> int | None:
    """`comments_count` of a media (replies included), None when absent."""
    return _count(payload.get("comments_count"))


def to_post(payload: Mapping[str, Any], *, ig_user_id: str, source_url: str) -> PostRecord:
    """A media (`/{ig-user-id}/media` item: photo, carousel, reel) as a `PostRecord`."""
    media_id, created = _key(payload, "media")
    metrics = {
        name: value
        for name, value in (
            ("likes", _count(payload.get("like_count"))),
            ("comments", media_comment_count(payload)),
        )
        if value is not None
    }
    return PostRecord(
        platform=PLATFORM,
        external_id=media_id,
        created_at=created,
        text=_str(payload.get("caption")) or "",
        url=_str(payload.get("permalink")),
        author_id=_str(_get(payload, "owner", "id")) or ig_user_id,
        author_name=_str(payload.get("username")),
        comment_count=media_comment_count(payload),
        metrics=metrics,
        raw=dict(payload),
        source_url=source_url,
    )


def to_comment(
    payload: Mapping[str, Any],
    *,
    media_id: str,
    owner: Owner,
    source_url: str,
    parent_id: str | None = None,
    permalink: str | None = None,
) -> CommentRecord:
    """A comment or reply (`/{media-id}/comments` item, or one of its `replies`).

    Args:
        payload: the comment as Graph sent it, without its nested `replies` (kept apart).
        media_id: the media whose comments these are.
        owner: the district's account (its comments are its own answers).
        source_url: the edge's address, without query.
        parent_id: the top-level comment a nested reply came under (when the reply has no
            `parent_id` field of its own).
        permalink: the media's permalink (Instagram comments have none of their own).
    """
    comment_id, created = _key(payload, "comment")
    parent = _str(payload.get("parent_id")) or parent_id
    username = _username(payload)
    likes = _count(payload.get("like_count"))
    return CommentRecord(
        platform=PLATFORM,
        external_id=comment_id,
        created_at=created,
        text=_str(payload.get("text")) or "",
        kind=CommentKind.REPLY if parent else CommentKind.COMMENT,
        post_external_id=media_id,
        parent_external_id=parent,
        author_id=_str(_get(payload, "from", "id")) or _str(_get(payload, "user", "id")),
        author_name=username,
        author_handle=username,
        permalink=permalink,
        metrics={} if likes is None else {"likes": likes},
        hidden_upstream=payload.get("hidden") is True,
        by_account_owner=owner.wrote(payload),
        raw={key: value for key, value in payload.items() if key != "replies"},
        source_url=source_url,
    )


def nested_replies(payload: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], bool]:
    """A top-level comment's nested `replies.data`, and whether more replies follow
    (`replies.paging.next`: then `/{comment-id}/replies` has them all)."""
    replies = payload.get("replies")
    if not isinstance(replies, Mapping):
        return [], False
    data = replies.get("data")
    items = [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []
    more = isinstance(_get(replies, "paging", "next"), str)
    return items, more


def _key(payload: Mapping[str, Any], what: str) -> tuple[str, datetime]:
    item_id = _str(payload.get("id"))
    created = parse_time(payload.get("timestamp"))
    if not item_id or created is None:
        raise ParseError(
            f"Instagram {what} without id or valid timestamp: {sorted(payload)[:12]} fields"
        )
    return item_id, created


def _username(payload: Mapping[str, Any]) -> str | None:
    return _str(payload.get("username")) or _str(_get(payload, "from", "username"))
