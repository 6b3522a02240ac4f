"""Pure mapping of X API v2 tweet objects (raw JSON) to records: no I/O, total, typed.

- A tweet by the district that replies to nothing is a post (`PostRecord`); everything
  else is a comment (`CommentRecord`): residents' replies and mentions, and the
  district's own replies (`by_account_owner`).
- One item per edit chain: the key is `edit_history_tweet_ids[0]`, the text is the
  newest version's (the store keeps the older text as a revision). Every version lists
  the whole chain, so its place in `edit_history_tweet_ids` tells which is newer;
  `edit_rounds` orders the versions of one answer by it, whatever their order there.
- Thread root from `conversation_id`, parent from `referenced_tweets` `replied_to`, both
  mapped to their edit chain's first id. A conversation is the district's when its root
  is one of the district's posts; then the comment's `post_external_id` is that root, a
  direct answer to the root is a `comment` (no parent, like a top-level blog comment)
  and a deeper one a `reply`. Outside the district's conversations a tweet is a
  `mention`, unless it answers one of the district's tweets (then a `reply`).
- X escapes `&`, `<` and `>` in `text`; they are unescaped here (show text escaped).
- Missing optional fields become None; a missing `created_at` is read from the
  Snowflake id (ids carry their creation time), else the fetch time is used.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from aggregator.records import CommentKind, CommentRecord, PostRecord

Tweet = Mapping[str, Any]
Item = TypeVar("Item")
SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
SNOWFLAKE_MIN = 1 << 50
"""Smaller ids are pre-2010 sequential ids (or documentation examples), not Snowflakes."""
METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count",
           "impression_count")  # fmt: skip


def snowflake_time(tweet_id: str) -> datetime | None:
    """When a Snowflake id was made (millisecond precision); None for other ids."""
    if not tweet_id.isdigit() or int(tweet_id) < SNOWFLAKE_MIN:
        return None
    milliseconds = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def snowflake_at(moment: datetime) -> str:
    """The smallest Snowflake id made at `moment` (a `since_id` for "after this time")."""
    milliseconds = int(moment.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS
    return str(max(0, milliseconds) << 22)


def parse_time(value: Any) -> datetime | None:
    """X's `2026-11-20T00:00:00.000Z` as aware UTC; None when absent or malformed."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def tweet_id(tweet: Tweet) -> str:
    """The tweet's id as a string ('' when missing)."""
    return str(tweet.get("id") or "")


def chain_id(tweet: Tweet) -> str:
    """The first id of the tweet's edit chain (its own id when never edited)."""
    history = tweet.get("edit_history_tweet_ids")
    if isinstance(history, list) and history:
        return str(history[0])
    return tweet_id(tweet)


def edit_position(tweet: Tweet) -> int:
    """The version's place in its edit chain: 0 for the original (never edited: 0 too)."""
    history = [str(i) for i in tweet.get("edit_history_tweet_ids") or ()]
    own = tweet_id(tweet)
    return history.index(own) if own in history else len(history)


def edit_rounds(items: Sequence[Item], tweet_of: Callable[[Item], Tweet]) -> list[list[Item]]:
    """The items of one answer in rounds to store one after another, oldest versions first.

    Where the answer holds several versions of an edited tweet, each earlier version goes
    in an earlier round and the newest in the last round, so the newest text wins and the
    store keeps the older ones as revisions. Within a round the answer's order is kept.

    Args:
        items: the answer's tweets, or what was made of them.
        tweet_of: the raw tweet of an item.
    """
    chains: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        chains.setdefault(chain_id(tweet_of(item)), []).append(index)
    count = max((len(v) for v in chains.values()), default=0)
    rounds: list[list[int]] = [[] for _ in range(count)]
    for indexes in chains.values():
        ordered = sorted(indexes, key=lambda i: edit_position(tweet_of(items[i])))
        for step, index in enumerate(ordered, start=count - len(ordered)):
            rounds[step].append(index)
    return [[items[i] for i in sorted(r)] for r in rounds]


def replied_to(tweet: Tweet) -> str | None:
    """The id of the tweet this one answers (`referenced_tweets` of type `replied_to`)."""
    for ref in tweet.get("referenced_tweets") or ():
        if isinstance(ref, Mapping) and ref.get("type") == "replied_to" and ref.get("id"):
            return str(ref["id"])
    return None


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


@dataclass(frozen=True)
class Known:
    """What mapping needs to know beyond one tweet: who we are, our threads, edit chains."""

    own_id: str
    own_roots: frozenset[str] = frozenset()
    """Edit-chain ids of the district's posts (roots of the district's conversations)."""
    chains: Mapping[str, str] = field(default_factory=dict)
    """Any version id -> the first id of its edit chain."""
    users: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def chain(self, any_id: str) -> str:
        """The edit-chain id of a version id (the id itself when unknown)."""
        return self.chains.get(any_id, any_id)

    def learn(self, tweets: Iterable[Tweet], includes: Mapping[str, Any] | None = None) -> Known:
        """This knowledge plus a page's tweets and expansions (users, referenced tweets)."""
        extra = list(tweets)
        includes = includes or {}
        extra += [t for t in includes.get("tweets") or () if isinstance(t, Mapping)]
        chains = dict(self.chains)
        roots = set(self.own_roots)
        for tweet in extra:
            for version in tweet.get("edit_history_tweet_ids") or ():
                chains[str(version)] = chain_id(tweet)
            if str(tweet.get("author_id")) == self.own_id and replied_to(tweet) is None:
                roots.add(chain_id(tweet))
        users = dict(self.users)
        for user in includes.get("users") or ():
            if isinstance(user, Mapping) and user.get("id"):
                users[str(user["id"])] = user
        return replace(self, own_roots=frozenset(roots), chains=chains, users=users)

    def handle(self, user_id: str | None) -> str | None:
        """The user's @username when the page included it."""
        return _str_or_none(self.users.get(user_id or "", {}).get("username"))

    def name(self, user_id: str | None) -> str | None:
        """The user's display name when the page included it."""
        return _str_or_none(self.users.get(user_id or "", {}).get("name"))


def is_own_post(tweet: Tweet, known: Known, default_author: str | None = None) -> bool:
    """True for the district's tweets that reply to nothing (they become posts)."""
    author = _str_or_none(tweet.get("author_id")) or default_author
    return author == known.own_id and replied_to(tweet) is None


def to_record(
    tweet: Tweet,
    known: Known,
    fetched_at: datetime,
    source_url: str | None = None,
    default_author: str | None = None,
) -> PostRecord | CommentRecord:
    """A post for the district's own top-level tweets, a comment for every other tweet.

    Args:
        tweet: one raw tweet object.
        known: own id, own posts, edit chains and users known so far.
        fetched_at: when it was read (the creation time of last resort).
        source_url: the endpoint it came from.
        default_author: the author when the tweet lacks `author_id` (own timeline).
    """
    if is_own_post(tweet, known, default_author):
        return to_post(tweet, known, fetched_at, source_url)
    return to_comment(tweet, known, fetched_at, source_url, default_author)


def to_post(
    tweet: Tweet, known: Known, fetched_at: datetime, source_url: str | None = None
) -> PostRecord:
    """One of the district's tweets as a post (keyed by its edit chain)."""
    key, latest = chain_id(tweet), tweet_id(tweet)
    created, updated = _times(tweet, fetched_at)
    metrics = _metrics(tweet)
    return PostRecord(
        platform="twitter",
        external_id=key,
        created_at=created,
        updated_at=updated,
        text=html.unescape(str(tweet.get("text") or "")),
        url=_status_url(known.handle(known.own_id), latest),
        author_id=known.own_id,
        author_name=known.name(known.own_id),
        comment_count=metrics.get("reply_count"),
        metrics=metrics,
        raw=dict(tweet),
        source_url=source_url,
    )


def to_comment(
    tweet: Tweet,
    known: Known,
    fetched_at: datetime,
    source_url: str | None = None,
    default_author: str | None = None,
) -> CommentRecord:
    """A resident's reply or mention, or the district's own reply, linked to its thread."""
    author = _str_or_none(tweet.get("author_id")) or default_author
    kind, post, parent = _thread_place(tweet, known, author)
    created, _updated = _times(tweet, fetched_at)
    return CommentRecord(
        platform="twitter",
        external_id=chain_id(tweet),
        created_at=created,
        text=html.unescape(str(tweet.get("text") or "")),
        kind=kind,
        post_external_id=post,
        parent_external_id=parent,
        author_id=author,
        author_name=known.name(author),
        author_handle=known.handle(author),
        permalink=_status_url(known.handle(author), tweet_id(tweet)),
        metrics=_metrics(tweet),
        by_account_owner=author == known.own_id,
        raw=dict(tweet),
        source_url=source_url,
    )


def _thread_place(
    tweet: Tweet, known: Known, author: str | None
) -> tuple[CommentKind, str | None, str | None]:
    """(kind, post_external_id, parent_external_id) of a comment."""
    parent_id = replied_to(tweet)
    parent = known.chain(parent_id) if parent_id else None
    root = known.chain(str(tweet.get("conversation_id") or tweet_id(tweet)))
    answers_us = _str_or_none(tweet.get("in_reply_to_user_id")) == known.own_id
    if root in known.own_roots or (parent == root and answers_us):
        if parent is None or parent == root:
            return CommentKind.COMMENT, root, None
        return CommentKind.REPLY, root, parent
    if parent is not None and (answers_us or author == known.own_id):
        return CommentKind.REPLY, None, parent
    return CommentKind.MENTION, None, parent


def _times(tweet: Tweet, fetched_at: datetime) -> tuple[datetime, datetime | None]:
    """(created, updated): an edited tweet was created with its chain's first id."""
    shown = parse_time(tweet.get("created_at")) or snowflake_time(tweet_id(tweet))
    key = chain_id(tweet)
    if key == tweet_id(tweet):
        return shown or fetched_at, None
    first = snowflake_time(key) or shown or fetched_at
    return first, shown


def _metrics(tweet: Tweet) -> dict[str, int]:
    found = tweet.get("public_metrics")
    if not isinstance(found, Mapping):
        return {}
    return {k: int(v) for k, v in found.items() if k in METRICS and isinstance(v, int)}


def _status_url(username: str | None, status_id: str) -> str | None:
    if not status_id:
        return None
    return f"https://x.com/{username or 'i/web'}/status/{status_id}"


def oldest_first(ids: Iterable[str]) -> list[str]:
    """Numeric tweet ids sorted oldest first (Snowflakes grow with time)."""
    return sorted({i for i in ids if i.isdigit()}, key=int)


def newer(a: str | None, b: str | None) -> str | None:
    """The newer of two tweet ids (None counts as oldest)."""
    if a is None or not a.isdigit():
        return b
    if b is None or not b.isdigit():
        return a
    return a if int(a) >= int(b) else b


def day_window(now: datetime, days: float, margin: timedelta = timedelta(minutes=1)) -> datetime:
    """The oldest moment still inside a `days`-day window ending `now` (minus a margin)."""
    return now - timedelta(days=days) + margin
