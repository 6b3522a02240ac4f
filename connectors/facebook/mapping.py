"""Pure mapping of Graph API payloads (Page posts, comments, visitor posts) to records.

Every function is total over what Graph may send: unknown fields are ignored (the raw
payload is kept), missing optional fields become None. Two things are never guessed: a
post or comment without `id` or `created_time` is an error, and comments without `id`
(what an app without the MODERATE task on the Page gets) raise `MissingCommentId`, so
no unkeyed rows are ever stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aggregator.connector import ParseError
from aggregator.records import CommentKind, CommentRecord, PostRecord
from connectors.graph.mapping import count as _count
from connectors.graph.mapping import get_path as _get
from connectors.graph.mapping import parse_time as parse_time
from connectors.graph.mapping import string as _str


class MissingCommentId(ParseError):
    """Graph sent comments without `id`: the token cannot see comment ids."""

    def __init__(self, post_id: str) -> None:
        super().__init__(
            f"comment id missing in the comments of {post_id}: Graph withholds comment ids "
            "(and authors) from apps that cannot perform the MODERATE task on the Page. "
            "Use a Page access token of a Page admin or moderator (check MODERATE task/"
            "permissions); no comment of this page of results was stored."
        )


def comment_total(payload: Mapping[str, Any]) -> int | None:
    """`comments.summary.total_count` of a post (None when the post has no summary)."""
    return _count(_get(payload, "comments", "summary", "total_count"))


def post_metrics(payload: Mapping[str, Any]) -> dict[str, int]:
    """Shares, reactions and comments of a post, where present."""
    values = {
        "shares": _count(_get(payload, "shares", "count")),
        "reactions": _count(_get(payload, "reactions", "summary", "total_count")),
        "comments": comment_total(payload),
    }
    return {name: value for name, value in values.items() if value is not None}


def comment_metrics(payload: Mapping[str, Any]) -> dict[str, int]:
    """Likes and replies of a comment, where present (plain statements: this runs for every
    comment of a sync)."""
    metrics: dict[str, int] = {}
    likes, replies = _count(payload.get("like_count")), _count(payload.get("comment_count"))
    if likes is not None:
        metrics["likes"] = likes
    if replies is not None:
        metrics["replies"] = replies
    return metrics


def to_post(payload: Mapping[str, Any], *, page_id: str, source_url: str) -> PostRecord:
    """A Page post (`published_posts` item) as a `PostRecord`."""
    post_id, created = _key(payload, "post")
    author_id, author_name = _author(payload)
    return PostRecord(
        platform="facebook",
        external_id=post_id,
        created_at=created,
        text=_text(payload),
        url=_str(payload.get("permalink_url")),
        author_id=author_id or page_id,
        author_name=author_name,
        updated_at=parse_time(payload.get("updated_time")),
        comment_count=comment_total(payload),
        metrics=post_metrics(payload),
        hidden_upstream=payload.get("is_hidden") is True,
        raw=dict(payload),
        source_url=source_url,
    )


def to_mention(payload: Mapping[str, Any], *, page_id: str, source_url: str) -> CommentRecord:
    """A visitor post (a resident's post on the Page) as a `MENTION` comment record."""
    post_id, created = _key(payload, "visitor post")
    author_id, author_name = _author(payload)
    return CommentRecord(
        platform="facebook",
        external_id=post_id,
        created_at=created,
        text=_text(payload),
        kind=CommentKind.MENTION,
        author_id=author_id,
        author_name=author_name,
        permalink=_str(payload.get("permalink_url")),
        metrics=post_metrics(payload),
        hidden_upstream=payload.get("is_hidden") is True,
        by_account_owner=author_id == page_id,
        raw=dict(payload),
        source_url=source_url,
    )


def to_comment(
    payload: Mapping[str, Any],
    *,
    page_id: str,
    post_id: str,
    source_url: str,
    thread_root: str | None = None,
) -> CommentRecord:
    """A comment or reply (`/{post-id}/comments?filter=stream` item) as a `CommentRecord`.

    Args:
        payload: the comment as Graph sent it.
        page_id: the Page's id: comments written as the Page are the district's replies.
        post_id: the post (or visitor post) whose comments these are.
        source_url: the edge's address, without query.
        thread_root: the parent of top-level comments (a visitor post's id, whose
            comments answer a resident), or None for the district's own posts.
    """
    if not _str(payload.get("id")):
        raise MissingCommentId(post_id)
    comment_id, created = _key(payload, "comment")
    parent = _str(_get(payload, "parent", "id")) or thread_root
    author_id, author_name = _author(payload)
    return CommentRecord(
        platform="facebook",
        external_id=comment_id,
        created_at=created,
        text=_str(payload.get("message")) or "",
        kind=CommentKind.REPLY if parent else CommentKind.COMMENT,
        post_external_id=post_id,
        parent_external_id=parent,
        author_id=author_id,
        author_name=author_name,
        permalink=_str(payload.get("permalink_url")),
        metrics=comment_metrics(payload),
        hidden_upstream=payload.get("is_hidden") is True,
        by_account_owner=author_id is not None and author_id == page_id,
        raw=dict(payload),
        source_url=source_url,
    )


def _key(payload: Mapping[str, Any], what: str) -> tuple[str, datetime]:
    item_id = _str(payload.get("id"))
    created = parse_time(payload.get("created_time"))
    if not item_id or created is None:
        raise ParseError(
            f"Graph {what} without id or valid created_time: {sorted(payload)[:12]} fields"
        )
    return item_id, created


def _author(payload: Mapping[str, Any]) -> tuple[str | None, str | None]:
    author = payload.get("from")
    if author.__class__ is not dict and not isinstance(author, Mapping):
        return None, None
    return _str(author.get("id")), _str(author.get("name"))


def _text(payload: Mapping[str, Any]) -> str:
    return _str(payload.get("message")) or _str(payload.get("story")) or ""
