"""Jinja2 for the inbox: autoescape always on, and filters for dates, links and PII.

Every comment on screen was written by a stranger: templates never mark resident
content safe; links pass `safe_url`, which lets only http(s) through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from aggregator import pii
from aggregator.search_text import MAX_QUERY_WORDS, words
from aggregator.web import history_text, labels
from aggregator.web.labels import PLATFORM_LABELS

TEMPLATES = Path(__file__).resolve().parent / "templates"


def safe_url(value: object) -> str | None:
    """The URL when it is http(s) with a host; None for javascript:, data:, relative..."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if any(ord(ch) < 0x20 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def highlight(text: str, query: str) -> Markup:
    """`text` escaped, with each word of the search `query` in it marked (`<mark>`).

    Only the marks are markup: the text and the matched words pass `escape`, so a
    search for `<script>` marks the word and never makes a tag.
    """
    terms = {w for w in words(query)[:MAX_QUERY_WORDS] if len(w) > 1 or not w.isdigit()}
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))), re.I)
    parts: list[Markup] = []
    last = 0
    for found in pattern.finditer(text):
        parts += [escape(text[last : found.start()]), Markup("<mark>%s</mark>") % found.group()]
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def make_templates(timezone: str) -> Jinja2Templates:
    """The template renderer, with autoescaping on for every template."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(_date_filters(ZoneInfo(timezone)))
    env.filters.update(_label_filters(timezone))
    env.filters.update(_content_filters())
    env.globals["platform_names"] = tuple(PLATFORM_LABELS)
    return Jinja2Templates(env=env)


def _date_filters(zone: ZoneInfo) -> dict[str, Callable[..., str]]:
    """Times as staff read them, in the office's zone: `kst`, `kst_short`, `kst_seconds`
    and `due`."""

    def kst(value: datetime | None, fmt: str | None = None) -> str:
        """`2026년 12월 4일 (금) 14:30` in the office's zone (or `fmt`, e.g. `%H:%M`)."""
        if not value:
            return ""
        local = value.astimezone(zone)
        return local.strftime(fmt) if fmt else labels.korean_datetime(local)

    def kst_short(value: datetime | None) -> str:
        """`12월 4일 (금) 14:30`: for lists, where the year is this year's."""
        return labels.korean_datetime(value.astimezone(zone), with_year=False) if value else ""

    def kst_seconds(value: datetime | None) -> str:
        """`2026년 12월 4일 (금) 14:30:05`: for the access log."""
        return labels.korean_datetime(value.astimezone(zone), seconds=True) if value else ""

    def due(value: datetime | None) -> str:
        if not value:
            return ""
        last = (value - timedelta(seconds=1)).astimezone(zone)
        return f"{last.month}월 {last.day}일 ({labels.WEEKDAYS[last.weekday()]})까지"

    return {"kst": kst, "kst_short": kst_short, "kst_seconds": kst_seconds, "due": due}


def _label_filters(timezone: str) -> dict[str, Callable[..., Any]]:
    """Recorded names, details and history lines as Korean words (times in `timezone`)."""
    return {
        "action_label": labels.action_label,
        "role_label": labels.role_label,
        "actor_label": labels.actor_label,
        "target_label": labels.target_label,
        "detail_text": lambda detail: history_text.detail_text(detail, timezone),
        "history_line": lambda event: history_text.history_line(event, timezone),
        "month_label": labels.month_label,
        "platform": lambda name: PLATFORM_LABELS.get(name, name),
    }


def _content_filters() -> dict[str, Callable[..., Any]]:
    """Residents' content made safe to show: links, personal data, search marks, length."""
    return {
        "safe_url": safe_url,
        "masked": lambda text: pii.mask(text or ""),
        "pii_kinds": lambda text: pii.kinds(text or ""),
        "highlight": highlight,
        "short": lambda text, n=140: text if len(text) <= n else text[: n - 1] + "…",
    }
