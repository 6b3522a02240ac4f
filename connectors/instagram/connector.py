"""An Instagram professional account's media and every comment and reply on them, read
through the Graph API: with the linked Page's token on `graph.facebook.com` (Instagram API
with Facebook Login, `api: facebook_login`, the default) or with an Instagram User token on
`graph.instagram.com` (Instagram API with Instagram Login, `api: instagram_login`). Both
hosts take the same paths, fields and paging; only the token, the host and the error
`type` (`OAuthException` / `IGApiException`) differ, and the codes mean the same.

Endpoints (GET, through `connectors.graph.api.GraphClient`, the one adapter around
facebook-sdk 3.1.0, on `graph_url`):
    /{ig-user-id}/media          the account's media (photos, carousels, reels), newest
        first, each with `comments_count` (replies included) and `username`
    /{ig-media-id}/comments      a media's top-level comments, newest first, at most 50 a
        page, each with its replies nested (`replies{...}`): id, text, timestamp,
        username, from{id,username}, like_count, hidden, parent_id, user
    /{ig-comment-id}/replies     only when a nested `replies` list says more follow
Pagination: an explicit cursor loop (`after`), one Batch per page; paging stops only when
`paging.next` is absent (a comments page's last page has no `paging` at all).

Cursors (JSON, `connectors.instagram.cursor`):
    posts: {"watermark": ISO time}, the newest media `timestamp` listed. Each run lists
        media since min(watermark - overlap_minutes, now - comment_window_days), so new
        media and the current comment counts of every media in the window come in one
        call per 100 media. The first run lists everything (Instagram keeps the newest
        10,000). Media are newest first, so the watermark moves only with the run's last
        batch (`connectors.graph.paging.hold_last`); a crash re-lists.
    comments: {"read": {media_id: count}}: each listed media's `comments_count` when all
        its comments were last read. It moves with the last page of each media's
        comments, so a throttled or failed run resumes with the media it had not finished.

Comments on older media: a listed media's comments are read again, in full, when its
count differs from the cursor. In full because Instagram lists top-level comments newest
first and cannot filter them by time, while a new reply can hang under an old comment;
a full read also proves which comments are gone (`Presence`: marked deleted upstream,
never removed). Media older than both the window and the watermark are not listed again,
so later comments on them are not seen (widen `comment_window_days`). An addition and a
deletion between two runs cancel out in the count; the reconcile pass finds both.

Reconcile (`context.reconcile`): every media in the window gets all its comments re-read,
plus a `Presence` scope for the window's media, so deleted media are marked too.
Instagram comments cannot be edited, so there are no edits to find; a caption edit shows
as a new text of the media (a revision).

What Instagram cannot give: commenters' display names or pictures (a username only);
comments by users the account restricted, on age-gated media, on live video after the
broadcast, and on ads; stories; when a comment was deleted. The district's own replies
are those with `user.id` == the account id or `username` == its username (settings, else
the media's `username`); hidden comments are stored with their hidden mark.
Limits: Business Use Case limits of `type: instagram` (4,800 calls per 24 h times the
account's impressions), reported in `X-Business-Use-Case-Usage`; the client slows down
from `slow_down_at_percent`, stops at 95% and waits out throttling (4, 17, 32, 80002 ...)
only up to `max_throttle_wait_seconds` (else the run ends `throttled` and resumes next
time). Errors are the Page's (190 -> needs_reauth, 10/200 -> permission_missing), also
when typed `IGApiException` (Instagram Login; its 2500 "Unknown path components" fails the
run naming the path).
Instagram Login's token lasts 60 days; runs do not refresh it (nowhere safe to keep a new
one, `connectors.instagram.token`) but keep when it was first seen in the `token` cursor
(written with the run's last batch; a token `aggregator instagram refresh-token` issued
counts from its `token_refreshed` day) and warn from `token_warn_days` on.
Calls per run: one per 100 media listed, plus one per 50 top-level comments of each media
whose count changed; a run with nothing new is one call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from aggregator.connector import SyncContext
from aggregator.records import Batch, CommentRecord, JSONValue, PostRecord, Presence
from connectors.graph.api import GraphClient, GraphObjectGone, GraphPage
from connectors.graph.paging import Closing, hold_last, is_last
from connectors.instagram.cursor import CommentState, dump_mark, load_mark
from connectors.instagram.mapping import (
    Owner,
    media_comment_count,
    nested_replies,
    parse_time,
    to_comment,
    to_post,
)
from connectors.instagram.settings import InstagramAccount
from connectors.instagram.token import TOKEN, TokenSeen, age_warning, token_seen

log = logging.getLogger(__name__)

POSTS, COMMENTS = "posts", "comments"
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,shortcode,timestamp,"
    "comments_count,like_count,is_comment_enabled,username"
)
REPLY_FIELDS = "id,text,timestamp,username,from{id,username},like_count,hidden,parent_id,user"
COMMENT_PARAMS = {"fields": f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"}
REPLY_PARAMS = {"fields": REPLY_FIELDS}


@dataclass(frozen=True)
class Listed:
    """A media listed in this run, with its comment count and permalink."""

    media_id: str
    created: datetime
    count: int | None
    permalink: str | None


@dataclass
class _Run:
    """What one run learns on the way: listed media, comment state, the account's name."""

    window_start: datetime
    mark: datetime | None
    state: CommentState
    owner: Owner
    listed: list[Listed] = field(default_factory=list)
    presence: list[Presence] = field(default_factory=list)
    token: TokenSeen | None = None
    """Instagram Login: when the configured token was first seen (the `token` cursor)."""
    warnings: tuple[str, ...] = ()
    """Said once, with the run's first batch."""


class InstagramConnector:
    """Reads one Instagram professional account: media, and all their comments and replies.

    Args:
        account: the account's settings.
        context: HTTP client, clock and reconcile flag of this run.
        sleep: how to wait when throttled or slowing down (tests pass a fake).
    """

    platform: ClassVar[str] = "instagram"

    def __init__(
        self,
        account: InstagramAccount,
        context: SyncContext,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.account = account
        self.http = context.http
        self.clock = context.clock
        self.reconcile = context.reconcile
        self.graph = GraphClient(account, context.http, sleep)
        self.user_id = account.ig_user_id
        self.overlap = timedelta(minutes=account.overlap_minutes)
        self._counted = self.http.calls

    def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        """Yield the media pages, then each changed media's comment pages (module doc)."""
        run = _Run(
            window_start=self.clock() - timedelta(days=self.account.comment_window_days),
            mark=load_mark(cursors.get(POSTS)),
            state=CommentState.load(cursors.get(COMMENTS)),
            owner=Owner(self.user_id, self.account.username),
        )
        if self.account.api == "instagram_login":
            run.token = token_seen(self.account, cursors, self.clock())
            warning = age_warning(self.account, run.token, self.clock())
            run.warnings = (warning,) if warning else ()
        yield from hold_last(self._pages(run), lambda: self._closing(run))

    def _pages(self, run: _Run) -> Iterator[Batch]:
        run.listed = yield from self._list(run)
        reads = 0
        for item in sorted(run.listed, key=lambda i: i.created, reverse=True):
            if not self._should_read(item, run):
                continue
            if item.count == 0:  # nothing to list: the scope is complete without a call
                run.state.mark(item.media_id, 0)
                run.presence.append(Presence(frozenset(), post_external_id=item.media_id))
                continue
            reads += 1
            yield from self._read_comments(item, run)
        log.info("instagram %s: %d media listed, comments of %d read (reconcile: %s)",
                 self.user_id, len(run.listed), reads, self.reconcile)  # fmt: skip

    def _since(self, mark: datetime | None, window_start: datetime) -> datetime | None:
        return None if mark is None else min(mark - self.overlap, window_start)

    def _list(self, run: _Run) -> Generator[Batch, None, list[Listed]]:
        """List media since the watermark (or the window start), one batch per page."""
        params = {"fields": MEDIA_FIELDS}
        since = self._since(run.mark, run.window_start)
        if since is not None:
            params["since"] = str(int(since.timestamp()))
        listed: list[Listed] = []
        following: Mapping[str, str] | None = None
        while True:
            page = self.graph.page(self.user_id, "media", params, following)
            listed += self._listed(page, run)
            posts = tuple(
                to_post(m, ig_user_id=self.user_id, source_url=page.source_url) for m in page.data
            )
            yield self._batch(POSTS, posts=posts, warnings=run.warnings)
            run.warnings = ()
            if is_last(page, following):
                return listed
            following = page.following

    @staticmethod
    def _listed(page: GraphPage, run: _Run) -> list[Listed]:
        found = []
        for item in page.data:
            created = parse_time(item.get("timestamp"))
            if not isinstance(item.get("id"), str) or created is None:
                continue
            username = item.get("username")
            if run.owner.username is None and isinstance(username, str) and username:
                run.owner = Owner(run.owner.ig_user_id, username)
            permalink = item.get("permalink") if isinstance(item.get("permalink"), str) else None
            found.append(Listed(item["id"], created, media_comment_count(item), permalink))
        return found

    def _should_read(self, item: Listed, run: _Run) -> bool:
        """Read a listed media's comments: on reconcile (in the window), on first sight
        unless it has none, and whenever its count changed."""
        if self.reconcile and item.created >= run.window_start:
            return True
        if item.media_id not in run.state.read:
            return item.count != 0
        return run.state.read[item.media_id] != item.count

    def _read_comments(self, item: Listed, run: _Run) -> Iterator[Batch]:
        """Page through a media's comments (replies nested); the last page moves the cursor."""
        seen: set[str] = set()
        following: Mapping[str, str] | None = None
        while True:
            try:
                page = self.graph.page(item.media_id, "comments", COMMENT_PARAMS, following)
                records = self._page_records(item, page, run.owner)
            except GraphObjectGone as exc:
                run.state.read.pop(item.media_id, None)
                warning = f"comments of {item.media_id} not read: {exc}"
                yield self._batch(COMMENTS, warnings=(warning,), cursor_updates=self._st(run))
                return
            seen.update(r.external_id for r in records)
            if not is_last(page, following):
                yield self._batch(COMMENTS, comments=records)
                following = page.following
                continue
            run.state.mark(item.media_id, item.count)
            scope = (Presence(frozenset(seen), post_external_id=item.media_id),)
            yield self._batch(
                COMMENTS, comments=records, cursor_updates=self._st(run), presence=scope
            )
            return

    def _page_records(
        self, item: Listed, page: GraphPage, owner: Owner
    ) -> tuple[CommentRecord, ...]:
        """A comments page's top-level comments and all their replies, as records."""
        records: list[CommentRecord] = []

        def record(payload: Mapping[str, Any], source: str, parent: str | None) -> CommentRecord:
            return to_comment(
                payload, media_id=item.media_id, owner=owner, source_url=source,
                parent_id=parent, permalink=item.permalink,
            )  # fmt: skip

        for payload in page.data:
            top = record(payload, page.source_url, None)
            records.append(top)
            replies, more = nested_replies(payload)
            source = page.source_url
            if more:
                replies, source = self._all_replies(top.external_id)
            records += [record(r, source, top.external_id) for r in replies]
        return tuple(records)

    def _all_replies(self, comment_id: str) -> tuple[list[Mapping[str, Any]], str]:
        """Every reply of a comment whose nested list was cut short (`/replies`, paged)."""
        replies: list[Mapping[str, Any]] = []
        following: Mapping[str, str] | None = None
        while True:
            page = self.graph.page(comment_id, "replies", REPLY_PARAMS, following)
            replies += page.data
            if is_last(page, following):
                return replies, page.source_url
            following = page.following

    @staticmethod
    def _st(run: _Run) -> dict[str, JSONValue]:
        return {COMMENTS: run.state.dump()}

    def _closing(self, run: _Run) -> Closing:
        """Cursor updates and scopes that hold only once the whole run is stored."""
        updates: dict[str, JSONValue] = {}
        mark = max([m for m in (run.mark, *(i.created for i in run.listed)) if m], default=None)
        if mark is not None:
            updates[POSTS] = dump_mark(mark)
            since = self._since(mark, run.window_start)
            keep = {i.media_id for i in run.listed if since is None or i.created >= since}
            updates[COMMENTS] = run.state.dump(keep)
        if run.token is not None:
            updates[TOKEN] = run.token.dump()
        presence = list(run.presence)
        if self.reconcile:
            ids = frozenset(i.media_id for i in run.listed)
            presence.append(Presence(ids, since=run.window_start))
        return updates, tuple(presence)

    def _batch(
        self,
        stream: str,
        *,
        posts: tuple[PostRecord, ...] = (),
        comments: tuple[CommentRecord, ...] = (),
        cursor_updates: Mapping[str, JSONValue] | None = None,
        warnings: tuple[str, ...] = (),
        presence: tuple[Presence, ...] = (),
    ) -> Batch:
        """A batch counting the calls made since the previous one (retries included)."""
        calls, self._counted = self.http.calls - self._counted, self.http.calls
        return Batch(
            stream, posts=posts, comments=comments, cursor_updates=cursor_updates or {},
            api_calls=calls, warnings=warnings, presence=presence,
        )  # fmt: skip
