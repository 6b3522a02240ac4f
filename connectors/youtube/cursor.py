"""The YouTube connector's cursors, loaded and dumped here (readers:
`connectors.common.cursor`).

    uploads:     {"watermark": ISO time of the newest video stored, "ids": [video ids],
                  "playlist": the uploads playlist id}
    video:{id}:  {"count": commentCount when last read, "newest": ISO time of the newest
                  thread stored, "replies": {thread id: totalReplyCount}, "disabled": bool}
    quota:       {"day": "YYYY-MM-DD" (Pacific), "units": n, "limit": n}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from aggregator.records import JSONValue
from connectors.common.cursor import as_mapping, int_or_none, iso, str_or_none, strings
from connectors.youtube.mapping import parse_time

UPLOADS, QUOTA = "uploads", "quota"
VIDEO_PREFIX = "video:"


def video_stream(video_id: str) -> str:
    """The cursor stream of one video's comments."""
    return f"{VIDEO_PREFIX}{video_id}"


@dataclass(frozen=True)
class UploadsCursor:
    """The videos known and the publication time of the newest."""

    watermark: datetime | None = None
    ids: tuple[str, ...] = ()
    playlist: str | None = None
    """The uploads playlist (`UU…`), from `channels.list` on the first run."""

    @classmethod
    def load(cls, value: JSONValue) -> UploadsCursor:
        """Read the stored cursor (empty when absent or malformed)."""
        stored = as_mapping(value)
        return cls(
            parse_time(stored.get("watermark")),
            tuple(strings(stored.get("ids"))),
            str_or_none(stored.get("playlist")),
        )

    def dump(self) -> dict[str, JSONValue]:
        """The JSON-safe form."""
        ids: list[JSONValue] = list(self.ids)
        return {"watermark": iso(self.watermark), "ids": ids, "playlist": self.playlist}


@dataclass(frozen=True)
class VideoCursor:
    """What was read of one video's comments."""

    count: int | None = None
    newest: datetime | None = None
    replies: dict[str, int] = field(default_factory=dict)
    disabled: bool = False

    @classmethod
    def load(cls, value: JSONValue) -> VideoCursor:
        """Read the stored cursor (as never read when absent or malformed)."""
        stored = as_mapping(value)
        replies = as_mapping(stored.get("replies"))
        return cls(
            int_or_none(stored.get("count")),
            parse_time(stored.get("newest")),
            {k: v for k, v in replies.items() if isinstance(v, int) and not isinstance(v, bool)},
            stored.get("disabled") is True,
        )

    def dump(self) -> dict[str, JSONValue]:
        """The JSON-safe form."""
        replies: dict[str, JSONValue] = dict(sorted(self.replies.items()))
        return {
            "count": self.count,
            "newest": iso(self.newest),
            "replies": replies,
            "disabled": self.disabled,
        }


def load_videos(cursors: Mapping[str, JSONValue], ids: tuple[str, ...]) -> dict[str, VideoCursor]:
    """The stored cursor of each video in `ids`."""
    return {vid: VideoCursor.load(cursors.get(video_stream(vid))) for vid in ids}
