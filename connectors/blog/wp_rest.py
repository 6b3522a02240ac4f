"""A WordPress post's comments read from the public REST API instead of its comment feed.

Endpoint: `GET {site}/wp-json/wp/v2/comments?post={ID}&per_page=100&page={N}
&orderby=date_gmt&order=asc`, where `{site}` is the configured `feed_url` without its
`/feed/...` suffix. Anonymous readers get every approved comment with its `parent`, so
unlike the comment feed (the newest `posts_per_rss` items only) nothing is missed and
threading is exact. Pages are counted by `X-WP-TotalPages`; only `page` changes, so a
`Link` header can never send us to another host.

Ids are those the feeds give (`wp:{host}{path}:comment:{id}`, beside the post's
`wp:{host}{path}:post:{ID}`), so REST and feeds can take turns without duplicates.
A site with the REST API switched off (404 `rest_no_route`, 401/403 from a "disable
REST" plugin, or HTML where JSON belongs) raises `RestUnavailable`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from aggregator.connector import ParseError
from aggregator.http import HttpClient, Response
from aggregator.records import CommentKind, CommentRecord
from connectors.blog.mapping import owner_key
from connectors.common.feed_text import html_to_text
from connectors.common.feeds import display_url, raise_for_status

PER_PAGE = 100
MAX_PAGES = 500
"""At most 50,000 comments per post and run; the rest is read next run."""
FEED_SUFFIXES = ("/comments/feed/atom/", "/comments/feed/", "/feed/atom/", "/feed/rss2/", "/feed/")
UNAVAILABLE_STATUSES = frozenset({401, 403, 404})


class RestUnavailable(Exception):
    """The site does not serve `/wp-json/wp/v2/comments` to anonymous readers."""


def comments_endpoint(feed_url: str) -> str | None:
    """`{site}/wp-json/wp/v2/comments` for a WordPress feed URL; None if not derivable."""
    parts = urlsplit(feed_url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    root = next((path[: -len(s)] for s in FEED_SUFFIXES if path.endswith(s)), None)
    if root is None and "feed=" in parts.query:
        root = path.rstrip("/")  # `/?feed=rss2`: the site without pretty permalinks
    if root is None:
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"{root}/wp-json/wp/v2/comments", "", ""))


def read_post_comments(
    http: HttpClient,
    endpoint: str,
    post_id: str,
    *,
    owners: frozenset[str],
) -> tuple[CommentRecord, ...]:
    """Every approved comment of the post `post_id` (`wp:...:post:{ID}`), oldest first.

    Raises:
        RestUnavailable: the first page shows the site has no public REST comments.
        FetchError / RateLimited / FeedHttpError: as for feeds. ParseError: not JSON.
    """
    prefix, _, number = post_id.rpartition(":post:")
    records: list[CommentRecord] = []
    for page in range(1, MAX_PAGES + 1):
        query = {"post": number, "per_page": PER_PAGE, "page": page}
        url = f"{endpoint}?{urlencode(query | {'orderby': 'date_gmt', 'order': 'asc'})}"
        response = http.get(url, headers={"Accept": "application/json"})
        items = _items(response, url, first=page == 1)
        records += [
            to_rest_comment(item, prefix, post_id, owners=owners, source_url=url)
            for item in items
            if isinstance(item, Mapping) and isinstance(item.get("id"), int)
        ]
        if not items or page >= _total_pages(response):
            break
    return tuple(records)


def to_rest_comment(
    item: Mapping[str, Any],
    prefix: str,
    post_id: str,
    *,
    owners: frozenset[str],
    source_url: str,
) -> CommentRecord:
    """Map one REST comment to a `CommentRecord` with the ids the feeds give."""
    parent = item.get("parent")
    parent_id = f"{prefix}:comment:{parent}" if isinstance(parent, int) and parent else None
    author = str(item.get("author_name") or "").strip()
    content = item.get("content")
    rendered = content.get("rendered") if isinstance(content, Mapping) else None
    return CommentRecord(
        platform="blog",
        external_id=f"{prefix}:comment:{item['id']}",
        created_at=_gmt(item.get("date_gmt")),
        text=html_to_text(rendered) if isinstance(rendered, str) else "",
        kind=CommentKind.REPLY if parent_id else CommentKind.COMMENT,
        post_external_id=post_id,
        parent_external_id=f"{prefix}:comment:{parent}"
        if isinstance(parent, int) and parent
        else None,
        author_name=author or None,
        permalink=str(item["link"]) if isinstance(item.get("link"), str) else None,
        by_account_owner=owner_key(author) in owners if author else False,
        raw=json.loads(json.dumps(item)),
        source_url=source_url,
    )


def _items(response: Response, url: str, *, first: bool) -> list[Any]:
    shown = display_url(url)
    is_json = "json" in (response.header("Content-Type") or "")
    if first and (response.status in UNAVAILABLE_STATUSES or not is_json):
        raise RestUnavailable(f"{shown}: HTTP {response.status}, no public REST comments")
    raise_for_status(response, url)
    try:
        items = json.loads(response.content)
    except ValueError as exc:
        raise ParseError(f"{shown}: REST answer is not JSON ({exc})") from None
    if not isinstance(items, list):
        raise ParseError(f"{shown}: REST answer is not a list of comments")
    return items


def _total_pages(response: Response) -> int:
    value = response.header("X-WP-TotalPages") or ""
    return int(value) if value.isdigit() else 1


def _gmt(value: Any) -> datetime:
    """`date_gmt` (`2026-11-03T01:15:00`, no offset: it is UTC) as aware UTC."""
    if not isinstance(value, str):
        raise ParseError(f"REST comment without date_gmt: {value!r}")
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise ParseError(f"REST comment with an unreadable date_gmt: {value!r}") from None
