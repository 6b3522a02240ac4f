"""Pinterest: the district's pins through API v5 with an OAuth token, else its public RSS.

Endpoints. With a token (`Authorization: Bearer`, scopes boards:read and pins:read):
    GET {api_url}/boards?page_size=250                      every board of the account
    GET {api_url}/boards/{board_id}/pins?page_size=N&pin_metrics=true
Without one, the public feeds through `connectors.common.feeds` (conditional GET, safe
parsing): `{rss_url}/{username}/{board}.rss` for each configured board, else the
profile feed `{rss_url}/{username}/feed.rss`. All HTTP goes through `HttpClient`.

Pagination: the API's `bookmark` (passed back until it is null); feeds have none
(they list only recent pins).

Cursors (JSON-safe, by stream; each read stream costs one call when nothing changed):
    boards: {"ids": [board ids], "listed": "YYYY-MM-DD" (Asia/Seoul)}: the account's
        boards, listed (`GET /boards`) at most once per Korean day, and on reconcile
        runs; other runs read the boards known from this cursor. Written with the run's
        last batch (a board that answered 404 is dropped, so it is listed again).
    board:{id}: {"watermark": ISO time of the newest pin of that board stored}, written
        with the last page read of that board, so a crash or a throttle mid-run never
        moves it past unread pages;
    api_budget: {"day": "YYYY-MM-DD" (Asia/Seoul), "calls": n, "limit": n}, written
        with every batch, also the one yielded just before an error;
    rss:{board} (or rss:feed): the feed's URL and ETag/Last-Modified.
A `pins` cursor of earlier versions ({"watermark", "boards"}) is read once as the
known boards and their watermark, then superseded.

Incremental by creation time. The API has no "since" parameter and lists a board's
pins newest first [unverified ordering, PLATFORMS.md 4.3]. A normal run reads each
known board page by page and stops after the first page holding a pin created before
its `watermark - OVERLAP`. The first run, reconcile runs and boards not seen before
are read to their last page. Boards are small, so one page (`page_size`, default 100)
usually holds a whole board: a normal run then costs one call per board (plus one for
the boards on the day's first run), and refreshes the comment count of every pin.
A board created during the day is found by the next day's first run (or a reconcile).

Deletions. When the boards were listed in this run and every board was read to its
last page, the last batch carries `Presence(ids=every pin seen, since=the epoch)`:
the account's stored pins that no board lists any more are marked deleted upstream
(never removed), and pins listed again lose the mark. Other runs mark nothing (a pin
moved to a board created since the listing would look deleted), nor does a run that
stopped early on some board, met a board that answered 404, or listed no pins at all;
neither does RSS (feeds are windows). Deletions are therefore marked by the day's
first run (and reconcile runs); a board too big for one page, on reconcile runs.

What Pinterest cannot give: comment text, anywhere (no API path has comments); only a
count, in the lifetime pin metrics where Pinterest keeps them. Pins are stored with
`comments_readable=False`, and the store opens a "check this post" item when a count
rises. RSS gives no counts (comment_count None), no author and only recent pins. No
pin has an `updated_at`: edits show as changed title or description.

Limits: Pinterest's trial access allows 1,000 calls a day. `daily_call_budget` is
never exceeded (see `connectors.pinterest.api`); a 429 is waited out only within
`max_rate_limit_wait_seconds` and the run's time, else the run ends throttled and the
next one resumes. The budget counts API calls only, not RSS.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from aggregator.connector import SyncContext
from aggregator.records import Batch, JSONValue, PostRecord, Presence
from connectors.common.feeds import Entry, FeedCursor, FeedFetch, display_url, fetch_feed
from connectors.pinterest.api import CallBudget, NotFound, Page, PinterestApi, budget_day
from connectors.pinterest.cursor import (
    BOARDS,
    BoardsCursor,
    board_stream,
    dump_board_mark,
)
from connectors.pinterest.mapping import api_pin_id, rss_to_post, to_post
from connectors.pinterest.settings import PinterestAccount

log = logging.getLogger(__name__)

BUDGET = "api_budget"
OVERLAP = timedelta(hours=6)
"""Pins created this long before the watermark are read again (late indexing, skew)."""
EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)
"""The presence scope of a complete read: every pin of the account."""
BOARDS_PAGE_SIZE = 250


@dataclass
class Walk:
    """What this run has read so far."""

    seen: dict[str, datetime] = field(default_factory=dict)
    boards: list[str] = field(default_factory=list)
    listed: str | None = None
    """The Korean day the boards were listed on in this run (None: the known ones were read)."""
    complete: bool = True
    """Every board was read to its last page."""
    warnings: list[str] = field(default_factory=list)

    @property
    def every_pin(self) -> bool:
        """Every pin of the account was seen (the ids are a complete presence set)."""
        return self.listed is not None and self.complete


class PinterestConnector:
    """Reads one Pinterest profile: its boards' pins by API, or its RSS feeds."""

    platform: ClassVar[str] = "pinterest"

    def __init__(self, account: PinterestAccount, context: SyncContext) -> None:
        self.account = account
        self.http = context.http
        self.clock = context.clock
        self.reconcile = context.reconcile
        self.username = account.username

    def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        """Yield pins page by page: by API with a token, else from the RSS feeds."""
        if self.account.access_token is None:
            yield from self._pull_rss(cursors)
        else:
            yield from self._pull_api(cursors, self.account.access_token.value)

    # -- API ---------------------------------------------------------------------------

    def _pull_api(self, cursors: Mapping[str, JSONValue], token: str) -> Iterator[Batch]:
        """Pages of pins, each yielded once the next has been read (the last one carries
        the pins cursor and presence); calls are counted in the budget cursor throughout."""
        budget = CallBudget.load(cursors.get(BUDGET), self.account.daily_call_budget, self.clock())
        api = PinterestApi(
            self.http,
            str(self.account.api_url),
            token,
            budget,
            self.clock,
            self.account.max_rate_limit_wait_seconds,
        )
        state, walk = BoardsCursor.load(cursors), Walk()
        pending: Batch | None = None
        try:
            for batch in self._read_boards(api, state, walk):
                if pending is not None:
                    yield _with_budget(pending, budget)
                pending = batch
        except Exception:
            yield _with_budget(pending or Batch(BOARDS), budget, api.take_calls())
            raise
        yield self._finish(pending or Batch(BOARDS), api, state, walk)

    def _read_boards(self, api: PinterestApi, state: BoardsCursor, walk: Walk) -> Iterator[Batch]:
        today = budget_day(self.clock())
        if self.reconcile or state.listed != today or not state.watermarks:
            boards = [
                b for page in api.pages("/boards", page_size=BOARDS_PAGE_SIZE) for b in page.items
            ]
            walk.warnings.extend(self._owner_warnings(boards))
            walk.listed = today
            board_ids: list[str] = []
            for board in boards:
                board_id = board.get("id")
                if not isinstance(board_id, str) or not board_id:
                    walk.warnings.append("a board without an id was skipped")
                    walk.complete = False
                    continue
                board_ids.append(board_id)
        else:
            board_ids = sorted(state.watermarks)
        for board_id in board_ids:
            walk.boards.append(board_id)
            watermark = state.watermarks.get(board_id)
            cutoff = watermark - OVERLAP if watermark and not self.reconcile else None
            yield from self._read_board(api, board_id, cutoff, watermark, walk)

    def _read_board(
        self,
        api: PinterestApi,
        board_id: str,
        cutoff: datetime | None,
        watermark: datetime | None,
        walk: Walk,
    ) -> Generator[Batch, None, None]:
        """The board's pages; the last one read carries the board's cursor."""
        stream = board_stream(board_id)
        pages = api.pages(
            api.board_pins_path(board_id), page_size=self.account.page_size, pin_metrics="true"
        )
        newest = watermark
        try:
            for page in pages:
                posts, skipped = self._posts(page, walk)
                newest = max(
                    (t for t in (newest, *(p.created_at for p in posts)) if t), default=None
                )
                stop = bool(page.bookmark and cutoff and any(p.created_at < cutoff for p in posts))
                last = stop or not page.bookmark
                updates: dict[str, JSONValue] = {}
                if last:
                    updates[stream] = dump_board_mark(newest)
                yield Batch(
                    stream,
                    posts=posts,
                    cursor_updates=updates,
                    api_calls=api.take_calls(),
                    warnings=skipped,
                )
                if stop:
                    walk.complete = False
                    log.debug("board %s: stopped paging at pins older than %s", board_id, cutoff)
                    return
        except NotFound as exc:
            walk.complete = False
            walk.boards.remove(board_id)  # listed again next run, and read to its end
            walk.warnings.append(f"board {board_id} not read (removed meanwhile?): {exc}")

    def _posts(self, page: Page, walk: Walk) -> tuple[tuple[PostRecord, ...], tuple[str, ...]]:
        now, posts, skipped = self.clock(), [], []
        for item in page.items:
            if api_pin_id(item) is None:
                skipped.append(f"a pin without a numeric id on {display_url(page.url)} skipped")
                continue
            post = to_post(item, owner=self.username, source_url=page.url, fetched_at=now)
            walk.seen[post.external_id] = post.created_at
            posts.append(post)
        return _unique(posts), tuple(skipped)

    def _owner_warnings(self, boards: list[Mapping[str, JSONValue]]) -> list[str]:
        owners = {
            str(owner.get("username")).casefold()
            for board in boards
            if isinstance(owner := board.get("owner"), Mapping) and owner.get("username")
        }
        if not owners or self.username.casefold() in owners:
            return []
        return [
            f"the token's boards belong to {sorted(owners)}, not to the configured username "
            f"{self.username!r}: check that the token is the district's"
        ]

    def _finish(self, last: Batch, api: PinterestApi, state: BoardsCursor, walk: Walk) -> Batch:
        """The run's last batch: the boards cursor, the budget and (complete reads) presence."""
        listed = walk.listed
        if listed is None and not set(state.watermarks) - set(walk.boards):
            listed = state.listed  # else a known board answered 404: list them next run
        cursor = BoardsCursor(dict.fromkeys(walk.boards), listed)
        presence: tuple[Presence, ...] = ()
        warnings = list(walk.warnings)
        if walk.every_pin and walk.seen:
            presence = (Presence(frozenset(walk.seen), since=EVERYTHING),)
        elif walk.every_pin and state.watermarks:
            warnings.append("Pinterest listed no pins at all: deletion marking skipped")
        return replace(
            last,
            cursor_updates={
                **last.cursor_updates,
                BOARDS: cursor.dump(),
                BUDGET: api.budget.dump(),
            },
            presence=presence,
            api_calls=last.api_calls + api.take_calls(),
            warnings=(*last.warnings, *warnings),
        )

    # -- RSS ---------------------------------------------------------------------------

    def feeds(self) -> list[tuple[str, str]]:
        """(stream, URL) of each feed read without a token."""
        base = str(self.account.rss_url).rstrip("/")
        if not self.account.boards:
            return [("rss:feed", f"{base}/{self.username}/feed.rss")]
        return [(f"rss:{b}", f"{base}/{self.username}/{b}.rss") for b in self.account.boards]

    def _pull_rss(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        for stream, url in self.feeds():
            fetched = fetch_feed(self.http, FeedCursor.load(cursors.get(stream), url))
            if fetched.parsed is None:
                yield _not_modified(stream, fetched, cursors.get(stream))
                continue
            posts, skipped = self._rss_posts(fetched.parsed.entries, fetched.cursor.url)
            yield Batch(
                stream,
                posts=posts,
                cursor_updates={stream: fetched.cursor.dump()},
                api_calls=fetched.api_calls,
                warnings=fetched.warnings + skipped,
            )

    def _rss_posts(
        self, entries: Iterable[Entry], source: str
    ) -> tuple[tuple[PostRecord, ...], tuple[str, ...]]:
        now, posts, skipped = self.clock(), [], []
        for entry in entries:
            try:
                posts.append(
                    rss_to_post(entry, owner=self.username, source_url=source, fetched_at=now)
                )
            except ValueError:
                skipped.append(f"an entry of {display_url(source)} names no pin: skipped")
        return _unique(posts), tuple(skipped)


def _with_budget(batch: Batch, budget: CallBudget, more_calls: int = 0) -> Batch:
    return replace(
        batch,
        cursor_updates={**batch.cursor_updates, BUDGET: budget.dump()},
        api_calls=batch.api_calls + more_calls,
    )


def _not_modified(stream: str, fetched: FeedFetch, value: JSONValue) -> Batch:
    """304: no records; the cursor changes only to record a permanent move."""
    updates: dict[str, JSONValue] = {}
    if fetched.moved and isinstance(value, Mapping):
        updates[stream] = {**value, **fetched.cursor.dump()}
    return Batch(
        stream, cursor_updates=updates, api_calls=fetched.api_calls, warnings=fetched.warnings
    )


def _unique(posts: Iterable[PostRecord]) -> tuple[PostRecord, ...]:
    """Drop repeated pins within one page (a feed or page may list a pin twice)."""
    seen: dict[str, PostRecord] = {}
    for post in posts:
        seen.setdefault(post.external_id, post)
    return tuple(seen.values())
