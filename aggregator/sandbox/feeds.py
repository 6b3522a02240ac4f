"""Shared pieces of every feed response: XML escaping, dates, ETag and conditional GET.

Every feed carries a strong `ETag` (hash of the body) and `Last-Modified` (its newest
item); `If-None-Match` wins over `If-Modified-Since` (RFC 9110 13.2.2), and a match
answers `304 Not Modified` with no body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from email.utils import format_datetime, parsedate_to_datetime

from aggregator.sandbox.routing import SandboxRequest, SandboxResponse

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#039;"}
_ESCAPE = re.compile("[&<>\"']")


def esc(text: str) -> str:
    """Escape text for XML element content or attributes (also valid HTML)."""
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group()], _INVALID_XML.sub("", text))


def cdata(text: str) -> str:
    """Wrap text in a CDATA section, splitting any `]]>` inside it."""
    safe = _INVALID_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{safe}]]>"


def html_paragraphs(paragraphs: Iterable[str]) -> str:
    """Paragraphs as HTML the way WordPress's wpautop renders them: `<p>` and `<br />`."""
    return "".join(
        "<p>" + "<br />\n".join(esc(line) for line in p.split("\n")) + "</p>\n" for p in paragraphs
    )


def rfc822(moment: datetime, zone: tzinfo = UTC) -> str:
    """`Fri, 20 Nov 2026 09:00:00 +0900` in `zone` (RSS pubDate)."""
    return format_datetime(moment.astimezone(zone))


def iso_z(moment: datetime) -> str:
    """`2026-11-20T00:00:00Z` (Atom dates as WordPress writes them)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def etag_of(body: bytes) -> str:
    """A strong ETag for the body."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def not_modified(request: SandboxRequest, etag: str, last_modified: datetime) -> bool:
    """True when the client's validators show it already has this representation."""
    tags = request.header("if-none-match")
    if tags is not None:
        listed = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in listed or etag in listed
    since = request.header("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= when


def feed_response(
    request: SandboxRequest, body: bytes, content_type: str, last_modified: datetime
) -> SandboxResponse:
    """200 with the feed and its validators, or 304 when the client's copy is current."""
    etag = etag_of(body)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(last_modified.astimezone(UTC), usegmt=True),
        "Cache-Control": "max-age=0, must-revalidate",
    }
    if not_modified(request, etag, last_modified):
        return SandboxResponse(304, b"", headers)
    return SandboxResponse(200, body, {"Content-Type": content_type, **headers})
