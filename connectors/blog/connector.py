"""Blogs (Naver Blog, WordPress, Tistory, any RSS/Atom feed) read from their public feeds.

Endpoints: the account's `feed_url` (Naver `https://rss.blog.naver.com/{blogId}.xml`,
WordPress `/feed/` or `/feed/atom/`, Tistory `/rss`), the optional site-wide
`comments_feed_url` (WordPress `/comments/feed/`, RSS2 or Atom), and each post's own
comment feed (`wfw:commentRss`, or Atom `<link rel="replies" type="application/atom+xml">`).
All requests go through `HttpClient` via `connectors.common.feeds`, which also makes parsing safe.

Pagination: none. A feed is a window of the latest N items (WordPress default 10);
absence from the window never means deletion.

Cursors (JSON-safe, keyed by stream):
    posts: {url, configured_url, etag, last_modified, authors, comment_feeds} where
        `comment_feeds` is [[post_id, feed_url, count], ...] for the posts in the window.
    comments: {url, configured_url, etag, last_modified} for the site-wide comments feed.
    post_comments: {read: [[post_id, count], ...]} — the comment count seen when each
        post's comment feed was last read (the most recent 200 posts).
`url` differs from `configured_url` after a 301/308; a cursor stored for another
configured URL is ignored. A 304 yields a batch with no records and no cursor change
(unless it came after a permanent redirect, which is recorded).

WordPress posts' comments (`comments_api`, default `auto`): by REST, every approved
comment with its `parent` (`connectors.blog.wp_rest`), where the site offers it; else (or
with `feeds`) from the post's comment feed, which shows only the newest
`posts_per_rss`. `auto` probes REST with the first post read in a run and falls back
to the feeds for that run when the site has it switched off.

Comments on older posts: the site-wide comments feed (latest comments on any post).
Per-post comment feeds are read for posts in the window whose `slash:comments` (or Atom
`thr:total`) differs from the count in `post_comments` (on the first run, those with
comments or no count); a failed read is retried next run even if the posts feed is 304.
A 4xx on a post's comment feed (comments closed, post deleted) is only a warning.
Comment feed URLs named inside a feed are followed only on the hosts of the configured
`feed_url` / `comments_feed_url` (with or without `www.`), never on a host the feed names
(SSRF: a feed could point its links at an internal address).

What the platforms cannot give: Naver Blog has no comments anywhere (RSS or API), and
Tistory's feed has posts only, so `naver` and `tistory` accounts read posts only.
Naver's description is an excerpt, and no feed gives edits except Atom `<updated>`.
RSS2 comment feeds carry no reply threading (Atom ones do, via `thr:in-reply-to`).
Limits: one request per feed per run, plus one per post whose comment count changed;
bodies are capped by `HttpClient` (5 MiB default).
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import ClassVar, TypeVar
from urllib.parse import urlsplit

from aggregator.connector import SyncContext
from aggregator.records import Batch, CommentRecord, JSONValue, PostRecord
from connectors.blog.cursor import (
    MAX_TRACKED_POSTS,
    PostsWindow,
    dump_read_counts,
    load_read_counts,
)
from connectors.blog.mapping import (
    comment_count,
    comment_feed_url,
    has_platform_id,
    owner_key,
    post_external_id,
    site_key,
    to_comment,
    to_post,
)
from connectors.blog.settings import BlogAccount
from connectors.blog.wp_rest import RestUnavailable, comments_endpoint, read_post_comments
from connectors.common.feeds import (
    Entry,
    FeedCursor,
    FeedFetch,
    FeedGone,
    FeedHttpError,
    display_url,
    fetch_feed,
)

log = logging.getLogger(__name__)

POSTS, COMMENTS, POST_COMMENTS = "posts", "comments", "post_comments"
Record = TypeVar("Record", PostRecord, CommentRecord)


class BlogConnector:
    """Reads one blog's posts feed and, where the platform has them, its comment feeds."""

    platform: ClassVar[str] = "blog"

    def __init__(self, account: BlogAccount, context: SyncContext) -> None:
        self.account = account
        self.http = context.http
        self.clock = context.clock
        self.feed_url = str(account.feed_url)
        self.comments_url = str(account.comments_feed_url) if account.comments_feed_url else None
        self.site = site_key(self.feed_url)
        self.reads_comments = account.flavor not in ("naver", "tistory")
        self.configured_owners = account.owner_names
        self.own_hosts = own_hosts(self.feed_url, self.comments_url)
        """The only hosts a link named inside a feed may make us fetch from."""
        rest = account.flavor == "wordpress" and account.comments_api != "feeds"
        self.rest_endpoint = comments_endpoint(self.feed_url) if rest else None
        """Where posts' comments are read by REST; None reads their comment feeds."""

    def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        """Yield the posts batch, then the site-wide comments, then changed per-post feeds."""
        window = yield from self._pull_posts(cursors.get(POSTS))
        if not self.reads_comments:
            return
        owners = frozenset(owner_key(n) for n in window.authors + self.configured_owners)
        if self.comments_url:
            yield self._pull_site_comments(self.comments_url, cursors.get(COMMENTS), owners)
        if self.account.per_post_comment_feeds:
            yield from self._pull_post_feeds(cursors.get(POST_COMMENTS), window, owners)

    def _pull_posts(self, value: JSONValue) -> Generator[Batch, None, PostsWindow]:
        fetched = fetch_feed(self.http, FeedCursor.load(value, self.feed_url))
        if fetched.parsed is None:
            yield self._not_modified(POSTS, fetched, value)
            return PostsWindow.load(value)
        now, source = self.clock(), fetched.cursor.url
        entries = fetched.parsed.entries
        posts, incomplete = _with_own_ids(
            to_post(e, site=self.site, source_url=source, fetched_at=now) for e in entries
        )
        window, skipped = self._window(entries, posts)
        yield Batch(
            POSTS,
            posts=posts,
            cursor_updates={POSTS: {**fetched.cursor.dump(), **window.dump()}},
            api_calls=fetched.api_calls,
            warnings=fetched.warnings + incomplete + skipped,
        )
        return window

    def _window(
        self, entries: Iterable[Entry], posts: tuple[PostRecord, ...]
    ) -> tuple[PostsWindow, tuple[str, ...]]:
        """Authors and per-post comment feeds; feeds on foreign hosts are never followed."""
        feeds: list[tuple[str, str, int | None]] = []
        skipped: list[str] = []
        kept = {p.external_id for p in posts}
        for entry in entries:
            url = comment_feed_url(entry)
            if not url or post_external_id(entry, self.site) not in kept:
                continue
            if not _is_own_host(url, self.own_hosts):
                skipped.append(f"not following comment feed on another host: {display_url(url)}")
                continue
            feeds.append((post_external_id(entry, self.site), url, comment_count(entry)))
        authors = tuple(sorted({p.author_name for p in posts if p.author_name}))
        return PostsWindow(authors, tuple(feeds[:MAX_TRACKED_POSTS])), tuple(skipped)

    def _pull_site_comments(self, url: str, value: JSONValue, owners: frozenset[str]) -> Batch:
        fetched = fetch_feed(self.http, FeedCursor.load(value, url))
        if fetched.parsed is None:
            return self._not_modified(COMMENTS, fetched, value)
        comments, incomplete = self._comments(fetched, owners, None)
        return Batch(
            COMMENTS,
            comments=comments,
            cursor_updates={COMMENTS: fetched.cursor.dump()},
            api_calls=fetched.api_calls,
            warnings=fetched.warnings + incomplete,
        )

    def _pull_post_feeds(
        self, value: JSONValue, window: PostsWindow, owners: frozenset[str]
    ) -> Iterator[Batch]:
        read = load_read_counts(value)
        for post_id, url, count in window.comment_feeds:
            if not _needs_read(read, post_id, count):
                continue
            batch = self._read_post_comments(post_id, url, owners)
            unreadable = (count or 0) - (read.get(post_id) or 0) - len(batch.comments)
            if batch.comments and unreadable > 0:
                batch = replace(
                    batch, warnings=(*batch.warnings, _gap_warning(post_id, unreadable))
                )
            read.pop(post_id, None)
            read[post_id] = count
            yield replace(batch, cursor_updates={POST_COMMENTS: dump_read_counts(read)})

    def _read_post_comments(self, post_id: str, url: str, owners: frozenset[str]) -> Batch:
        """One post's comments: by REST when chosen and offered, else from its feed."""
        if self.rest_endpoint is None or ":post:" not in post_id:
            return self._read_post_feed(post_id, url, owners)
        before = self.http.calls
        try:
            comments = read_post_comments(self.http, self.rest_endpoint, post_id, owners=owners)
        except RestUnavailable as exc:
            if self.account.comments_api == "rest":
                raise FeedHttpError(f"{exc}: set comments_api to auto or feeds", 404) from None
            log.info("%s; reading comment feeds instead", exc)
            self.rest_endpoint = None  # for the rest of this run
            batch = self._read_post_feed(post_id, url, owners)
            return replace(batch, api_calls=self.http.calls - before)
        return Batch(POST_COMMENTS, comments=comments, api_calls=self.http.calls - before)

    def _read_post_feed(self, post_id: str, url: str, owners: frozenset[str]) -> Batch:
        """One post's comment feed; a 4xx (comments closed, post gone) is only a warning."""
        before = self.http.calls
        try:
            fetched = fetch_feed(
                self.http, FeedCursor(url=url, configured_url=url), conditional=False
            )
        except (FeedGone, FeedHttpError) as exc:
            warning = f"comments of {post_id} not read: {exc}"
            return Batch(POST_COMMENTS, api_calls=self.http.calls - before, warnings=(warning,))
        comments, incomplete = self._comments(fetched, owners, post_id)
        return Batch(
            POST_COMMENTS,
            comments=comments,
            api_calls=fetched.api_calls,
            warnings=fetched.warnings + incomplete,
        )

    def _comments(
        self, fetched: FeedFetch, owners: frozenset[str], post_id: str | None
    ) -> tuple[tuple[CommentRecord, ...], tuple[str, ...]]:
        now, source = self.clock(), fetched.cursor.url
        entries = fetched.parsed.entries if fetched.parsed else ()
        return _with_own_ids(
            to_comment(
                e,
                site=self.site,
                source_url=source,
                fetched_at=now,
                owner_names=owners,
                post_external_id=post_id,
            )
            for e in entries
        )

    @staticmethod
    def _not_modified(stream: str, fetched: FeedFetch, value: JSONValue) -> Batch:
        """304: no records; the cursor changes only to record a permanent move."""
        updates: dict[str, JSONValue] = {}
        if fetched.moved and isinstance(value, Mapping):
            updates[stream] = {**value, **fetched.cursor.dump()}
        return Batch(
            stream, cursor_updates=updates, api_calls=fetched.api_calls, warnings=fetched.warnings
        )


def _gap_warning(post_id: str, missing: int) -> str:
    return (
        f"{post_id}: about {missing} older comments are beyond the comment feed's window "
        "(WordPress lists only the newest 'posts_per_rss' comments) and cannot be read "
        "from feeds: sync more often, raise that setting, or enter them by hand"
    )


def _unique(records: Iterable[Record]) -> tuple[Record, ...]:
    """Drop repeated external ids within one batch (a feed may list an item twice)."""
    seen: dict[str, Record] = {}
    for record in records:
        seen.setdefault(record.external_id, record)
    return tuple(seen.values())


def _with_own_ids(records: Iterable[Record]) -> tuple[tuple[Record, ...], tuple[str, ...]]:
    """Unique records, without the damaged ones in a feed that gives platform ids.

    When other items of the same feed carry their platform id (`wp:`, `naver:`), an item
    with neither a platform id nor a guid of its own is damaged or cut short: under a
    fallback key (`url:` from its link, `hash:`) it would be stored a second time beside
    its real row, so it is skipped with a warning. Items with another guid (posts
    imported from elsewhere keep theirs) are kept under it.
    """
    unique = _unique(records)
    if not any(has_platform_id(r.external_id) for r in unique):
        return unique, ()
    kept = tuple(r for r in unique if _has_own_id(r))
    warnings = tuple(
        f"item without its own id skipped (would be stored twice): {_shown(r)}"
        for r in unique
        if not _has_own_id(r)
    )
    return kept, warnings


def _has_own_id(record: PostRecord | CommentRecord) -> bool:
    guid = record.raw.get("id")
    return has_platform_id(record.external_id) or (isinstance(guid, str) and bool(guid.strip()))


def _shown(record: PostRecord | CommentRecord) -> str:
    url = record.url if isinstance(record, PostRecord) else record.permalink
    return display_url(url) if url else record.external_id


def own_hosts(*configured: str | None) -> frozenset[str]:
    """The hosts of the configured URLs, each with and without `www.` (the same site).

    A feed's own links (entry link, guid, `wfw:commentRss`) are data from the site and
    may name any host, an internal address included: they never widen this set.
    """
    bare = {h.removeprefix("www.") for url in configured if url and (h := urlsplit(url).hostname)}
    return frozenset(bare | {f"www.{h}" for h in bare})


def _is_own_host(url: str, hosts: frozenset[str]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.hostname in hosts


def _needs_read(read: Mapping[str, int | None], post_id: str, count: int | None) -> bool:
    """Read a post's comment feed when its count changed; unseen posts only if they have some."""
    if post_id in read:
        return read[post_id] != count
    return count is None or count > 0
