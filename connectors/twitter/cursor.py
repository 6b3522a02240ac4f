"""The X connector's cursors, loaded and dumped here (readers: `connectors.common.cursor`).

user:          {username, id}: the account's user id, looked up once
tweets:        {since_id, posts: [edit-chain ids of the district's newest posts]}
mentions:      {since_id}
conversations: {since_id, roots_until}
recent:        {ids}: the posts whose replies a reconcile run checks
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aggregator.records import JSONValue
from connectors.common.cursor import stream, strings

USER, TWEETS, MENTIONS, CONVERSATIONS = "user", "tweets", "mentions", "conversations"
RECENT = "recent"


def tweet_id(value: JSONValue) -> str | None:
    """A stored tweet or user id (a string of digits), else None."""
    return value if isinstance(value, str) and value.isdigit() else None


@dataclass(frozen=True)
class XCursors:
    """Every stream's stored cursor, read once at the start of a run."""

    recent: frozenset[str] = frozenset()
    user_name: str = ""
    user_id: str | None = None
    tweets_since: str | None = None
    posts: tuple[str, ...] = ()
    mentions_since: str | None = None
    conversations_since: str | None = None
    roots_until: int = 0

    @classmethod
    def load(cls, cursors: Mapping[str, JSONValue]) -> XCursors:
        """Read the stored cursors; a malformed one reads as absent (a first run)."""
        user, tweets = stream(cursors, USER), stream(cursors, TWEETS)
        conversations = stream(cursors, CONVERSATIONS)
        return cls(
            recent=frozenset(strings(stream(cursors, RECENT).get("ids"))),
            user_name=str(user.get("username", "")),
            user_id=tweet_id(user.get("id")),
            tweets_since=tweet_id(tweets.get("since_id")),
            posts=tuple(strings(tweets.get("posts"))),
            mentions_since=tweet_id(stream(cursors, MENTIONS).get("since_id")),
            conversations_since=tweet_id(conversations.get("since_id")),
            roots_until=int(tweet_id(conversations.get("roots_until")) or 0),
        )

    def cached_user_id(self, username: str) -> str | None:
        """The stored user id when it was looked up for `username` (any case)."""
        return self.user_id if self.user_name.lower() == username.lower() else None


def dump_user(username: str, user_id: str) -> dict[str, JSONValue]:
    """The `user` cursor."""
    return {"username": username, "id": user_id}


def dump_tweets(since_id: str | None, posts: Sequence[str]) -> dict[str, JSONValue]:
    """The `tweets` cursor."""
    return {"since_id": since_id, "posts": list(posts)}


def dump_since(since_id: str | None) -> dict[str, JSONValue]:
    """The `mentions` cursor."""
    return {"since_id": since_id}


def dump_conversations(since_id: str | None, roots_until: str) -> dict[str, JSONValue]:
    """The `conversations` cursor."""
    return {"since_id": since_id, "roots_until": roots_until}


def dump_recent(ids: Sequence[str]) -> dict[str, JSONValue]:
    """The `recent` cursor."""
    return {"ids": list(ids)}
