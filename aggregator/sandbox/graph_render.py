"""Graph API JSON for the sandbox: `fields` parsing, node rendering, cursor paging, errors.

Shapes follow the recorded responses in `shared/samples/facebook/` (Graph v10/v11): times
as `2021-07-21T21:05:14+0000`, ids as strings, empty fields left out, comment summaries
as `{"order", "total_count", "can_comment"}`, paging as `{"cursors": {"before", "after"},
"previous", "next"}` with the token and cursor in the URLs' queries.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from aggregator.sandbox.graph_nodes import Author, GraphComment, GraphPost
from aggregator.sandbox.routing import SandboxRequest

T = TypeVar("T")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
PAGING_KEYS = ("access_token", "after", "before", "__paging_token", "__previous")
FIELD_NAME = re.compile(r"[a-z_]+")
MODIFIER = re.compile(r"\.([a-z_]+)\(([^)]*)\)")
POST_FIELDS = frozenset({
    "id", "message", "story", "created_time", "updated_time", "permalink_url", "status_type",
    "is_hidden", "is_published", "is_expired", "full_picture", "picture", "shares", "from",
    "reactions", "comments", "attachments", "parent_id", "message_tags",
})  # fmt: skip
COMMENT_FIELDS = frozenset({
    "admin_creator", "application", "attachment", "can_comment", "can_hide", "can_like",
    "can_remove", "can_reply_privately", "comment_count", "created_time", "from", "id",
    "is_hidden", "is_private", "like_count", "live_broadcast_timestamp", "message",
    "message_tags", "object", "parent", "permalink_url", "private_reply_conversation",
    "user_likes",
})  # fmt: skip
PAGE_FIELDS = frozenset(
    {"id", "name", "link", "about", "category", "fan_count", "instagram_business_account"}
)
DEFAULT_POST = "created_time,message,story,id"
DEFAULT_COMMENT = "created_time,from,message,id"


@dataclass
class GraphFailure(Exception):
    """Answer with a Graph error body (HTTP `status`)."""

    code: int
    message: str
    type: str = "OAuthException"
    subcode: int | None = None
    status: int = 400
    transient: bool | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, trace_id: str) -> dict[str, Any]:
        """`{"error": {...}}` as Graph sends it."""
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.transient is not None:
            error["is_transient"] = self.transient
        error["fbtrace_id"] = trace_id
        return {"error": error}


def gone(node_id: str) -> GraphFailure:
    """Error 100/33: what Graph answers for deleted or unreadable objects."""
    return GraphFailure(
        100,
        f"Unsupported get request. Object with ID '{node_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please "
        "read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        "GraphMethodException",
        33,
    )


def graph_time(moment: datetime) -> str:
    """`2021-07-21T21:05:14+0000`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def time_param(request: SandboxRequest, name: str) -> datetime | None:
    """`since`/`until` as a Unix timestamp or an ISO 8601 time."""
    value = request.param(name)
    if not value:
        return None
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise GraphFailure(100, f"(#100) The parameter {name} is not a valid time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dumps(value: Any) -> bytes:
    """Compact JSON with non-ASCII escaped, as Graph sends it."""
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def parse_fields(
    spec: str | None, default: str, known: frozenset[str], node: str
) -> dict[str, dict[str, str]]:
    """`a,b{c},comments.filter(stream).limit(0)` -> {name: {modifier: value}}.

    Raises:
        GraphFailure: error 100 for a field the node type does not have.
    """
    fields: dict[str, dict[str, str]] = {}
    for token in _split(spec or default):
        match = FIELD_NAME.match(token)
        if match is None:
            continue
        name = match[0]
        if name not in known:
            raise GraphFailure(
                100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node})"
            )
        fields[name] = dict(MODIFIER.findall(token[match.end() :].split("{", 1)[0]))
    return fields


def _split(spec: str) -> list[str]:
    """Split at the commas outside braces and parentheses."""
    parts, depth, current = [], 0, ""
    for char in spec:
        depth += char in "({"
        depth -= char in ")}"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def author(who: Author) -> dict[str, str]:
    """`from`: name and id."""
    return {"name": who.name, "id": who.id}


def pick(values: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The requested fields, in request order, leaving out empty ones (as Graph does)."""
    return {name: values[name] for name in fields if values.get(name) is not None}


def summary_edge(total: int, order: str = "chronological") -> dict[str, Any]:
    """A nested `comments.summary(true).limit(0)` value."""
    return {"data": [], "summary": {"order": order, "total_count": total, "can_comment": True}}


def render_post(
    post: GraphPost, fields: Mapping[str, Mapping[str, str]], comments: Callable[[str], int]
) -> dict[str, Any]:
    """A post or visitor post with the requested fields.

    Args:
        comments: how many comments the post has for a `filter` (`stream`, `toplevel`).
    """
    nested = fields.get("comments") or {}
    values: dict[str, Any] = {
        "id": post.node_id,
        "message": post.message or None,
        "created_time": graph_time(post.created_at),
        "updated_time": graph_time(post.updated_at),
        "permalink_url": post.permalink,
        "status_type": "wall_post"
        if post.visitor
        else "added_photos"
        if post.picture
        else "mobile_status_update",
        "is_hidden": post.hidden,
        "is_published": True,
        "is_expired": False,
        "full_picture": post.picture,
        "picture": post.picture,
        "shares": {"count": post.shares} if post.shares else None,
        "from": author(post.author),
        "reactions": {
            "data": [],
            "summary": {"total_count": post.reactions, "viewer_reaction": "NONE"},
        },
    }
    if "comments" in fields:
        values["comments"] = summary_edge(comments(nested.get("filter", "toplevel")))
        if nested.get("summary") not in ("true", "1"):
            del values["comments"]["summary"]
    return pick(values, fields)


def render_comment(
    comment: GraphComment, fields: Mapping[str, Any], with_ids: bool = True
) -> dict[str, Any]:
    """A comment with the requested fields; `with_ids=False` drops `id` and `from` (PPCA)."""
    values: dict[str, Any] = {
        "id": comment.node_id,
        "message": comment.message,
        "created_time": graph_time(comment.created_at),
        "from": author(comment.author),
        "parent": {"id": comment.parent_node} if comment.parent_node else None,
        "like_count": comment.likes,
        "comment_count": comment.replies,
        "is_hidden": comment.hidden,
        "is_private": False,
        "attachment": comment.attachment,
        "permalink_url": comment.permalink,
        "can_comment": comment.parent_node is None,
        "can_hide": not comment.by_page,
        "can_remove": True,
        "can_like": True,
        "user_likes": False,
        "object": {"id": comment.post_node},
    }
    if not with_ids:
        values["id"] = values["from"] = None
    return pick(values, fields)


@dataclass(frozen=True)
class Pager:
    """Cursor paging over an ordered list (keyset cursors: robust to new items)."""

    base_url: str
    query: Mapping[str, Sequence[str]]
    token: str

    def page(
        self, items: list[T], key: Callable[[T], tuple[int, int]], descending: bool
    ) -> tuple[list[T], dict[str, Any]]:
        """The slice the request's `limit`/`after`/`before` select, and its `paging` block.

        `items` are sorted by `key` (newest first when `descending`), so a cursor's place
        is found by bisection: a thread of thousands of comments pages in O(log n).
        """
        limit = self._limit()
        after, before = self._cursor("after"), self._cursor("before")
        sign = -1 if descending else 1

        def order(item: T) -> tuple[int, int]:
            first, second = key(item)
            return sign * first, sign * second

        if before is not None:
            prior = bisect.bisect_left(items, (sign * before[0], sign * before[1]), key=order)
            start = max(0, prior - limit)
        elif after is not None:
            start = bisect.bisect_right(items, (sign * after[0], sign * after[1]), key=order)
        else:
            start = 0
        chunk = items[start : start + limit]
        paging: dict[str, Any] = {}
        if chunk:
            first, last = _encode(key(chunk[0])), _encode(key(chunk[-1]))
            paging["cursors"] = {"before": first, "after": last}
            if start > 0:
                paging["previous"] = self._url("before", first)
            if start + len(chunk) < len(items):
                paging["next"] = self._url("after", last)
        return chunk, paging

    def page_by_time(
        self, items: list[T], key: Callable[[T], tuple[int, int]]
    ) -> tuple[list[T], dict[str, Any]]:
        """Time-based paging over newest-first `items`, as the recorded `/posts` pages.

        No `cursors`: `next` carries `until` (the last item's time) and `__paging_token`,
        `previous` carries `since`, `__previous=1` and `__paging_token`; every page with
        items has `previous`, and the last one has no `next`.
        """
        limit, token = self._limit(), self._cursor("__paging_token")

        def order(item: T) -> tuple[int, int]:
            first, second = key(item)
            return -first, -second

        if token is not None and self.query.get("__previous", [""])[0] == "1":
            end = bisect.bisect_left(items, (-token[0], -token[1]), key=order)
            start = max(0, end - limit)
        elif token is not None:
            start = bisect.bisect_right(items, (-token[0], -token[1]), key=order)
        else:
            start = 0
        chunk = items[start : start + limit]
        paging: dict[str, Any] = {}
        if chunk:
            first, last = key(chunk[0]), key(chunk[-1])
            paging["previous"] = self._link(
                __previous="1", since=str(first[0]), until="", __paging_token=_encode(first)
            )
            if start + len(chunk) < len(items):
                paging["next"] = self._link(
                    until=str(last[0]), since="", __paging_token=_encode(last), __previous=""
                )
        return chunk, paging

    def _link(self, **updates: str) -> str:
        params = {"access_token": self.token}
        for key, values in self.query.items():
            if key not in (*PAGING_KEYS, *updates) and values:
                params[key] = values[0]
        params.update(updates)
        return f"{self.base_url}?{urlencode(params)}"

    def _limit(self) -> int:
        raw = (self.query.get("limit") or [str(DEFAULT_LIMIT)])[0]
        if not raw.isdigit():
            raise GraphFailure(100, "(#100) The parameter limit must be a non-negative integer")
        return min(int(raw), MAX_LIMIT)

    def _cursor(self, name: str) -> tuple[int, int] | None:
        values = self.query.get(name)
        value = values[0] if values else ""
        if not value:
            return None
        try:
            epoch, _, ident = base64.urlsafe_b64decode(value + "==").decode().partition(":")
            return int(epoch), int(ident)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise GraphFailure(100, f"(#100) The parameter {name} is not a valid cursor") from None

    def _url(self, name: str, cursor: str) -> str:
        return self._link(**{name: cursor})


def _encode(key: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode().rstrip("=")
