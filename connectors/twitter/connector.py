"""An X (Twitter) account: the district's tweets and residents' replies and mentions (API v2).

Endpoints, all through `connectors.twitter.api` (the one tweepy adapter: host, timeouts,
retries, rate limits), with the tweet/user fields and expansions of PLATFORMS.md §2.3:
    GET /2/users/by/username/:username  only when `user_id` is not configured, and then
                                        once: the id is kept in the `user` cursor
    GET /2/users/:id/tweets             the district's tweets and its replies (no retweets)
    GET /2/users/:id/mentions           residents' replies and mentions
    GET /2/tweets/search/recent         `(conversation_id:<id> OR ...) is:reply` (up to 512
                                        characters a query) for the district's posts younger
                                        than `conversation_days`; only with `search_conversations`

Pagination: `max_results=100`, `pagination_token` (timelines) or `next_token` (search);
every stream is newest first.

Cursors (JSON, by stream); each moves only with its stream's last page, after every
page of the stream is stored, so a run that stops early re-reads that stream next time:
    user:          {username, id}
    tweets:        {since_id, posts: [edit-chain ids of the district's newest 300 posts]}
    mentions:      {since_id}
    conversations: {since_id, roots_until}: replies newer than `since_id` are read for the
                   posts up to `roots_until`; newer posts are searched from their own id.
    recent:        {ids: [edit-chain ids of the stored tweets of the last 7 days]}, moved
                   with every batch that stores tweets (tweets stored before it existed
                   are not in it).
A no-change sync reads no posts: each `since_id` call answers `result_count: 0`.

Deletions (reconcile only, `context.reconcile`): timelines do not signal them, so the
`recent` ids are looked up with `GET /2/tweets?ids=` (100 a call, each call checked
against the budget at `post_read`); ids answered with a `resource-not-found` error are
marked deleted upstream through a `Presence` of the checked ids (never removed). Other
errors (a protected account's authorization error) judge nothing: the item stays.

Edits: an answer may hold several versions of an edited tweet (one edit chain, one
item); they are stored oldest first, a batch each (`edit_rounds`), so the newest text
wins and the older texts are kept as revisions; an older version arriving after a newer
one in the same run is left out.

Comments on older posts: replies that mention the account (X adds the mention to every
direct reply) arrive through mentions whatever the post's age. Replies deeper in a thread
that do not mention the account are found only by search, which reaches 7 days back.

Budget: before each call the worst case (`max_results` x the endpoint's unit price:
`owned_read` for the own timeline and mentions, `post_read` for search, `user_read` for
the user lookup) is checked against `monthly_budget` minus this month's spend (earlier
runs plus this one); when it does not fit, the run stops with `BudgetExhausted` (status
`budget_exhausted`). Each batch reports the items actually returned (`units_read`) and
their estimated cost. X bills by its own counters; this is our estimate.

What X cannot give: timelines return only the newest 3,200 tweets and 800 mentions;
replies older than 7 days that do not mention the account; deletions older than 7 days;
edits after X's 30-minute edit window do not exist. Limits per 15 minutes
(app): 10,000 own-timeline, 450 mentions and 450 search requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import ClassVar

from aggregator.connector import FetchError, SyncContext
from aggregator.records import Batch, CommentRecord, JSONValue, PostRecord, Presence
from connectors.twitter.api import Page, XApi, XCredentials
from connectors.twitter.budget import Meter
from connectors.twitter.cursor import (
    CONVERSATIONS,
    MENTIONS,
    RECENT,
    TWEETS,
    USER,
    XCursors,
    dump_conversations,
    dump_recent,
    dump_since,
    dump_tweets,
    dump_user,
    tweet_id,
)
from connectors.twitter.mapping import (
    Known,
    Tweet,
    chain_id,
    day_window,
    edit_position,
    edit_rounds,
    newer,
    oldest_first,
    snowflake_at,
    snowflake_time,
    to_record,
)
from connectors.twitter.search_query import conversation_queries
from connectors.twitter.settings import TwitterAccount

log = logging.getLogger(__name__)

PAGE_SIZE = 100
LOOKUP_SIZE = 100
RECONCILE_DAYS = 7
"""How far back reconcile looks stored tweets up to find deletions."""
KEPT_POSTS = 300
SEARCH_DAYS = 7
Record = PostRecord | CommentRecord


class TwitterConnector:
    """Reads one X account's tweets, mentions and (optionally) its recent conversations."""

    platform: ClassVar[str] = "twitter"

    def __init__(self, account: TwitterAccount, context: SyncContext) -> None:
        self.account = account
        self.http = context.http
        self.clock = context.clock
        self.prices = account.prices
        self.meter = Meter(account.monthly_budget, context.month_usage.cost)
        self.reconcile = context.reconcile
        self.recent: set[str] = set()
        """Edit-chain ids of the stored tweets (posts and comments) of the recent window."""
        self.api = XApi(
            _credentials(account),
            str(account.api_url),
            context.http,
            context.clock,
            account.max_rate_limit_wait_seconds,
        )
        self.known = Known(own_id="")
        self._calls_seen = context.http.calls
        self._versions: dict[str, int] = {}
        """Edit chain -> the newest version's place in it stored in this run."""

    def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        """Yield the user lookup (if needed), own tweets, mentions, then conversations."""
        try:
            stored = XCursors.load(cursors)
            self.recent = set(stored.recent)
            own_id = yield from self._own_id(stored)
            self.known = Known(own_id=own_id, own_roots=frozenset(stored.posts))
            yield from self._pull_tweets(own_id, stored.tweets_since)
            yield from self._pull_mentions(own_id, stored.mentions_since)
            if self.account.search_conversations:
                yield from self._pull_conversations(stored)
            if self.reconcile:
                yield from self._check_deleted()
        finally:
            self.api.close()

    # -- streams ----------------------------------------------------------------------

    def _own_id(self, stored: XCursors) -> Generator[Batch, None, str]:
        """The account's user id: configured, cached in the cursor, or looked up once."""
        if self.account.user_id:
            return self.account.user_id
        username = self.account.username
        cached = stored.cached_user_id(username)
        if cached:
            return cached
        self.meter.reserve(self.prices.user_read, 1, f"user lookup of @{username}")
        page = self.api.user_by_username(username)
        found = tweet_id(str(page.data[0].get("id"))) if page.data else None
        if found is None:
            problems = "; ".join(page.warnings) or "no data"
            raise FetchError(f"X has no user @{username}: {problems}")
        cursor_update: dict[str, JSONValue] = {USER: dump_user(username, found)}
        yield self._batch(USER, page, self.prices.user_read, [], cursor_update)
        return found

    def _pull_tweets(self, own_id: str, since: str | None) -> Iterator[Batch]:
        """Own tweets since the cursor. An own reply whose thread root is not known yet
        waits for the stream's last page, when every post of the stream is known."""
        newest: str | None = None
        waiting: list[tuple[Tweet, str]] = []
        fetch = partial(self.api.users_tweets, own_id, since, max_results=PAGE_SIZE)
        for page in self._pages("own tweets", self.prices.owned_read, fetch):
            newest = newest or page.newest_id
            self.known = self.known.learn(page.data, page.includes)
            records: list[Record] = []
            mapped = self._records(page.data, page.url, own_id)
            for tweet, record in zip(page.data, mapped, strict=True):
                if isinstance(record, CommentRecord) and record.post_external_id is None:
                    waiting.append((tweet, page.url))
                else:
                    records.append(record)
            updates: dict[str, JSONValue] = {}
            if page.next_token is None:
                records += [self._record(t, url, own_id) for t, url in waiting]
                kept = oldest_first(self.known.own_roots)[-KEPT_POSTS:]
                updates[TWEETS] = dump_tweets(newer(newest, since), kept)
            yield from self._batches(TWEETS, page, self.prices.owned_read, records, updates)

    def _pull_mentions(self, own_id: str, since: str | None) -> Iterator[Batch]:
        """Replies and mentions since the cursor."""
        newest: str | None = None
        fetch = partial(self.api.users_mentions, own_id, since, max_results=PAGE_SIZE)
        for page in self._pages("mentions", self.prices.owned_read, fetch):
            newest = newest or page.newest_id
            self.known = self.known.learn(page.data, page.includes)
            updates: dict[str, JSONValue] = {}
            if page.next_token is None:
                updates[MENTIONS] = dump_since(newer(newest, since))
            records = self._records(page.data, page.url, None)
            yield from self._batches(MENTIONS, page, self.prices.owned_read, records, updates)

    def _pull_conversations(self, stored: XCursors) -> Iterator[Batch]:
        """Replies in the district's young threads, in as few 512-character queries as fit.

        Threads searched before are read from the cursor's `since_id`; threads new since
        the last search from their own root id. Both are clamped to the 7-day window.
        """
        now = self.api.now()
        roots = _young(self.known.own_roots, day_window(now, self.account.conversation_days))
        if not roots:
            return
        floor = snowflake_at(day_window(now, SEARCH_DAYS))
        since, until = stored.conversations_since, stored.roots_until
        searched = [r for r in roots if int(r) <= until]
        fresh = [r for r in roots if int(r) > until]
        searches = [(q, newer(since, floor)) for q, _first in conversation_queries(searched)]
        searches += [(q, newer(first, floor)) for q, first in conversation_queries(fresh)]
        newest = since
        for number, (query, since_id) in enumerate(searches, start=1):
            fetch = partial(self.api.search_recent, query, since_id, max_results=PAGE_SIZE)
            for page in self._pages("conversation search", self.prices.post_read, fetch):
                newest = newer(page.newest_id, newest)
                self.known = self.known.learn(page.data, page.includes)
                updates: dict[str, JSONValue] = {}
                if number == len(searches) and page.next_token is None:
                    updates[CONVERSATIONS] = dump_conversations(newest, roots[-1])
                records = self._records(page.data, page.url, None)
                yield from self._batches(
                    CONVERSATIONS, page, self.prices.post_read, records, updates
                )

    def _check_deleted(self) -> Iterator[Batch]:
        """Look the recent window's stored tweets up by id, 100 a call, each call first
        checked against the budget; the ids X answers `resource-not-found` for are marked
        deleted upstream (a `Presence` of the checked ids). Other errors (a protected
        account's authorization error) leave the id unjudged."""
        ids = self._recent_ids()
        for start in range(0, len(ids), LOOKUP_SIZE):
            chunk = ids[start : start + LOOKUP_SIZE]
            self.meter.reserve(self.prices.post_read, len(chunk), "deletion check by id")
            page = self.api.tweets(chunk)
            found = {chain_id(t) for t in page.data} | {str(t["id"]) for t in page.data}
            gone = page.not_found & set(chunk)
            checked = frozenset((found | gone) & set(chunk))
            self.recent -= gone
            yield self._counted(
                Batch(
                    RECENT,
                    cursor_updates={RECENT: dump_recent(self._recent_ids())},
                    warnings=page.other_warnings,
                    presence=(Presence(checked - gone, checked=checked),),
                    units_read=len(page.data),
                    cost=self.meter.charge(self.prices.post_read, len(page.data)),
                )
            )

    def _recent_ids(self) -> list[str]:
        """The recent window's stored tweet ids, oldest first (by their Snowflake time)."""
        oldest = day_window(self.api.now(), RECONCILE_DAYS)
        return _young(self.recent, oldest)

    # -- helpers ----------------------------------------------------------------------

    def _pages(
        self, what: str, price: float, fetch: Callable[[str | None], Page]
    ) -> Iterator[Page]:
        """Every page of one listing, each call first checked against the budget."""
        token: str | None = None
        while True:
            self.meter.reserve(price, PAGE_SIZE, what)
            page = fetch(token)
            yield page
            token = page.next_token
            if token is None:
                return

    def _records(
        self, tweets: Sequence[Tweet], url: str, default_author: str | None
    ) -> list[Record]:
        return [self._record(t, url, default_author) for t in tweets]

    def _record(self, tweet: Tweet, url: str, default_author: str | None) -> Record:
        return to_record(tweet, self.known, self.clock(), url, default_author)

    def _batches(
        self,
        stream: str,
        page: Page,
        price: float,
        records: list[Record],
        updates: dict[str, JSONValue],
    ) -> Iterator[Batch]:
        """The page's records: earlier versions of an edited tweet first, a batch a round
        (so the store keeps their text as revisions), then the page's own batch. A version
        older than one stored earlier in this run is left out (it would undo the edit)."""
        stored = dict(self._versions)
        fresh = [r for r in records if edit_position(r.raw) >= stored.get(r.external_id, -1)]
        for record in fresh:
            place = max(edit_position(record.raw), self._versions.get(record.external_id, -1))
            self._versions[record.external_id] = place
        if records:
            self.recent |= {r.external_id for r in records}
            updates = {**updates, RECENT: dump_recent(self._recent_ids())}
        *earlier, last = edit_rounds(fresh, lambda r: r.raw) or [[]]
        for versions in earlier:
            yield Batch(
                stream,
                posts=tuple(r for r in versions if isinstance(r, PostRecord)),
                comments=tuple(r for r in versions if isinstance(r, CommentRecord)),
            )
        yield self._batch(stream, page, price, last, updates)

    def _batch(
        self,
        stream: str,
        page: Page,
        price: float,
        records: list[Record],
        updates: dict[str, JSONValue],
    ) -> Batch:
        units = len(page.data)
        return self._counted(
            Batch(
                stream,
                posts=tuple(r for r in records if isinstance(r, PostRecord)),
                comments=tuple(r for r in records if isinstance(r, CommentRecord)),
                cursor_updates=updates,
                warnings=page.warnings,
                units_read=units,
                cost=self.meter.charge(price, units),
            )
        )

    def _counted(self, batch: Batch) -> Batch:
        """`batch` with the calls made since the previous batch (retries included)."""
        calls, self._calls_seen = self.http.calls - self._calls_seen, self.http.calls
        return replace(batch, api_calls=calls)


def _credentials(account: TwitterAccount) -> XCredentials:
    def value(secret: object) -> str | None:
        return getattr(secret, "value", None) or None

    return XCredentials(
        bearer_token=value(account.bearer_token),
        consumer_key=value(account.consumer_key),
        consumer_secret=value(account.consumer_secret),
        access_token=value(account.access_token),
        access_token_secret=value(account.access_token_secret),
    )


def _young(roots: Iterable[str], oldest: datetime) -> list[str]:
    """The roots made after `oldest` (by their Snowflake time), oldest first."""
    return [r for r in oldest_first(roots) if (made := snowflake_time(r)) and made > oldest]
