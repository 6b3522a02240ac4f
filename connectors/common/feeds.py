"""Safe fetching and parsing of RSS/Atom feeds: the one adapter around feedparser.

feedparser is never allowed near the network or the file system: bodies are fetched
with `aggregator.http.HttpClient` (timeouts, size cap, deadline, call counting) and
handed to `feedparser.parse` wrapped in `io.BytesIO` (given plain bytes that happen to
be a file path, feedparser opens that file). Before parsing, this module:

- rejects any feed whose prolog declares entities or references an external DTD
  (billion laughs, XXE): only a bare `<!DOCTYPE name>` is accepted. This scan is
  stricter than defusedxml (which this project does not use) and, unlike an expat-based
  check, also covers the malformed feeds that feedparser reads with its loose parser;
- transcodes Korean legacy encodings (EUC-KR and its superset CP949, however labelled)
  and UTF-16/32 to UTF-8, because feedparser turns CP949-only syllables in a feed
  labelled EUC-KR into windows-1252 mojibake;
- strips whitespace before the XML declaration (a common WordPress theme bug that
  would make feedparser fall back to its loose parser), silently: staff cannot fix it.

After parsing, `bozo` is a warning when entries were read, and a `ParseError` when the
document yielded nothing usable. Entries are returned as plain JSON-safe dicts
(`time.struct_time` becomes an ISO-8601 UTC string), so they can be stored as `raw`.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
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

log = logging.getLogger(__name__)

Entry = Mapping[str, Any]
"""One feed entry as plain JSON-safe data (keys as feedparser names them)."""

THREAD_NS = "http://purl.org/syndication/thread/1.0"
"""RFC 4685 (`thr:`); feedparser does not know it, so keys follow the document's prefix."""

KOREAN_LEGACY = frozenset(
    {"euc-kr", "euckr", "euc_kr", "cp949", "ms949", "uhc", "windows-949", "x-windows-949"}
    | {"ks_c_5601-1987", "ks_c_5601", "ksc5601", "ksc_5601", "korean", "ks_x_1001"}
)
_SIGNATURES = (
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"\x4c\x6f\xa7\x94", "cp037"),
)
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_TEXT_DECL_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")
_HARMLESS_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[^\s\[\]<>\"']+\s*>", re.IGNORECASE)
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
    data = _strip_leading_whitespace(data)
    check_prolog(data)
    headers = {"content-type": content_type or "application/xml"}
    if base_url:
        headers["content-location"] = base_url
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    return _checked(result)


def normalise_encoding(content: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """Transcode UTF-16/32, EBCDIC and Korean legacy encodings to UTF-8; check UTF-8.

    A feed labelled EUC-KR (or any CP949 alias) by its `Content-Type` charset or XML
    declaration is decoded as CP949 (a superset), unless the bytes are valid UTF-8.
    A feed labelled UTF-8 (or not labelled at all) must be valid UTF-8. Other feeds are
    returned unchanged for feedparser's own detection.

    Returns:
        The (possibly new) bytes and `Content-Type`.

    Raises:
        ParseError: the bytes are not valid in the feed's encoding (a cut or damaged
            body): refused rather than decoded into mojibake or replacement characters.
    """
    source = _source_encoding(content, content_type)
    if source is None:
        _check_utf8(content, content_type)
        return content, content_type
    text = _decoded(content, source)
    text = _TEXT_DECL_ENCODING.sub(r'\1"utf-8"', text.lstrip("\ufeff"), count=1)
    log.debug("transcoded feed from %s to utf-8", source)
    return text.encode("utf-8"), _with_utf8_charset(content_type)


def check_prolog(data: bytes) -> None:
    """Reject entity declarations, internal DTD subsets and external DTDs.

    Scans everything before the root element, skipping the XML declaration,
    processing instructions and comments. Only `<!DOCTYPE name>` is allowed.

    Raises:
        ParseError: naming what was found; nothing has been parsed or fetched.
    """
    pos = 3 if data.startswith(codecs.BOM_UTF8) else 0
    while (lt := data.find(b"<", pos)) >= 0:
        if data.startswith(b"<?", lt):
            pos = _after(data, b"?>", lt + 2)
        elif data.startswith(b"<!--", lt):
            pos = _after(data, b"-->", lt + 4)
        elif data.startswith(b"<!", lt):
            pos = _check_declaration(data, lt)
        elif _is_name_start(data[lt + 1 : lt + 2]):
            return
        else:
            pos = lt + 1


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


def _source_encoding(content: bytes, content_type: str | None) -> str | None:
    for signature, encoding in _SIGNATURES:
        if content.startswith(signature):
            return encoding
    labels = {_charset(content_type), _xml_declared_encoding(content)}
    if not labels & KOREAN_LEGACY:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "cp949"
    return "utf-8-sig"


def _decoded(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(_undecodable(encoding, exc)) from None


def _check_utf8(content: bytes, content_type: str | None) -> None:
    label = _charset(content_type) or _xml_declared_encoding(content) or "utf-8"
    if label.replace("_", "-") in ("utf-8", "utf8"):
        _decoded(content, "utf-8")


def _undecodable(encoding: str, exc: UnicodeDecodeError) -> str:
    shown = "UTF-8" if encoding.startswith("utf-8") else encoding
    return (
        f"feed is not valid {shown} (bad bytes at offset {exc.start}; a cut or damaged "
        "body): refused, nothing stored"
    )


def _charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'").lower()
    return None


def _xml_declared_encoding(content: bytes) -> str | None:
    match = _XML_DECL_ENCODING.match(content[:512].lstrip(codecs.BOM_UTF8))
    return match.group(1).decode("ascii").lower() if match else None


def _with_utf8_charset(content_type: str | None) -> str:
    media = (content_type or "application/xml").split(";", 1)[0].strip() or "application/xml"
    return f"{media}; charset=utf-8"


def _strip_leading_whitespace(data: bytes) -> bytes:
    """Drop whitespace before the XML declaration (a common WordPress theme/plugin bug)."""
    stripped = data.lstrip(b" \t\r\n")
    return stripped if stripped.startswith(b"<?xml") else data


def _check_declaration(data: bytes, lt: int) -> int:
    head = data[lt : lt + 9].upper()
    if head.startswith(b"<![CDATA["):
        return _after(data, b"]]>", lt + 9)
    if head.startswith(b"<!DOCTYPE"):
        harmless = _HARMLESS_DOCTYPE.match(data, lt)
        if harmless:
            return harmless.end()
        raise ParseError("feed declares a DTD (entities or an external DTD): refused, not parsed")
    if head.startswith(b"<!ENTITY"):
        raise ParseError("feed declares XML entities: refused, not parsed")
    raise ParseError("feed has an unexpected markup declaration before its root element")


def _after(data: bytes, marker: bytes, start: int) -> int:
    end = data.find(marker, start)
    return len(data) if end < 0 else end + len(marker)


def _is_name_start(char: bytes) -> bool:
    return bool(char) and (char.isalpha() or char in b"_:" or char[0] >= 0x80)


def _str_or_none(value: JSONValue) -> str | None:
    return value if isinstance(value, str) and value else None
