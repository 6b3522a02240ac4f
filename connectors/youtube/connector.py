"""YouTube: the channel's videos and their comment threads, through the Data API v3.

Endpoints (an API key, `key=`; every list call costs 1 quota unit per page):
    GET {api_url}channels?part=contentDetails&id={channel}     the uploads playlist (once)
    GET {api_url}playlistItems?part=snippet,contentDetails&playlistId=UU…&maxResults=50
    GET {api_url}videos?part=statistics&id=a,b,…  (<= 50 ids)  each video's commentCount
    GET {api_url}commentThreads?part=snippet,replies&videoId=&order=time&textFormat=plainText
    GET {api_url}comments?part=snippet&parentId={thread}&textFormat=plainText
All HTTP goes through `HttpClient` (`connectors.youtube.api`): no google-api-python-client.

Pagination: `nextPageToken` (playlist pages of 50, threads and replies of `page_size`).

Cursors (`connectors.youtube.cursor`): `uploads` (the playlist id, the newest video's
time and every known video id), `video:{id}` per video (the commentCount last read, the
newest thread's time, each thread's totalReplyCount), `quota` (today's units).

A sync: (1) lists the uploads newest first and stops after the first page holding a
video published before the watermark minus `OVERLAP`; (2) asks `videos.list` for the
commentCount of every known video (one call per 50 videos); (3) reads the threads of
each video whose count changed, newest first, and stops paging once it has passed the
newest thread already stored and accounted for the count's growth (new threads with
their replies, plus reply counts that grew); a thread showing more replies than it
carries (threads carry at most 5) and a count that differs from the stored one has its
replies read by `comments.list?parentId=`. A video seen for the first time, a count
that fell and a reconcile run read every thread. So a sync with nothing new costs one
playlist call and one videos call per 50 videos: 2 units for a channel of <= 50 videos.

Deletions (deletion = missing from a complete read; marked, never removed): a read of a
video's threads that reaches the last page yields a `Presence` scope of every comment
read. A thread whose replies were not all read (it carries 5, has more, and its reply
count did not change, so `comments.list` was not asked) is a `partial_threads` entry:
its unread replies are never marked. A read of the uploads to its last page (every run
of a channel of <= 50 videos, else reconcile) marks the videos missing from it (deleted,
made private). A comment held for review (or taken as likely spam) leaves the public
lists, so it is marked deleted upstream as well; the mark clears when it is published
again and read.

Reconcile (`context.reconcile`, `--reconcile` or the account's `reconcile_schedule`, as
for the Facebook Page): the whole playlist, every thread of every video with comments
(videos with 0 comments are skipped, no call), and `comments.list` for every thread
with more replies than it carries. That finds edits (a new `textOriginal`, stored as a
revision like other platforms' edits; edits leave the counts alone, so only reconcile
sees them), deletions offset by new comments (count unchanged) and deleted videos.
Quota: 1 unit per page: 21 calls for the sandbox's 20 videos and 1,020 comments
(`bench/youtube_quota_bench.py`, bench/RESULTS.md).

Comments on older videos: found through (2), whatever the video's age.
Comments off (`commentsDisabled`, no commentCount): the video is skipped with a warning
the first time it is seen so; the next change of its statistics reads it again.
What YouTube cannot give us through an API key: held-for-review and likely-spam
comments (the owner's OAuth token only), edits' old text (we keep the text we had),
deletions as such (a deleted comment just leaves the lists), comments on Shorts
remixes, live chat. A deletion and a new comment between two syncs leave the count
unchanged: both are seen when the count next changes, or by `--reconcile`.

Limits: the project's daily quota (10,000 units by default, midnight Pacific time);
`daily_quota` is never exceeded by our calls (reserved before each call, worst case
with retries, atomically in the store with the answers worker's units, see
`connectors.youtube.quota`); 403 `quotaExceeded` ends the run `budget_exhausted`, 429 and 403
`rateLimitExceeded` are waited out within `max_throttle_wait_seconds`, else `throttled`;
401 -> `needs_reauth`. Everything read before a stop is stored; cursors never run ahead.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from aggregator.connector import SyncContext
from aggregator.records import Batch, CommentRecord, JSONValue, PostRecord, Presence
from connectors.youtube.api import CommentsDisabled, NotFound, Page, Quota, YouTubeApi
from connectors.youtube.cursor import (
    QUOTA,
    UPLOADS,
    UploadsCursor,
    VideoCursor,
    load_videos,
    video_stream,
)
from connectors.youtube.mapping import (
    comment_count,
    thread_comments,
    to_comment,
    to_post,
    total_replies,
)
from connectors.youtube.quota import QUOTA_WRITES
from connectors.youtube.settings import YouTubeAccount

log = logging.getLogger(__name__)

OVERLAP = timedelta(hours=6)
"""Videos published this long before the watermark are listed again (late publishing)."""
PLAYLIST_PAGE = 50
IDS_PER_CALL = 50
EVERY_VIDEO = datetime(1970, 1, 1, tzinfo=UTC)
"""The start of the posts' `Presence` scope after a complete read of the uploads."""


class YouTubeConnector:
    """Reads one YouTube channel: uploads as posts, comment threads and replies as comments."""

    platform: ClassVar[str] = "youtube"

    def __init__(self, account: YouTubeAccount, context: SyncContext) -> None:
        self.account = account
        self.http = context.http
        self.clock = context.clock
        self.reconcile = context.reconcile
        self.units = context.units
        """The store's daily units: the quota is reserved there, shared with answers."""
        self.channel = account.channel_id

    def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        """Yield the uploads, then each changed video's comments, page by page."""
        writes = cursors.get(QUOTA_WRITES)  # what answers spent today (connectors.youtube.quota)
        limit, now = self.account.daily_quota, self.clock()
        quota = Quota.load(cursors.get(QUOTA), limit, now, writes, self.units)
        api = YouTubeApi(
            self.http,
            str(self.account.api_url),
            self.account.api_key.value,
            quota,
            self.clock,
            self.account.max_throttle_wait_seconds,
        )
        try:
            for batch in self._read(api, cursors):
                yield self._charged(batch, api)
        except Exception:
            yield self._charged(Batch(QUOTA), api)
            raise
        if api.unreported():
            yield self._charged(Batch(QUOTA), api)

    def _charged(self, batch: Batch, api: YouTubeApi) -> Batch:
        calls = api.take_calls()
        # With the store's daily units the `quota` cursor is already counted there.
        spent = {QUOTA: api.quota.dump()} if self.units is None else {}
        return replace(
            batch,
            cursor_updates={**batch.cursor_updates, **spent},
            api_calls=batch.api_calls + calls,
            units_read=batch.units_read + calls,
        )

    def _read(self, api: YouTubeApi, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        uploads = UploadsCursor.load(cursors.get(UPLOADS))
        playlist = uploads.playlist or self._uploads_playlist(api)
        known = yield from self._read_uploads(api, replace(uploads, playlist=playlist))
        states = load_videos(cursors, known)
        counts = self._comment_counts(api, known)
        yield self._probed(states, counts)
        for vid in known:
            if vid in counts:
                yield from self._read_video(api, vid, states[vid], counts[vid])

    def _probed(self, states: Mapping[str, VideoCursor], counts: Mapping[str, int | None]) -> Batch:
        """The probe's batch: videos with comments newly off (a warning each) and videos seen
        for the first time without comments get their cursors without another call."""
        updates: dict[str, JSONValue] = {}
        notes: list[str] = []
        for vid, count in counts.items():
            state = states.get(vid, VideoCursor())
            if count is None and not state.disabled:
                updates[video_stream(vid)] = replace(state, disabled=True).dump()
                notes.append(f"video {vid}: comments are turned off; skipped")
            elif count == 0 and state.count is None:
                updates[video_stream(vid)] = VideoCursor(0).dump()
        return Batch("comments", cursor_updates=updates, warnings=tuple(notes))

    def _uploads_playlist(self, api: YouTubeApi) -> str:
        page = api.list("channels", {"part": "contentDetails", "id": self.channel})
        for item in page.items:
            uploads = _dig(item, "contentDetails", "relatedPlaylists", "uploads")
            if isinstance(uploads, str) and uploads:
                return uploads
        raise NotFound(f"YouTube channels: channel {self.channel} not found or has no uploads")

    def _read_uploads(
        self, api: YouTubeApi, state: UploadsCursor
    ) -> Generator[Batch, None, tuple[str, ...]]:
        """The uploads' pages (the last one read carries the cursor); returns every known id."""
        cutoff = state.watermark - OVERLAP if state.watermark and not self.reconcile else None
        newest, seen = state.watermark, list[str]()
        pages = api.pages(
            "playlistItems",
            part="snippet,contentDetails",
            playlistId=state.playlist or "",
            maxResults=PLAYLIST_PAGE,
        )
        for page in pages:
            posts, skipped = self._posts(page)
            seen += [p.external_id for p in posts if p.external_id not in seen]
            newest = max((t for t in (newest, *(p.created_at for p in posts)) if t), default=None)
            stop = bool(cutoff and any(p.created_at < cutoff for p in posts))
            complete = page.next_token is None
            # A complete read lists every video: those missing are gone (deleted, private).
            known = tuple(seen if complete else seen + [v for v in state.ids if v not in seen])
            updates: dict[str, JSONValue] = {}
            if stop or complete:
                updates[UPLOADS] = replace(state, watermark=newest, ids=known).dump()
            scope = (Presence(frozenset(seen), since=EVERY_VIDEO),) if complete else ()
            yield Batch(
                "posts", posts=posts, cursor_updates=updates, warnings=skipped, presence=scope
            )
            if stop or complete:
                return known
        return tuple(state.ids)

    def _posts(self, page: Page) -> tuple[tuple[PostRecord, ...], tuple[str, ...]]:
        posts: dict[str, PostRecord] = {}
        skipped: list[str] = []
        for item in page.items:
            try:
                post = to_post(item, channel_id=self.channel, source_url=page.url)
            except ValueError as exc:
                skipped.append(f"a playlist item was skipped: {exc}")
                continue
            posts.setdefault(post.external_id, post)
        return tuple(posts.values()), tuple(skipped)

    def _comment_counts(self, api: YouTubeApi, ids: tuple[str, ...]) -> dict[str, int | None]:
        """Each listed video's commentCount (None: comments off); gone videos are absent."""
        counts: dict[str, int | None] = {}
        for start in range(0, len(ids), IDS_PER_CALL):
            chunk = ",".join(ids[start : start + IDS_PER_CALL])
            page = api.list("videos", {"part": "statistics", "id": chunk})
            for item in page.items:
                vid = item.get("id")
                if isinstance(vid, str):
                    counts[vid] = comment_count(item)
        return counts

    def _read_video(
        self, api: YouTubeApi, vid: str, state: VideoCursor, count: int | None
    ) -> Iterator[Batch]:
        stream = video_stream(vid)
        if count is None or (count == 0 and state.count is None):
            return  # settled by the probe's batch
        if count == state.count and (not self.reconcile or count == 0):
            return
        try:
            yield from self._read_threads(api, vid, state, count)
        except CommentsDisabled:
            note = f"video {vid}: comments are turned off (commentsDisabled); skipped"
            disabled = replace(state, count=count, disabled=True).dump()
            yield Batch("comments", cursor_updates={stream: disabled}, warnings=(note,))
        except NotFound as exc:
            yield Batch("comments", warnings=(f"video {vid} not read (removed?): {exc}",))

    def _read_threads(
        self, api: YouTubeApi, vid: str, state: VideoCursor, count: int
    ) -> Iterator[Batch]:
        """The video's threads newest first, a batch a page; paging stops where the module
        docstring says (the last page read carries the video's cursor)."""
        full = self.reconcile or state.count is None or state.disabled or count < state.count
        growth = count - (state.count or 0)
        read = _ThreadsRead(state.newest, dict(state.replies))
        pages = api.pages(
            "commentThreads",
            part="snippet,replies",
            videoId=vid,
            order="time",
            maxResults=self.account.page_size,
            textFormat="plainText",
        )
        for page in pages:
            comments, passed = self._page_threads(api, page, state, read)
            last = page.next_token is None or (not full and passed and read.found >= growth)
            updates: dict[str, JSONValue] = {}
            if last:
                updates[video_stream(vid)] = VideoCursor(count, read.newest, read.replies).dump()
            # every thread listed (the last page): the missing ones are gone
            scope = (read.presence(vid),) if page.next_token is None else ()
            yield Batch(
                "comments", comments=_unique(comments), cursor_updates=updates, presence=scope
            )
            if last:
                return

    def _page_threads(
        self, api: YouTubeApi, page: Page, state: VideoCursor, read: _ThreadsRead
    ) -> tuple[list[CommentRecord], bool]:
        """The page's comments, thread by thread, and whether a thread on it is no newer
        than the newest one stored (`passed`: paging may stop once the growth is found)."""
        comments: list[CommentRecord] = []
        passed = False
        for thread in page.items:
            top, inline = thread_comments(thread)
            records = self._comments([top, *inline], page.url)
            if not records:
                continue
            old = state.newest is not None and records[0].created_at <= state.newest
            passed = passed or old
            comments += self._thread(api, thread, records, len(inline), old, read)
        return comments, passed

    def _thread(
        self,
        api: YouTubeApi,
        thread: Mapping[str, Any],
        records: list[CommentRecord],
        inline: int,
        old: bool,
        read: _ThreadsRead,
    ) -> list[CommentRecord]:
        """One thread's `records` (its top comment, then the replies it carries), with the
        rest of its replies when they must be read (`comments.list`); counted in `read`."""
        tid, created = records[0].external_id, records[0].created_at
        total, before = total_replies(thread), read.replies.get(tid)
        read.found += max(0, total - (before or 0)) if old or before else 1 + total
        if total > inline and (total != before or self.reconcile):
            records += self._replies(api, tid)
        elif total > inline:
            read.partial.add(tid)
        read.listed.update(r.external_id for r in records)
        if total:
            read.replies[tid] = total
        else:
            read.replies.pop(tid, None)
        read.newest = max(read.newest or created, created)
        return records

    def _replies(self, api: YouTubeApi, thread_id: str) -> list[CommentRecord]:
        pages = api.pages(
            "comments",
            part="snippet",
            parentId=thread_id,
            maxResults=self.account.page_size,
            textFormat="plainText",
        )
        return [r for page in pages for r in self._comments(page.items, page.url)]

    def _comments(self, items: Iterable[Mapping[str, Any]], source: str) -> list[CommentRecord]:
        records = []
        for item in items:
            try:
                records.append(to_comment(item, channel_id=self.channel, source_url=source))
            except ValueError:
                log.warning("a YouTube comment without id or time was skipped (%s)", source)
        return records


@dataclass
class _ThreadsRead:
    """What a read of one video's threads has found so far: the comments that account for
    the count's growth, the newest thread's time, each thread's reply count, every comment
    id listed and the threads whose replies were not all read."""

    newest: datetime | None
    replies: dict[str, int]
    found: int = 0
    listed: set[str] = field(default_factory=set)
    partial: set[str] = field(default_factory=set)

    def presence(self, vid: str) -> Presence:
        """The video's comments as a complete read found them (the unread replies of the
        `partial` threads excepted)."""
        return Presence(frozenset(self.listed), vid, partial_threads=frozenset(self.partial))


def _unique(comments: Iterable[CommentRecord]) -> tuple[CommentRecord, ...]:
    seen: dict[str, CommentRecord] = {}
    for comment in comments:
        seen[comment.external_id] = comment
    return tuple(seen.values())


def _dig(value: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value
