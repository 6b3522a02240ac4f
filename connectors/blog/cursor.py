"""The blog connector's cursors, loaded and dumped here (readers: `connectors.common.cursor`).

posts:          the feed's `FeedCursor` (conditional GET) plus the `PostsWindow`
comments:       the site-wide comment feed's `FeedCursor`
post_comments:  `ReadCounts`: per post, its comment count when its feed was last read
"""

from __future__ import annotations

from dataclasses import dataclass

from aggregator.records import JSONValue
from connectors.common.cursor import as_mapping, int_or_none, rows, strings

MAX_TRACKED_POSTS = 200


@dataclass(frozen=True)
class PostsWindow:
    """What the posts feed told us that later streams need (kept in the posts cursor)."""

    authors: tuple[str, ...] = ()
    comment_feeds: tuple[tuple[str, str, int | None], ...] = ()

    @classmethod
    def load(cls, value: JSONValue) -> PostsWindow:
        """Read the window from a stored posts cursor (empty when absent or malformed)."""
        stored = as_mapping(value)
        feeds = tuple(
            (row[0], row[1], int_or_none(row[2]))
            for row in rows(stored.get("comment_feeds"), 3)
            if isinstance(row[0], str) and isinstance(row[1], str)
        )
        return cls(tuple(strings(stored.get("authors"))), feeds)

    def dump(self) -> dict[str, JSONValue]:
        """JSON-safe form merged into the posts cursor."""
        return {
            "authors": list(self.authors),
            "comment_feeds": [list(f) for f in self.comment_feeds],
        }


def load_read_counts(value: JSONValue) -> dict[str, int | None]:
    """The `post_comments` cursor: post id -> comment count when its feed was last read."""
    return {
        row[0]: int_or_none(row[1])
        for row in rows(as_mapping(value).get("read"), 2)
        if isinstance(row[0], str)
    }


def dump_read_counts(read: dict[str, int | None]) -> dict[str, JSONValue]:
    """The `post_comments` cursor of `read`, the newest `MAX_TRACKED_POSTS` posts only."""
    kept: list[JSONValue] = [[k, v] for k, v in list(read.items())[-MAX_TRACKED_POSTS:]]
    return {"read": kept}
