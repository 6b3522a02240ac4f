"""The Instagram connector's cursors, loaded and dumped here (readers:
`connectors.common.cursor`).

    posts:    {"watermark": ISO time}: the newest media `timestamp` listed
    comments: `CommentState`: {"read": {media_id: count}}, each media's `comments_count`
              (replies included) when all its comments were last read
"""

from __future__ import annotations

from datetime import datetime

from aggregator.records import JSONValue
from connectors.common.cursor import as_mapping, int_or_none, watermark
from connectors.instagram.mapping import parse_time


def load_mark(value: JSONValue) -> datetime | None:
    """The posts stream's watermark; None when absent or malformed (read everything)."""
    return watermark(value, parse_time)


def dump_mark(mark: datetime) -> dict[str, JSONValue]:
    """The posts stream's cursor at `mark`."""
    return {"watermark": mark.isoformat()}


class CommentState:
    """Per media: its comment count when all its comments were last read."""

    def __init__(self, read: dict[str, int | None] | None = None) -> None:
        self.read = read or {}

    @classmethod
    def load(cls, value: JSONValue) -> CommentState:
        """Read the state from a stored cursor (empty when absent or malformed)."""
        stored = as_mapping(as_mapping(value).get("read"))
        return cls({str(media): int_or_none(count) for media, count in stored.items()})

    def dump(self, keep: set[str] | None = None) -> dict[str, JSONValue]:
        """JSON-safe form; only the media in `keep` when given."""
        rows: dict[str, JSONValue] = {
            media: count for media, count in self.read.items() if keep is None or media in keep
        }
        return {"read": rows}

    def mark(self, media_id: str, count: int | None) -> None:
        """Record that all of the media's comments were read while it had `count`."""
        self.read[media_id] = count
