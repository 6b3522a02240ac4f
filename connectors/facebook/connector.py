"""A Facebook Page's posts and every comment and reply on them, read through the Graph API.

Endpoints (GET with a Page access token, through `connectors.graph.api.GraphClient`, the
one adapter around facebook-sdk 3.1.0):
    /{page-id}/published_posts   the district's posts, newest first, each with its comment
        count in the same call (`comments.filter(stream).summary(true).limit(0)`)
    /{page-id}/visitor_posts     residents' posts on the Page (`include_visitor_posts`),
        stored as MENTION comments; their comments hang under them as replies
    /{post-id}/comments          all comments and nested replies of one post: filter=stream,
        order=reverse_chronological, fields id, parent{id}, from{id,name}, message,
        created_time, like_count, comment_count, is_hidden, attachment, permalink_url
Pagination: an explicit cursor loop (`after`), never `get_all_connections` (it drops the
summary and parameters); one Batch per page; paging stops only when `paging.next` is
absent. `limit` is `page_size`, halved for the rest of the run on code 1.

Cursors (JSON):
    posts, visitor_posts: {"watermark": ISO time}, the newest `created_time` listed. Each
        run lists since min(watermark - overlap_minutes, now - comment_window_days), so new
        posts and the current comment counts of every post in the window come in one call
        per 100 posts. The first run lists everything. Posts are newest first, so the
        watermark moves only with the last batch of the run; a crash re-lists.
    comments: {"read": {post_id: [count, newest]}}: per listed post, the comment count when
        its comments were last read and the newest comment's `created_time`. It moves with
        the last page of each post's comments, so a throttled or failed run resumes with
        the posts it had not finished.

Comments on older posts: a listed post's comments are read when its count differs from
the cursor: in full on first sight and when the count dropped (deletions), else newest
first down to `newest - overlap_minutes`. Posts older than both the window and the
watermark are not listed again, so later comments on them are not seen (widen
`comment_window_days`). An addition and a deletion between two runs cancel out in the
count; the reconcile pass finds both. Every complete read of a post's comments yields a
`Presence` scope, so comments gone upstream are marked deleted (never removed).

Reconcile (`context.reconcile`): every post in the window gets all its comments re-read
(Graph comments have no `updated_time`: an edit shows only as a new text hash, and the
store keeps the old text as a revision), plus a `Presence` scope for the window's posts
and one for its visitor posts, so posts and visitor posts gone upstream are marked
deleted (never removed).

What Graph cannot give: comment authors without a Page token; comment ids to apps that
cannot MODERATE the Page (the run then fails with `MissingCommentId`, storing no unkeyed
rows); comment edit times; reels. The district's own replies are
those written as the Page (`from.id` == page id), linked to the comment they answer.
Limits: Page tokens fall under Business Use Case rate limits; the client slows down from
`slow_down_at_percent` usage, stops at 95% and waits out throttling only up to
`max_throttle_wait_seconds` (else the run ends `throttled` and resumes next time).
Calls per run: one per 100 posts listed, plus one per page of comments of each post
whose count changed (the sandbox Page: about 40 on the first run, 1 when nothing changed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from aggregator.connector import SyncContext
from aggregator.records import Batch, CommentRecord, JSONValue, PostRecord, Presence
from connectors.facebook.cursor import CommentState, dump_mark, load_mark
from connectors.facebook.mapping import comment_total, parse_time, to_comment, to_mention, to_post
from connectors.facebook.settings import FacebookAccount
from connectors.graph.api import GraphClient, GraphObjectGone, GraphPage
from connectors.graph.paging import Closing, hold_last, is_last

log = logging.getLogger(__name__)

POSTS, VISITOR_POSTS, COMMENTS = "posts", "visitor_posts", "comments"
EDGES = {POSTS: "published_posts", VISITOR_POSTS: "visitor_posts"}
POST_FIELDS = (
    "id,message,story,created_time,updated_time,permalink_url,status_type,is_hidden,"
    "full_picture,shares,from{id,name},reactions.summary(true).limit(0),"
    "comments.filter(stream).summary(true).limit(0)"
)
COMMENT_FIELDS = (
    "id,parent{id},from{id,name},message,created_time,like_count,comment_count,"
    "is_hidden,attachment,permalink_url"
)
COMMENT_PARAMS = {
    "filter": "stream",
    "order": "reverse_chronological",
    "summary": "true",
    "fields": COMMENT_FIELDS,
}


@dataclass(frozen=True)
class Listed:
    """A post (or visitor post) listed in this run, with its comment count."""

    post_id: str
    created: datetime
    count: int | None
    stream: str


@dataclass(frozen=True)
class ReadPlan:
    """How to read one post's comments: new ones down to `stop_before`, or all (None)."""

    stop_before: datetime | None = None


@dataclass
class _Run:
    """What one run learns on the way: listed posts, comment state, scopes without calls."""

    window_start: datetime
    marks: dict[str, datetime | None]
    state: CommentState
    listed: list[Listed] = field(default_factory=list)
    presence: list[Presence] = field(default_factory=list)


class FacebookConnector:
    """Reads one Facebook Page: posts, visitor posts, and all their comments and replies.

    Args:
        account: the Page's settings.
        context: HTTP client, clock and reconcile flag of this run.
        sleep: how to wait when throttled or slowing down (tests pass a fake).
    """

    platform: ClassVar[str] = "facebook"

    def __init__(
        self,
        account: FacebookAccount,
        context: SyncContext,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.account = account
        self.http = context.http
        self.clock = context.clock
        self.reconcile = context.reconcile
        self.graph = GraphClient(account, context.http, sleep)
        self.page_id = account.page_id
        self.overlap = timedelta(minutes=account.overlap_minutes)
        self._counted = self.http.calls

    def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        """Yield the posts pages, then each changed post's comment pages; see the module doc."""
        run = _Run(
            window_start=self.clock() - timedelta(days=self.account.comment_window_days),
            marks={stream: load_mark(cursors.get(stream)) for stream in self._streams()},
            state=CommentState.load(cursors.get(COMMENTS)),
        )
        yield from hold_last(self._pages(run), lambda: self._closing(run))

    def _streams(self) -> tuple[str, ...]:
        return (POSTS, VISITOR_POSTS) if self.account.include_visitor_posts else (POSTS,)

    def _pages(self, run: _Run) -> Iterator[Batch]:
        for stream in self._streams():
            run.listed += yield from self._list(stream, run)
        reads = 0
        for item in sorted(run.listed, key=lambda i: i.created, reverse=True):
            plan = self._plan(item, run)
            if plan is None:
                continue
            if item.count == 0:  # nothing to list: the scope is complete without a call
                run.state.mark(item.post_id, 0, run.state.read.get(item.post_id, (0, None))[1])
                run.presence.append(Presence(frozenset(), post_external_id=item.post_id))
                continue
            reads += 1
            yield from self._read_comments(item, plan, run.state)
        log.info("facebook page %s: %d posts listed, comments of %d read (reconcile: %s)",
                 self.page_id, len(run.listed), reads, self.reconcile)  # fmt: skip

    def _since(self, mark: datetime | None, window_start: datetime) -> datetime | None:
        return None if mark is None else min(mark - self.overlap, window_start)

    def _list(self, stream: str, run: _Run) -> Generator[Batch, None, list[Listed]]:
        """List posts since the watermark (or the window start), one batch per page."""
        params = {"fields": POST_FIELDS}
        since = self._since(run.marks[stream], run.window_start)
        if since is not None:
            params["since"] = str(int(since.timestamp()))
        listed: list[Listed] = []
        following: Mapping[str, str] | None = None
        while True:
            page = self.graph.page(self.page_id, EDGES[stream], params, following)
            listed += self._listed(stream, page)
            yield self._posts_batch(stream, page)
            if is_last(page, following):
                return listed
            following = page.following

    def _listed(self, stream: str, page: GraphPage) -> list[Listed]:
        found = []
        for item in page.data:
            created = parse_time(item.get("created_time"))
            if isinstance(item.get("id"), str) and created is not None:
                found.append(Listed(item["id"], created, comment_total(item), stream))
        return found

    def _posts_batch(self, stream: str, page: GraphPage) -> Batch:
        where = {"page_id": self.page_id, "source_url": page.source_url}
        if stream == VISITOR_POSTS:
            return self._batch(stream, comments=tuple(to_mention(p, **where) for p in page.data))
        return self._batch(stream, posts=tuple(to_post(p, **where) for p in page.data))

    def _plan(self, item: Listed, run: _Run) -> ReadPlan | None:
        """Whether and how to read a listed post's comments (see the module docstring)."""
        if self.reconcile and item.created >= run.window_start:
            return ReadPlan()
        known = run.state.read.get(item.post_id)
        if known is None:
            return None if item.count == 0 else ReadPlan()
        count, newest = known
        if count == item.count:
            return None
        dropped = item.count is not None and count is not None and item.count < count
        if dropped or newest is None:
            return ReadPlan()
        return ReadPlan(stop_before=newest - self.overlap)

    def _read_comments(self, item: Listed, plan: ReadPlan, state: CommentState) -> Iterator[Batch]:
        """Page through a post's comments, newest first; the last page moves the cursor."""
        seen: set[str] = set()
        newest = state.read.get(item.post_id, (None, None))[1]
        root = item.post_id if item.stream == VISITOR_POSTS else None
        following: Mapping[str, str] | None = None
        while True:
            try:
                page = self.graph.page(item.post_id, "comments", COMMENT_PARAMS, following)
            except GraphObjectGone as exc:
                state.read.pop(item.post_id, None)
                warning = f"comments of {item.post_id} not read: {exc}"
                yield self._batch(COMMENTS, warnings=(warning,), cursor_updates=self._state(state))
                return
            records = tuple(
                to_comment(c, page_id=self.page_id, post_id=item.post_id,
                           source_url=page.source_url, thread_root=root)
                for c in page.data
            )  # fmt: skip
            seen.update(r.external_id for r in records)
            newest = max((t for t in (newest, *(r.created_at for r in records)) if t), default=None)
            done = is_last(page, following)
            stop = plan.stop_before
            if not done and not (stop and any(r.created_at < stop for r in records)):
                yield self._batch(COMMENTS, comments=records)
                following = page.following
                continue
            state.mark(item.post_id, item.count, newest)
            scope = (Presence(frozenset(seen), post_external_id=item.post_id),) if done else ()
            yield self._batch(
                COMMENTS, comments=records, cursor_updates=self._state(state), presence=scope
            )
            return

    @staticmethod
    def _state(state: CommentState) -> dict[str, JSONValue]:
        return {COMMENTS: state.dump()}

    def _closing(self, run: _Run) -> Closing:
        """Cursor updates and scopes that hold only once the whole run is stored."""
        updates: dict[str, JSONValue] = {}
        keep: set[str] = set()
        for stream in self._streams():
            listed = [i for i in run.listed if i.stream == stream]
            mark = max([m for m in (run.marks[stream], *(i.created for i in listed)) if m],
                       default=None)  # fmt: skip
            if mark is None:
                continue
            updates[stream] = dump_mark(mark)
            since = self._since(mark, run.window_start)
            keep |= {i.post_id for i in listed if since is None or i.created >= since}
        updates[COMMENTS] = run.state.dump(keep)
        presence = list(run.presence)
        if self.reconcile:
            for stream in self._streams():
                ids = frozenset(i.post_id for i in run.listed if i.stream == stream)
                standalone = stream == VISITOR_POSTS  # stored as comments under no post
                presence.append(Presence(ids, since=run.window_start, standalone=standalone))
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
