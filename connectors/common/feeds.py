"""Safe fetching and parsing of RSS/Atom feeds: the one adapter around feedparser.

feedparser is never allowed near the network or the file system: bodies are fetched
with `aggregator.http.HttpClient` (timeouts, size cap, deadline, call counting) and
handed to `feedparser.parse` wrapped in `io.BytesIO` (given plain bytes that happen to
be a file path, feedparser opens that file). Before parsing, the body

- is transcoded to UTF-8 from Korean legacy encodings (EUC-KR and its superset CP949,
  however labelled) and UTF-16/32 (`connectors.common.feed_encoding`);
- loses the whitespace before its XML declaration, and is refused when its prolog
  declares entities or references an external DTD (billion laughs, XXE): only a bare
  `<!DOCTYPE name>` is accepted (`connectors.common.feed_prolog`).

After parsing, `bozo` is a warning when entries were read, and a `ParseError` when the
document yielded nothing usable. Entries are returned as plain JSON-safe dicts
(`time.struct_time` becomes an ISO-8601 UTC string), so they can be stored as `raw`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import feedparser

from aggregator.connector import ConnectorError, FetchError, ParseError, RateLimited
from aggregator.http import HttpClient, Response
from aggregator.http_retry import throttle_hint
from aggregator.records import JSONValue
from aggregator.redaction import redact_url
from connectors.common.feed_encoding import normalise_encoding
from connectors.common.feed_prolog import check_prolog, strip_leading_whitespace

Entry = Mapping[str, Any]
"""One feed entry as plain JSON-safe data (keys as feedparser names them)."""

THREAD_NS = "http://purl.org/syndication/thread/1.0"
"""RFC 4685 (`thr:`); feedparser does not know it, so keys follow the document's prefix."""

_SOFT_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
"""Bozo reasons about labels, not structure: a feed with them but no entries is just empty."""


class FeedGone(ConnectorError):
    """The server answered 410 Gone: the feed was removed and must not be polled again."""


class FeedHttpError(FetchError):
    """The server refused the feed with a 4xx status (other than 410 and 429)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.http_status = status


@dataclass(frozen=True)
class FeedCursor:
    """Where a feed is read from and its validators for conditional GET."""

    url: str
    configured_url: str
    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def load(cls, value: JSONValue, configured_url: str) -> FeedCursor:
        """Read a stored cursor; a cursor written for another configured URL is ignored."""
        if not isinstance(value, Mapping) or value.get("configured_url") != configured_url:
            return cls(url=configured_url, configured_url=configured_url)
        url = value.get("url")
        return cls(
            url=url if isinstance(url, str) and url else configured_url,
            configured_url=configured_url,
            etag=_str_or_none(value.get("etag")),
            last_modified=_str_or_none(value.get("last_modified")),
        )

    def request_headers(self) -> dict[str, str]:
        """The conditional-GET headers for the stored validators."""
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def dump(self) -> dict[str, JSONValue]:
        """The JSON-safe form stored by the sync engine."""
        return {
            "url": self.url,
            "configured_url": self.configured_url,
            "etag": self.etag,
            "last_modified": self.last_modified,
        }


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: channel data, entries (plain dicts) and parse warnings."""

    feed: Entry
    entries: tuple[Entry, ...]
    version: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedFetch:
    """The outcome of one conditional GET of a feed."""

    cursor: FeedCursor
    parsed: ParsedFeed | None
    api_calls: int
    warnings: tuple[str, ...] = ()
    moved: bool = False
    """True when a 301/308 led to `cursor.url`; `parsed` is None when the answer was 304."""


def fetch_feed(http: HttpClient, cursor: FeedCursor, *, conditional: bool = True) -> FeedFetch:
    """GET a feed (conditionally) and parse it; raise typed errors for bad answers.

    Args:
        http: the run's HTTP client; the only way this module touches the network.
        cursor: where to fetch and the stored validators.
        conditional: send `If-None-Match`/`If-Modified-Since` from the cursor.

    Raises:
        FeedGone: on 410. RateLimited: on a 429 not to be waited out (`HttpClient.get`
            waits when it fits the run). FeedHttpError: on other 4xx.
        FetchError: on network failures, 5xx, oversized bodies. ParseError: on unusable bodies.
    """
    before = http.calls
    headers = cursor.request_headers() if conditional else {}
    response = http.get(cursor.url, headers=headers)
    calls = http.calls - before
    moved_to = response.moved_permanently_to
    warnings = (_moved_warning(cursor.url, moved_to),) if moved_to else ()
    if response.status == 304:
        kept = replace(cursor, url=moved_to) if moved_to else cursor
        return FeedFetch(kept, None, calls, warnings, moved=bool(moved_to))
    raise_for_status(response, cursor.url)
    parsed = parse_feed_bytes(response.content, response.header("Content-Type"), response.url)
    new_cursor = FeedCursor(
        url=moved_to or cursor.url,
        configured_url=cursor.configured_url,
        etag=response.header("ETag"),
        last_modified=response.header("Last-Modified"),
    )
    return FeedFetch(new_cursor, parsed, calls, warnings + parsed.warnings, moved=bool(moved_to))


def parse_feed_bytes(content: bytes, content_type: str | None, base_url: str | None) -> ParsedFeed:
    """Parse a fetched feed body safely; see the module docstring for the steps.

    Args:
        content: the response body exactly as received.
        content_type: the response's `Content-Type` header, if any.
        base_url: the address the body came from (for resolving relative links).

    Raises:
        ParseError: entity/DTD tricks, or a body that yields no usable feed.
    """
    if not content.strip():
        raise ParseError("feed body is empty")
    data, content_type = normalise_encoding(content, content_type)
    data = strip_leading_whitespace(data)
    check_prolog(data)
    headers = {"content-type": content_type or "application/xml"}
    if base_url:
        headers["content-location"] = base_url
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    return _checked(result)


def display_url(url: str) -> str:
    """A URL as shown in messages: `aggregator.redaction.redact_url` (no query, no user info)."""
    return redact_url(url)


def to_plain(value: Any) -> JSONValue:
    """Convert feedparser output to JSON-safe data (`struct_time` -> ISO-8601 UTC string)."""
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in dict.items(value)}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _checked(result: Any) -> ParsedFeed:
    namespaces = dict(result.get("namespaces") or {})
    entries = tuple(_plain_entry(entry, namespaces) for entry in result.get("entries", []))
    version = str(result.get("version") or "")
    warnings: tuple[str, ...] = ()
    if result.get("bozo"):
        exc = result.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}"
        soft = isinstance(exc, _SOFT_BOZO) and bool(version)
        if not entries and not soft:
            raise ParseError(f"feed is not well-formed and has no readable entries ({problem})")
        warnings = (f"feed is not well-formed; kept {len(entries)} entries ({problem})",)
    elif not version and not entries:
        raise ParseError("body is not an RSS or Atom feed")
    feed = to_plain(result.get("feed", {}))
    return ParsedFeed(feed if isinstance(feed, dict) else {}, entries, version, warnings)


def _plain_entry(entry: Any, namespaces: Mapping[str, str]) -> dict[str, Any]:
    """Plain dict of an entry, with RFC 4685 keys renamed to `thr_*` whatever the prefix."""
    plain = to_plain(entry)
    result: dict[str, Any] = plain if isinstance(plain, dict) else {}
    for prefix, uri in namespaces.items():
        if uri.rstrip("/") == THREAD_NS and prefix and prefix != "thr":
            for suffix in ("in-reply-to", "total"):
                if f"{prefix}_{suffix}" in result:
                    result[f"thr_{suffix}"] = result.pop(f"{prefix}_{suffix}")
    return result


def raise_for_status(response: Response, url: str) -> None:
    """Raise the typed error for a non-2xx answer (see `fetch_feed`)."""
    status, shown = response.status, display_url(url)
    if 200 <= status < 300:
        return
    if status == 410:
        raise FeedGone(f"{shown} is gone (HTTP 410): stop polling it and update the account")
    if status == 429:
        seconds = throttle_hint(response.headers)
        raise RateLimited(f"{shown}: HTTP 429 Too Many Requests", seconds)
    if 400 <= status < 500:
        raise FeedHttpError(f"{shown}: HTTP {status} (feed not available)", status)
    raise FetchError(f"{shown}: unexpected HTTP {status}")


def _moved_warning(old: str, new: str) -> str:
    return (
        f"feed moved permanently from {display_url(old)} to {display_url(new)}; "
        "now reading the new address (update feed_url in the configuration)"
    )


def _str_or_none(value: JSONValue) -> str | None:
    return value if isinstance(value, str) and value else None
