"""Pure mapping of blog feed entries (plain dicts from `connectors.common.feeds`) to records.

Ids are derived from what the feed says about each item, never from where it was
fetched, so they survive feed moves and are identical whichever feed an item came from:

- Naver post: `naver:{blogId}:{logNo}` (from guid, link or FeedBurner's original link,
  on `blog.naver.com`, `m.blog.naver.com` or the older `{blogId}.blog.me`);
- WordPress post: `wp:{host}{path}:post:{ID}` from the `?p={ID}` guid;
- WordPress comment: `wp:{host}[{path}]:comment:{cid}` from the `...#comment-{cid}` guid
  (site-wide and per-post comment feeds, RSS2 or Atom, give the same id);
- other posts: `url:{host}{path}?{query}` from a URL guid (scheme and tracking dropped),
  a `tag:`/`urn:` guid as is, `guid:{site}:{guid}` for other guids, the link when there
  is no guid, else `hash:{site}:{hash of title|published}`.

Times: an explicit offset or UTC marker is trusted; a date without a zone (or with
`KST`, which feedparser reads as UTC) is Korean time, UTC+9.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aggregator.records import CommentKind, CommentRecord, PostRecord, text_hash
from connectors.common.feed_text import clean_str, entry_time, html_to_text, tidy
from connectors.common.feeds import Entry

NAVER_HOSTS = frozenset({"blog.naver.com", "m.blog.naver.com"})
BLOG_ME = ".blog.me"
"""Naver's older per-blog domain: `{blogId}.blog.me/{logNo}` = `blog.naver.com/{blogId}/{logNo}`."""
PLATFORM_ID_PREFIXES = ("naver:", "wp:")
TRACKING_PARAMS = frozenset({"fromrss", "trackingcode", "fbclid", "gclid"})
_COMMENT_FRAGMENT = re.compile(r"^comment-(\d+)$")


# ---------------------------------------------------------------- ids and URLs


def strip_tracking(url: str) -> str:
    """Remove tracking query parameters (`fromRss`, `trackingCode`, `utm_*`, ...) from a URL."""
    parts = urlsplit(url.strip())
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith("utm_")
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def site_key(feed_url: str) -> str:
    """The blog's prefix for ids that carry no host of their own: host and path of its feed."""
    parts = urlsplit(feed_url)
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"


def naver_post_id(url: str | None) -> str | None:
    """`naver:{blogId}:{logNo}` from a Naver post URL (path or `PostView` query form)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    if host.endswith(BLOG_ME) and len(segments) == 1 and segments[0].isdigit():
        return f"naver:{host.removesuffix(BLOG_ME)}:{segments[0]}"  # {blogId}.blog.me/{logNo}
    if host not in NAVER_HOSTS:
        return None
    query = dict(parse_qsl(parts.query))
    if len(segments) == 2 and segments[1].isdigit():
        return f"naver:{segments[0]}:{segments[1]}"
    if query.get("blogId") and query.get("logNo", "").isdigit():
        return f"naver:{query['blogId']}:{query['logNo']}"
    return None


def post_id_from_guid(guid: str, site: str) -> str:
    """The post id for a guid: WordPress `?p=ID` -> `wp:{host}{path}:post:{ID}`, else `guid_key`."""
    parts = urlsplit(guid.strip())
    post_number = dict(parse_qsl(parts.query)).get("p", "")
    if parts.netloc and post_number.isdigit():
        return f"wp:{parts.netloc.lower()}{parts.path.rstrip('/')}:post:{post_number}"
    return guid_key(guid, site)


def guid_key(guid: str, site: str) -> str:
    """Id for any other guid: a URL -> `url_id`; `tag:`/`urn:` kept; else `guid:{site}:{guid}`."""
    guid = guid.strip()
    parts = urlsplit(guid)
    if parts.scheme in ("http", "https") and parts.netloc:
        return url_id(guid)
    if parts.scheme in ("tag", "urn"):
        return guid
    return f"guid:{site}:{guid}"


def url_id(url: str) -> str:
    """`url:{host}{path}[?query][#fragment]` with tracking parameters removed."""
    parts = urlsplit(strip_tracking(url))
    rest = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return f"url:{parts.netloc.lower()}{rest}"


def post_external_id(entry: Entry, site: str) -> str:
    """Stable id of a post entry: Naver logNo, else guid, else link, else a content hash."""
    guid, link = clean_str(entry.get("id")), clean_str(entry.get("link"))
    origin = clean_str(entry.get("feedburner_origlink"))
    naver = naver_post_id(guid) or naver_post_id(link) or naver_post_id(origin)
    if naver:
        return naver
    if guid:
        return post_id_from_guid(guid, site)
    if link:
        return url_id(link)
    return f"hash:{site}:{_fallback_hash(entry)}"


def has_platform_id(external_id: str) -> bool:
    """True for ids the platform itself gave (`naver:`, `wp:`), not fallbacks from URLs."""
    return external_id.startswith(PLATFORM_ID_PREFIXES)


def wp_comment_ref(url: str | None) -> tuple[str, str] | None:
    """(comment id, post part) from a WordPress `...#comment-{cid}` guid or permalink."""
    if not url or "#" not in url:
        return None
    post_part, _, fragment = url.strip().partition("#")
    match = _COMMENT_FRAGMENT.match(fragment)
    if not match:
        return None
    parts = urlsplit(post_part)
    base = parts.netloc.lower()
    if dict(parse_qsl(parts.query)).get("p", "").isdigit():
        base += parts.path.rstrip("/")
    return f"wp:{base}:comment:{match.group(1)}", post_part


# ---------------------------------------------------------------- text and dates


def _detail_text(value: Any, detail: Any) -> str:
    text = clean_str(value)
    kind = detail.get("type", "") if isinstance(detail, Mapping) else ""
    return html_to_text(text) if "html" in kind else tidy(text)


def _body(entry: Entry) -> str:
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        return _detail_text(content[0].get("value"), content[0])
    return _detail_text(entry.get("summary"), entry.get("summary_detail"))


def _fallback_hash(entry: Entry) -> str:
    title, published = clean_str(entry.get("title")), clean_str(entry.get("published"))
    return text_hash(title, published) if title or published else text_hash(_body(entry))


# ---------------------------------------------------------------- records


def to_post(entry: Entry, *, site: str, source_url: str | None, fetched_at: datetime) -> PostRecord:
    """Map one posts-feed entry to a `PostRecord` (created_at falls back to `fetched_at`)."""
    link = clean_str(entry.get("feedburner_origlink")) or clean_str(entry.get("link"))
    external_id = post_external_id(entry, site)
    return PostRecord(
        platform="blog",
        external_id=external_id,
        created_at=entry_time(entry, "published") or entry_time(entry, "updated") or fetched_at,
        updated_at=entry_time(entry, "updated"),
        title=_detail_text(entry.get("title"), entry.get("title_detail")) or None,
        text=_body(entry),
        url=strip_tracking(link) if link else None,
        author_id=_author_id(entry, external_id),
        author_name=clean_str(entry.get("author")) or None,
        comment_count=comment_count(entry),
        raw=dict(entry),
        source_url=source_url,
    )


def to_comment(
    entry: Entry,
    *,
    site: str,
    source_url: str | None,
    fetched_at: datetime,
    owner_names: frozenset[str] = frozenset(),
    post_external_id: str | None = None,
) -> CommentRecord:
    """Map one comments-feed entry (RSS2 or Atom) to a `CommentRecord`.

    The id comes from the `#comment-{cid}` guid, so site-wide and per-post feeds give
    the same id. Atom `thr:in-reply-to` pointing at a comment makes it a REPLY.
    """
    own, post_id = _own_and_post_ids(entry, site, post_external_id)
    parent = _parent_comment_id(entry)
    author = clean_str(entry.get("author"))
    link = clean_str(entry.get("link"))
    return CommentRecord(
        platform="blog",
        external_id=own,
        created_at=entry_time(entry, "published") or entry_time(entry, "updated") or fetched_at,
        text=_body(entry),
        kind=CommentKind.REPLY if parent else CommentKind.COMMENT,
        post_external_id=post_id,
        parent_external_id=parent,
        author_name=author or None,
        permalink=strip_tracking(link) if link else None,
        by_account_owner=owner_key(author) in owner_names if author else False,
        raw=dict(entry),
        source_url=source_url,
    )


def _author_id(entry: Entry, external_id: str) -> str | None:
    """Naver: the blog id (`<author>` is the blogId); else an Atom author `<uri>` if any."""
    if external_id.startswith("naver:"):
        return external_id.split(":")[1]
    detail = entry.get("author_detail")
    href = clean_str(detail.get("href")) if isinstance(detail, Mapping) else ""
    return href or None


def comment_count(entry: Entry) -> int | None:
    """`slash:comments` or Atom `thr:total` as an int; None when the feed gives no count."""
    for key in ("slash_comments", "thr_total"):
        value = clean_str(entry.get(key))
        if value.isdigit():
            return int(value)
    return None


def comment_feed_url(entry: Entry) -> str | None:
    """The entry's own comment feed: `wfw:commentRss`, or Atom replies link of feed type."""
    wfw = clean_str(entry.get("wfw_commentrss"))
    if wfw:
        return wfw
    for link in entry.get("links") or ():
        if not isinstance(link, Mapping) or link.get("rel") != "replies":
            continue
        if "xml" in clean_str(link.get("type")) and clean_str(link.get("href")):
            return clean_str(link.get("href"))
    return None


def _own_and_post_ids(entry: Entry, site: str, known_post: str | None) -> tuple[str, str | None]:
    guid, link = clean_str(entry.get("id")), clean_str(entry.get("link"))
    from_guid, from_link = wp_comment_ref(guid), wp_comment_ref(link)
    reply_to = entry.get("thr_in-reply-to")
    ref = clean_str(reply_to.get("ref")) if isinstance(reply_to, Mapping) else ""
    post_id = post_id_from_guid(from_guid[1], site) if from_guid else None
    if post_id is None and ref and wp_comment_ref(ref) is None:
        post_id = post_id_from_guid(ref, site)
    ids = from_guid or from_link
    if ids:
        own = ids[0]
    elif guid:
        own = guid_key(guid, site)
    else:
        own = url_id(link) if link else f"hash:{site}:{_fallback_hash(entry)}"
    return own, post_id or known_post


def _parent_comment_id(entry: Entry) -> str | None:
    reply_to = entry.get("thr_in-reply-to")
    if not isinstance(reply_to, Mapping):
        return None
    ids = wp_comment_ref(clean_str(reply_to.get("ref"))) or wp_comment_ref(
        clean_str(reply_to.get("href"))
    )
    return ids[0] if ids else None


def owner_key(name: str) -> str:
    """How author names are compared to the blog owner's names (case and spacing ignored)."""
    return " ".join(name.split()).casefold()
