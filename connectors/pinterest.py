"""Pinterest: the district's pins through API v5 with an OAuth token, else its public RSS.

Endpoints. With a token (`Authorization: Bearer`, scopes boards:read and pins:read):
    GET {api_url}/boards?page_size=250                      every board of the account
    GET {api_url}/boards/{board_id}/pins?page_size=N&pin_metrics=true
Without one, the public feeds through `connectors.feeds` (conditional GET, safe
parsing): `{rss_url}/{username}/{board}.rss` for each configured board, else the
profile feed `{rss_url}/{username}/feed.rss`. All HTTP goes through `HttpClient`.

Pagination: the API's `bookmark` (passed back until it is null); feeds have none
(they list only recent pins).

Cursors (JSON-safe, by stream):
    pins: {"watermark": ISO time of the newest pin stored, "boards": [board ids read]},
        written only with the last batch of a run that got through every board, so a
        crash or a throttle mid-run never moves it past unread pages (a board that
        answered 404 is left out of "boards", so the next run reads it to its end);
    api_budget: {"day": "YYYY-MM-DD" (Asia/Seoul), "calls": n, "limit": n}, written
        with every batch, also the one yielded just before an error;
    rss:{board} (or rss:feed): the feed's URL and ETag/Last-Modified.

Incremental by creation time. The API has no "since" parameter and lists a board's
pins newest first [unverified ordering, PLATFORMS.md 4.3]. A normal run reads each
known board page by page and stops after the first page holding a pin created before
`watermark - OVERLAP`. The first run, reconcile runs and boards not seen before are
read to their last page. Boards are small, so one page (`page_size`, default 100)
usually holds a whole board: a normal run then costs one call for the boards plus one
per board, and refreshes the comment count of every pin.

Deletions. When every board was read to its last page in this run, the last batch
carries `Presence(ids=every pin seen, since=the epoch)`: the account's stored pins
that no board lists any more are marked deleted upstream (never removed), and pins
listed again lose the mark. A run that stopped early on some board, met a board that
answered 404, or listed no pins at all marks nothing; neither does RSS (feeds are
windows). A board too big for one page is therefore checked for deletions on
reconcile runs.

What Pinterest cannot give: comment text, anywhere (no API path has comments); only a
count, in the lifetime pin metrics where Pinterest keeps them. Pins are stored with
`comments_readable=False`, and the store opens a "check this post" item when a count
rises. RSS gives no counts (comment_count None), no author and only recent pins. No
pin has an `updated_at`: edits show as changed title or description.

Limits: Pinterest's trial access allows 1,000 calls a day. `daily_call_budget` is
never exceeded (see `connectors.pinterest_api`); a 429 is waited out only within
`max_rate_limit_wait_seconds` and the run's time, else the run ends throttled and the
next one resumes. The budget counts API calls only, not RSS.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from aggregator.config import PinterestAccount
from aggregator.connector import SyncContext
from aggregator.records import Batch, JSONValue, PostRecord, Presence
from connectors.feeds import Entry, FeedCursor, FeedFetch, display_url, fetch_feed
from connectors.pinterest_api import CallBudget, NotFound, Page, PinterestApi
from connectors.pinterest_mapping import api_pin_id, parse_api_time, rss_to_post, to_post

log = logging.getLogger(__name__)

PINS, BUDGET = "pins", "api_budget"
OVERLAP = timedelta(hours=6)
"""Pins created this long before the watermark are read again (late indexing, skew)."""
EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)
"""The presence scope of a complete read: every pin of the account."""
BOARDS_PAGE_SIZE = 250


@dataclass(frozen=True)
class PinsCursor:
    """What earlier complete runs saw: the newest pin's creation time and the boards."""

    watermark: datetime | None = None
    boards: frozenset[str] = frozenset()

    @classmethod
    def load(cls, value: JSONValue) -> PinsCursor:
        """Read the stored cursor (empty when absent or malformed)."""
        if not isinstance(value, Mapping):
            return cls()
        boards = value.get("boards")
        return cls(
            watermark=parse_api_time(value.get("watermark")),
            boards=frozenset(b for b in boards or () if isinstance(b, str)),
        )

    def dump(self) -> dict[str, JSONValue]:
        """The JSON-safe form stored by the sync engine."""
        return {
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "boards": sorted(self.boards),
        }


@dataclass
class Walk:
    """What this run has read so far."""

    seen: dict[str, datetime] = field(default_factory=dict)
    boards: list[str] = field(default_factory=list)
    complete: bool = True
    """Every board was read to its last page."""
    warnings: list[str] = field(default_factory=list)

    @property
    def newest(self) -> datetime | None:
        """Creation time of the newest pin seen."""
        return max(self.seen.values(), default=None)


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
        state, walk = PinsCursor.load(cursors.get(PINS)), Walk()
        pending: Batch | None = None
        try:
            for batch in self._read_boards(api, state, walk):
                if pending is not None:
                    yield _with_budget(pending, budget)
                pending = batch
        except Exception:
            yield _with_budget(pending or Batch(PINS), budget, api.take_calls())
            raise
        yield self._finish(pending or Batch(PINS), api, state, walk)

    def _read_boards(self, api: PinterestApi, state: PinsCursor, walk: Walk) -> Iterator[Batch]:
        full_run = self.reconcile or state.watermark is None
        cutoff = None if full_run or state.watermark is None else state.watermark - OVERLAP
        boards = [
            b for page in api.pages("/boards", page_size=BOARDS_PAGE_SIZE) for b in page.items
        ]
        walk.warnings.extend(self._owner_warnings(boards))
        for board in boards:
            board_id = board.get("id")
            if not isinstance(board_id, str) or not board_id:
                walk.warnings.append("a board without an id was skipped")
                walk.complete = False
                continue
            walk.boards.append(board_id)
            known = board_id in state.boards
            yield from self._read_board(api, board_id, cutoff if known else None, walk)

    def _read_board(
        self, api: PinterestApi, board_id: str, cutoff: datetime | None, walk: Walk
    ) -> Generator[Batch, None, None]:
        pages = api.pages(
            api.board_pins_path(board_id), page_size=self.account.page_size, pin_metrics="true"
        )
        try:
            for page in pages:
                posts, skipped = self._posts(page, walk)
                yield Batch(PINS, posts=posts, api_calls=api.take_calls(), warnings=skipped)
                if page.bookmark and cutoff and any(p.created_at < cutoff for p in posts):
                    walk.complete = False
                    log.debug("board %s: stopped paging at pins older than %s", board_id, cutoff)
                    return
        except NotFound as exc:
            walk.complete = False
            walk.boards.remove(board_id)  # unknown next run, so read to its end then
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

    def _finish(self, last: Batch, api: PinterestApi, state: PinsCursor, walk: Walk) -> Batch:
        """The run's last batch: the pins cursor, the budget and (complete reads) presence."""
        newest = max((m for m in (state.watermark, walk.newest) if m), default=None)
        cursor = PinsCursor(newest, frozenset(walk.boards))
        presence: tuple[Presence, ...] = ()
        warnings = list(walk.warnings)
        if walk.complete and walk.seen:
            presence = (Presence(frozenset(walk.seen), since=EVERYTHING),)
        elif walk.complete and state.watermark is not None:
            warnings.append("Pinterest listed no pins at all: deletion marking skipped")
        return replace(
            last,
            cursor_updates={**last.cursor_updates, PINS: cursor.dump(), BUDGET: api.budget.dump()},
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
