"""Pinterest's answers in the sandbox: v5 board and pin resources and RSS feed items.

Resources follow the official v5 description (`shared/samples/pinterest/`): times in UTC
without an offset, images in four sizes, `pin_metrics` (`lifetime_metrics.comment` is the
comment count) only when asked for. Feed items follow the constructed sample: `title`,
`link` and `guid` = the pin page, HTML `description` = a linked 236x image + the
description, `pubDate` in GMT.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aggregator.sandbox.feeds import esc
from aggregator.sandbox.pinterest_world import PinterestWorld, SandboxBoard, SandboxPin


def board_json(world: PinterestWorld, board: SandboxBoard, at: datetime) -> dict[str, Any]:
    """A board as `GET /v5/boards` lists it at `at`."""
    pins = world.visible_pins(at, board)
    modified = pins[0].created_at if pins else board.created_at
    return {
        "id": board.id,
        "created_at": api_time(board.created_at),
        "board_pins_modified_at": api_time(modified),
        "name": board.name,
        "description": board.description,
        "collaborator_count": 0,
        "pin_count": len(pins),
        "follower_count": 80 + len(pins) * 7,
        "media": {
            "image_cover_url": pins[0].image("400x300") if pins else None,
            "pin_thumbnail_urls": [p.image("150x150") for p in pins[:5]],
        },
        "owner": {"username": world.account.handle},
        "privacy": "PUBLIC",
    }


def pin_json(world: PinterestWorld, pin: SandboxPin, at: datetime, metrics: bool) -> dict[str, Any]:
    """A pin at `at` (its `pin_metrics` only when asked for)."""
    title, description = pin.texts(at)
    sizes = {"150x150": (150, 150), "400x300": (400, 300), "600x": (600, 900)}
    sizes["1200x"] = (1200, 1800)
    data: dict[str, Any] = {
        "id": pin.id,
        "created_at": api_time(pin.created_at),
        "link": f"https://www.hanbit-gu.example/news/view.do?seq={pin.post.seq}",
        "title": title,
        "description": description,
        "dominant_color": f"#{int(pin.id) % 0xFFFFFF:06X}",
        "alt_text": pin.post.title[:500],
        "creative_type": "REGULAR",
        "board_id": pin.board.id,
        "board_section_id": None,
        "board_owner": {"username": world.account.handle},
        "is_owner": True,
        "is_standard": True,
        "has_been_promoted": False,
        "parent_pin_id": None,
        "media": {
            "media_type": "image",
            "images": {
                size: {"width": w, "height": h, "url": pin.image(size)}
                for size, (w, h) in sizes.items()
            },
        },
    }
    if metrics:
        lifetime = pin.lifetime_metrics(at)
        keys = ("pin_click", "impression", "outbound_click")
        data["pin_metrics"] = {
            "90d": {key: lifetime[key] for key in keys},
            "lifetime_metrics": lifetime,
        }
    return data


def rss_item(pin: SandboxPin, at: datetime) -> str:
    """A pin as an RSS `<item>` (no author, comments or counts, as Pinterest's feeds)."""
    title, description = pin.texts(at)
    html = f'<a href="/pin/{pin.id}/"><img src="{pin.image("236x")}"></a>{esc(description)}'
    return (
        f"<item>\n<title>{esc(title)}</title>\n<link>{pin.url}</link>\n"
        f"<description>{esc(html)}</description>\n"
        f"<pubDate>{format_datetime(pin.created_at.astimezone(UTC), usegmt=True)}</pubDate>\n"
        f"<guid>{pin.url}</guid>\n</item>\n"
    )


def api_time(moment: datetime) -> str:
    """`2026-11-03T05:12:33` (UTC, no offset, as the API writes it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
