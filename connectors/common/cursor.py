"""Reading stored cursors, in one place: what a run stored is JSON that a crash, an older
version or a hand edit may have left in any shape, so every reader here is total.

A value of the wrong shape reads as absent (an empty mapping, no strings, None): the
connector then reads that stream as on a first run, which re-reads and upserts instead
of losing anything. Each platform's typed cursor model (`connectors/<platform>/cursor.py`)
is built from these readers and dumps itself back to JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

from aggregator.records import JSONValue

T = TypeVar("T")
EMPTY: Mapping[str, JSONValue] = {}


def as_mapping(value: JSONValue) -> Mapping[str, JSONValue]:
    """The stored value as a mapping; empty when it is anything else."""
    return value if isinstance(value, Mapping) else EMPTY


def stream(cursors: Mapping[str, JSONValue], name: str) -> Mapping[str, JSONValue]:
    """Stream `name`'s cursor as a mapping; empty when absent or malformed."""
    return as_mapping(cursors.get(name))


def strings(value: JSONValue) -> list[str]:
    """The strings of a stored list, in order; nothing when it is not a list."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def int_or_none(value: JSONValue) -> int | None:
    """A stored integer, else None."""
    return value if isinstance(value, int) else None


def str_or_none(value: JSONValue) -> str | None:
    """A stored non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def rows(value: JSONValue, width: int) -> list[list[JSONValue]]:
    """The rows of a stored list of `width`-long lists; other items are skipped."""
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, list) and len(row) == width]


def watermark(value: JSONValue, parse: Callable[[JSONValue], T | None]) -> T | None:
    """A stream cursor's `watermark` parsed with `parse`; None when absent or malformed."""
    return parse(as_mapping(value).get("watermark"))


def iso(value: datetime | None) -> str | None:
    """A time as stored in cursors (ISO 8601), None as None."""
    return value.isoformat() if value else None
