"""Text and dates of feed entries, shared by the feed platforms (blogs, Pinterest's RSS):
HTML to plain text, and entry times where a missing zone means Korean time."""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

from connectors.common.feeds import Entry

KST = timezone(timedelta(hours=9), "KST")
"""Dates without a zone (and the `KST` abbreviation feedparser reads as UTC) are Korean time."""

_ZONE = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*"  # a time of day, then maybe a zone
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{1,5})?(?:\s*\([^)]*\))?\s*$"
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags and scripts dropped, entities decoded.

    Block elements and `<br>` become line breaks; runs of spaces collapse.
    """
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return tidy("".join(extractor.parts))


def entry_time(entry: Entry, key: str) -> datetime | None:
    """The entry's `published`/`updated` time as aware UTC.

    An explicit offset or UTC marker is trusted (feedparser already converted it);
    no zone, or `KST`, means Korean time (UTC+9). Unparseable dates give None.
    """
    raw = clean_str(entry.get(key))
    parsed = clean_str(entry.get(f"{key}_parsed"))
    match = _ZONE.search(raw) if raw else None
    zone = match.group("zone") if match else None
    if raw and (zone is None or zone.upper() == "KST"):
        wall = _wall_clock(raw, parsed)
        return wall.replace(tzinfo=KST).astimezone(UTC) if wall else None
    return datetime.fromisoformat(parsed).astimezone(UTC) if parsed else None


def _wall_clock(raw: str, parsed: str | None) -> datetime | None:
    if parsed:
        return datetime.fromisoformat(parsed).replace(tzinfo=None)
    fields = email.utils.parsedate(raw)
    return datetime(*fields[:6]) if fields else None


def tidy(text: str) -> str:
    """Spaces collapsed within lines; empty lines dropped."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def clean_str(value: Any) -> str:
    """A feed value as stripped text; anything but a string gives ""."""
    return value.strip() if isinstance(value, str) else ""
