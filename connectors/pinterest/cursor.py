"""The Pinterest connector's cursors, loaded and dumped here (readers:
`connectors.common.cursor`).

    boards:    `BoardsCursor`: the board ids known and the day they were listed
    board:{id}: {"watermark": ISO time of the newest pin of that board stored}
    pins:      an earlier version's single cursor ({"watermark", "boards"}), read once
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from aggregator.records import JSONValue
from connectors.common.cursor import iso, strings, watermark
from connectors.pinterest.mapping import parse_api_time

BOARDS, LEGACY_PINS = "boards", "pins"
BOARD_PREFIX = "board:"


def board_stream(board_id: str) -> str:
    """The cursor stream of one board's pins."""
    return f"{BOARD_PREFIX}{board_id}"


@dataclass(frozen=True)
class BoardsCursor:
    """The boards known from earlier runs, the day they were listed, and per board the
    creation time of its newest stored pin (None: read it to its end)."""

    watermarks: dict[str, datetime | None] = field(default_factory=dict)
    listed: str | None = None

    @classmethod
    def load(cls, cursors: Mapping[str, JSONValue]) -> BoardsCursor:
        """Read the stored cursors (empty when absent or malformed)."""
        value = cursors.get(BOARDS)
        if isinstance(value, Mapping):
            ids, listed = strings(value.get("ids")), value.get("listed")
            return cls(
                {b: load_board_mark(cursors.get(board_stream(b))) for b in ids},
                listed if isinstance(listed, str) else None,
            )
        legacy = cursors.get(LEGACY_PINS)
        if isinstance(legacy, Mapping):  # one watermark for all boards; list them again
            mark = parse_api_time(legacy.get("watermark"))
            return cls(dict.fromkeys(strings(legacy.get("boards")), mark))
        return cls()

    def dump(self) -> dict[str, JSONValue]:
        """The JSON-safe form stored by the sync engine."""
        return {"ids": sorted(self.watermarks), "listed": self.listed}


def load_board_mark(value: JSONValue) -> datetime | None:
    """A board's watermark; None when absent or malformed (read the board to its end)."""
    return watermark(value, parse_api_time)


def dump_board_mark(mark: datetime | None) -> dict[str, JSONValue]:
    """A board's cursor at `mark`."""
    return {"watermark": iso(mark)}
