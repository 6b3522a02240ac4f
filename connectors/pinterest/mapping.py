"""Pure mapping of Pinterest pins (API v5 JSON and public RSS entries) to records.

Ids: a pin is `pin:{id}`, its numeric id taken from the API's `id` or from the RSS
`guid`/`link` (`https://www.pinterest.com/pin/{id}/`), so a pin read by the API and
by RSS is the same post. The post's `url` is the pin's public page in both cases; the
pin's destination `link` (where the pin leads) stays in `raw`, as do the media URLs
(`media_url` finds the largest image in either kind of raw payload).

Text: `title` (None when empty) and the description as plain text, with runs of
spaces collapsed and blank lines dropped, so API and RSS give the same content hash.

Counts: `pin_metrics.lifetime_metrics.comment` becomes `comment_count` (None when the
API gives no lifetime metrics, and always None from RSS); the integer lifetime metrics
become `metrics`. Pinterest never gives comment text, so every pin has
`comments_readable=False`.

Times: API `created_at` is ISO-8601, read as UTC when it carries no offset; RSS
`pubDate` is GMT.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from aggregator.records import PostRecord
from connectors.common.feed_text import entry_time, html_to_text
from connectors.common.feeds import Entry

PIN_PAGE = "https://www.pinterest.com/pin/{id}/"
IMAGE_SIZES = ("1200x", "600x", "400x300", "150x150")
"""Pin image variants of the v5 `ImageSize` schema, largest first."""
_PIN_PATH = re.compile(r"/pin/(\d+)/?$")
_DIGITS = re.compile(r"^\d+$")

Pin = Mapping[str, Any]
"""One pin as the API returns it (the `Pin` schema; only `id` is required)."""


def pin_external_id(pin_id: str) -> str:
    """The stored id of a pin: `pin:{numeric id}` (the same by API and by RSS)."""
    return f"pin:{pin_id}"


def pin_page_url(pin_id: str) -> str:
    """The pin's public page, `https://www.pinterest.com/pin/{id}/`."""
    return PIN_PAGE.format(id=pin_id)


def pin_id_from_url(url: str | None) -> str | None:
    """The numeric pin id of a pin page URL (`.../pin/{id}/`, any host), else None."""
    if not url:
        return None
    match = _PIN_PATH.search(urlsplit(url.strip()).path)
    return match.group(1) if match else None


def api_pin_id(pin: Pin) -> str | None:
    """The pin's numeric id from an API payload, or None when it has none."""
    value = pin.get("id")
    return value if isinstance(value, str) and _DIGITS.match(value) else None


def rss_pin_id(entry: Entry) -> str | None:
    """The pin's numeric id from an RSS entry's guid, else its link."""
    return pin_id_from_url(_text(entry.get("id"))) or pin_id_from_url(_text(entry.get("link")))


def parse_api_time(value: Any) -> datetime | None:
    """An API date-time as aware UTC; no offset means UTC; unparseable gives None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def lifetime_metrics(pin: Pin) -> dict[str, int]:
    """The integer lifetime metrics of a pin (`pin_metrics.lifetime_metrics`), else {}."""
    metrics = pin.get("pin_metrics")
    lifetime = metrics.get("lifetime_metrics") if isinstance(metrics, Mapping) else None
    if not isinstance(lifetime, Mapping):
        return {}
    return {
        str(key): value
        for key, value in lifetime.items()
        if isinstance(value, int) and not isinstance(value, bool)
    }


def comment_count(pin: Pin) -> int | None:
    """The pin's comment count (lifetime metrics), or None when the API gave none."""
    return lifetime_metrics(pin).get("comment")


def media_url(raw: Mapping[str, Any]) -> str | None:
    """The largest image of a pin: from API `media`, else from an RSS description's `<img>`."""
    media = raw.get("media")
    if isinstance(media, Mapping):
        found = _largest_image(media.get("images")) or _text(media.get("cover_image_url"))
        items = media.get("items")
        if not found and isinstance(items, list) and items and isinstance(items[0], Mapping):
            found = _largest_image(items[0].get("images")) or _text(items[0].get("cover_image_url"))
        return found or None
    summary = raw.get("summary")
    return _first_img_src(summary) if isinstance(summary, str) else None


def api_error(body: bytes) -> tuple[int | None, str]:
    """`(code, message)` of a Pinterest error body `{"code": int, "message": str}`.

    A body that is not such JSON gives `(None, "")`.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, ""
    if not isinstance(data, Mapping):
        return None, ""
    code = data.get("code")
    message = data.get("message")
    return (
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        " ".join(message.split())[:300] if isinstance(message, str) else "",
    )


def to_post(pin: Pin, *, owner: str, source_url: str | None, fetched_at: datetime) -> PostRecord:
    """Map an API pin to a `PostRecord` (created_at falls back to `fetched_at`).

    Args:
        pin: one `Pin` payload; must have a numeric `id` (see `api_pin_id`).
        owner: the account's username, used when the pin names no board owner.
        source_url: the API page the pin came from (kept as provenance).
        fetched_at: when it was read.

    Raises:
        ValueError: the pin has no numeric id.
    """
    pin_id = api_pin_id(pin)
    if pin_id is None:
        raise ValueError("Pinterest pin without a numeric id")
    board_owner = pin.get("board_owner")
    username = board_owner.get("username") if isinstance(board_owner, Mapping) else None
    return PostRecord(
        platform="pinterest",
        external_id=pin_external_id(pin_id),
        created_at=parse_api_time(pin.get("created_at")) or fetched_at,
        title=_tidy(_text(pin.get("title"))) or None,
        text=_tidy(_text(pin.get("description"))),
        url=pin_page_url(pin_id),
        author_name=_text(username) or owner,
        comment_count=comment_count(pin),
        metrics=lifetime_metrics(pin),
        raw=dict(pin),
        source_url=source_url,
        comments_readable=False,
    )


def rss_to_post(
    entry: Entry, *, owner: str, source_url: str | None, fetched_at: datetime
) -> PostRecord:
    """Map a profile or board RSS entry to a `PostRecord` (no counts: RSS has none).

    Raises:
        ValueError: neither guid nor link names a pin (see `rss_pin_id`).
    """
    pin_id = rss_pin_id(entry)
    if pin_id is None:
        raise ValueError("Pinterest RSS entry without a pin link")
    return PostRecord(
        platform="pinterest",
        external_id=pin_external_id(pin_id),
        created_at=entry_time(entry, "published") or fetched_at,
        title=_tidy(_text(entry.get("title"))) or None,
        text=html_to_text(_text(entry.get("summary"))),
        url=pin_page_url(pin_id),
        author_name=owner,
        comment_count=None,
        raw=dict(entry),
        source_url=source_url,
        comments_readable=False,
    )


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.src: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and self.src is None:
            self.src = next((value for name, value in attrs if name == "src" and value), None)


def _first_img_src(html: str) -> str | None:
    finder = _ImageFinder()
    finder.feed(html)
    finder.close()
    return finder.src


def _largest_image(images: Any) -> str:
    if not isinstance(images, Mapping):
        return ""
    for size in IMAGE_SIZES:
        detail = images.get(size)
        if isinstance(detail, Mapping) and _text(detail.get("url")):
            return _text(detail.get("url"))
    return ""


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
