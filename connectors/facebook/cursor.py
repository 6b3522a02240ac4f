"""The Facebook connector's cursors, loaded and dumped here (readers:
`connectors.common.cursor`).

    posts, visitor_posts: {"watermark": ISO time}: the newest `created_time` listed
    comments:             `CommentState`: per post, the comment count when its comments
                          were last read and the newest comment's `created_time`
"""

from __future__ import annotations

from datetime import datetime

from aggregator.records import JSONValue
from connectors.common.cursor import as_mapping, int_or_none, iso, watermark
from connectors.facebook.mapping import parse_time


def load_mark(value: JSONValue) -> datetime | None:
    """A posts stream's watermark; None when absent or malformed (read everything)."""
    return watermark(value, parse_time)


def dump_mark(mark: datetime) -> dict[str, JSONValue]:
    """A posts stream's cursor at `mark`."""
    return {"watermark": mark.isoformat()}


class CommentState:
    """Per post: the comment count when its comments were last read, the newest one seen."""

    def __init__(self, read: dict[str, tuple[int | None, datetime | None]] | None = None):
        self.read = read or {}

    @classmethod
    def load(cls, value: JSONValue) -> CommentState:
        """Read the state from a stored cursor (empty when absent or malformed)."""
        stored = as_mapping(value).get("read")
        read: dict[str, tuple[int | None, datetime | None]] = {}
        for post_id, row in as_mapping(stored).items():
            if isinstance(row, list) and len(row) == 2:
                read[str(post_id)] = (int_or_none(row[0]), parse_time(row[1]))
        return cls(read)

    def dump(self, keep: set[str] | None = None) -> dict[str, JSONValue]:
        """JSON-safe form; only the posts in `keep` when given."""
        rows: dict[str, JSONValue] = {
            post_id: [count, iso(newest)]
            for post_id, (count, newest) in self.read.items()
            if keep is None or post_id in keep
        }
        return {"read": rows}

    def mark(self, post_id: str, count: int | None, newest: datetime | None) -> None:
        """Record that the post's comments were read while it had `count` comments."""
        self.read[post_id] = (count, newest)
