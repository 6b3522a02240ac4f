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

import email.utils
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aggregator.records import CommentKind, CommentRecord, PostRecord, text_hash
from connectors.common.feeds import Entry

KST = timezone(timedelta(hours=9), "KST")
"""Dates without a zone (and the `KST` abbreviation feedparser reads as UTC) are Korean time."""

NAVER_HOSTS = frozenset({"blog.naver.com", "m.blog.naver.com"})
BLOG_ME = ".blog.me"
"""Naver's older per-blog domain: `{blogId}.blog.me/{logNo}` = `blog.naver.com/{blogId}/{logNo}`."""
PLATFORM_ID_PREFIXES = ("naver:", "wp:")
TRACKING_PARAMS = frozenset({"fromrss", "trackingcode", "fbclid", "gclid"})
_COMMENT_FRAGMENT = re.compile(r"^comment-(\d+)$")
_ZONE = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*"  # a time of day, then maybe a zone
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{1,5})?(?:\s*\([^)]*\))?\s*$"
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})


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
    guid, link = _text(entry.get("id")), _text(entry.get("link"))
    origin = _text(entry.get("feedburner_origlink"))
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


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags and scripts dropped, entities decoded.

    Block elements and `<br>` become line breaks; runs of spaces collapse.
    """
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return _tidy("".join(extractor.parts))


def entry_time(entry: Entry, key: str) -> datetime | None:
    """The entry's `published`/`updated` time as aware UTC.

    An explicit offset or UTC marker is trusted (feedparser already converted it);
    no zone, or `KST`, means Korean time (UTC+9). Unparseable dates give None.
    """
    raw = _text(entry.get(key))
    parsed = _text(entry.get(f"{key}_parsed"))
    match = _ZONE.search(raw) if raw else None
    zone = match.group("zone") if match else None
    if raw and (zone is None or zone.upper() == "KST"):
        wall = _wall_clock(raw, parsed)
        return wall.replace(tzinfo=KST).astimezone(UTC) if wall else None
    return datetime.fromisoformat(parsed).astimezone(UTC) if parsed else None


def _wall_clock(raw: str, parsed: str | None) -> datetime | None:
    if parsed:
        return datetime.fromisoformat(parsed).replace(tzinfo=None)
    fields = email.utils.parsedate(raw)
    return datetime(*fields[:6]) if fields else None


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _detail_text(value: Any, detail: Any) -> str:
    text = _text(value)
    kind = detail.get("type", "") if isinstance(detail, Mapping) else ""
    return html_to_text(text) if "html" in kind else _tidy(text)


def _body(entry: Entry) -> str:
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        return _detail_text(content[0].get("value"), content[0])
    return _detail_text(entry.get("summary"), entry.get("summary_detail"))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _fallback_hash(entry: Entry) -> str:
    title, published = _text(entry.get("title")), _text(entry.get("published"))
    return text_hash(title, published) if title or published else text_hash(_body(entry))


# ---------------------------------------------------------------- records


def to_post(entry: Entry, *, site: str, source_url: str | None, fetched_at: datetime) -> PostRecord:
    """Map one posts-feed entry to a `PostRecord` (created_at falls back to `fetched_at`)."""
    link = _text(entry.get("feedburner_origlink")) or _text(entry.get("link"))
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
        author_name=_text(entry.get("author")) or None,
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
    author = _text(entry.get("author"))
    link = _text(entry.get("link"))
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
    href = _text(detail.get("href")) if isinstance(detail, Mapping) else ""
    return href or None


def comment_count(entry: Entry) -> int | None:
    """`slash:comments` or Atom `thr:total` as an int; None when the feed gives no count."""
    for key in ("slash_comments", "thr_total"):
        value = _text(entry.get(key))
        if value.isdigit():
            return int(value)
    return None


def comment_feed_url(entry: Entry) -> str | None:
    """The entry's own comment feed: `wfw:commentRss`, or Atom replies link of feed type."""
    wfw = _text(entry.get("wfw_commentrss"))
    if wfw:
        return wfw
    for link in entry.get("links") or ():
        if not isinstance(link, Mapping) or link.get("rel") != "replies":
            continue
        if "xml" in _text(link.get("type")) and _text(link.get("href")):
            return _text(link.get("href"))
    return None


def _own_and_post_ids(entry: Entry, site: str, known_post: str | None) -> tuple[str, str | None]:
    guid, link = _text(entry.get("id")), _text(entry.get("link"))
    from_guid, from_link = wp_comment_ref(guid), wp_comment_ref(link)
    reply_to = entry.get("thr_in-reply-to")
    ref = _text(reply_to.get("ref")) if isinstance(reply_to, Mapping) else ""
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
    ids = wp_comment_ref(_text(reply_to.get("ref"))) or wp_comment_ref(_text(reply_to.get("href")))
    return ids[0] if ids else None


def owner_key(name: str) -> str:
    """How author names are compared to the blog owner's names (case and spacing ignored)."""
    return " ".join(name.split()).casefold()
