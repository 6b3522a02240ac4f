"""Paging of the sandbox's Pinterest v5 lists: page sizes and opaque bookmarks.

A boards bookmark carries the offset of the next board; a pins bookmark the (time, id)
of the last pin given, so deleting a pin between pages skips nothing. Bookmarks are
unpadded URL-safe base64; one this sandbox did not give out is a 400.
"""

from __future__ import annotations

import base64
import binascii

from aggregator.sandbox.pinterest_world import SandboxPin
from aggregator.sandbox.routing import SandboxRequest


def pin_key(pin: SandboxPin) -> tuple[int, int]:
    """A pin's place in a board's newest-first list: (time, id)."""
    return (int(pin.created_at.timestamp()), int(pin.id))


def page_size(request: SandboxRequest) -> int | None:
    """`page_size` (default 25, 1 to 250); None when out of range."""
    raw = request.param("page_size") or "25"
    size = int(raw) if raw.isdigit() else 0
    return size if 1 <= size <= 250 else None


def encode_bookmark(text: str) -> str:
    """An opaque bookmark for `text`."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(bookmark: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(bookmark + "=" * (-len(bookmark) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def boards_offset(bookmark: str | None) -> int | None:
    """The boards offset a bookmark names (0 without one); None when it is not ours."""
    if not bookmark:
        return 0
    text = _decode(bookmark) or ""
    number = text.removeprefix("o:")
    return int(number) if text.startswith("o:") and number.isdigit() else None


def pins_keyset(bookmark: str | None) -> tuple[int, int] | None:
    """The (time, id) after which a pins page starts; None without a bookmark.

    Raises:
        ValueError: the bookmark is not one this sandbox gave out.
    """
    if not bookmark:
        return None
    parts = (_decode(bookmark) or "").split(":")
    if len(parts) != 3 or parts[0] != "k" or not all(p.isdigit() for p in parts[1:]):
        raise ValueError(f"invalid bookmark {bookmark!r}")
    return int(parts[1]), int(parts[2])
