"""The Korean text of each message: subject, body, link. Never the resident's name or
handle, never unmasked text: at most the comment's first words after PII masking
(`notifications.excerpt: masked`), or none at all (`none`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aggregator import pii
from aggregator.config import Settings
from aggregator.deadlines import deadline_for
from connectors.registry import label as platform_label

PREFIX = "[SNS 소통]"
WEEKDAYS = "월화수목금토일"


@dataclass(frozen=True)
class Message:
    """One notification's subject and plain-text body."""

    subject: str
    body: str


def korean_time(value: datetime, timezone: str, with_time: bool = True) -> str:
    """`2026년 12월 4일 (금) 14:30` in the office's time zone."""
    local = value.astimezone(ZoneInfo(timezone))
    day = f"{local.year}년 {local.month}월 {local.day}일 ({WEEKDAYS[local.weekday()]})"
    return f"{day} {local:%H:%M}" if with_time else day


def link(settings: Settings, comment_id: int) -> str:
    """The item's address in the inbox (`web.public_url` + path; the path alone if unset)."""
    base = str(settings.web.public_url or "").rstrip("/")
    return f"{base}/comments/{comment_id}"


def excerpt(text: str, settings: Settings, names: Iterable[str | None] = ()) -> str | None:
    """The comment's first words after masking personal data and the author's `names`, or
    None (`excerpt: none`, empty text)."""
    if settings.notifications.excerpt == "none":
        return None
    masked_text = pii.mask(text)
    for name in sorted({n.strip().lstrip("@") for n in names if n and n.strip()}, key=len)[::-1]:
        if len(name) >= 2:
            masked_text = masked_text.replace(name, "[이름 가림]")
    words = " ".join(masked_text.split())
    limit = settings.notifications.excerpt_chars
    if len(words) <= limit:
        return words or None
    cut = words[:limit].rsplit(" ", 1)[0] if " " in words[:limit] else words[:limit]
    return cut + "…"


def item_lines(facts: dict[str, Any], settings: Settings) -> list[str]:
    """What a message says about the item: where, when, due, the masked excerpt, the link."""
    zone = settings.timezone
    platform = platform_label(facts["platform"])
    account = facts["display_name"] or _configured_name(settings, facts["account"])
    due = facts["deadline"] or deadline_for(
        facts["created_at"], settings.review.deadline_business_days, zone
    )
    lines = [
        f"항목: {platform} · {account} · 댓글 #{facts['id']}",
        f"작성: {korean_time(facts['created_at'], zone)}",
        f"기한: {korean_time(due - timedelta(seconds=1), zone, with_time=False)}까지",
    ]
    if facts["department"]:
        lines.append(f"담당부서: {facts['department']}")
    names = (facts.get("author_name"), facts.get("author_handle"))
    words = excerpt(facts["text"] or "", settings, names)
    if words:
        lines.append(f"내용(일부, 개인정보 가림): {words}")
    lines.append(f"바로가기: {link(settings, facts['id'])}")
    return lines


def _configured_name(settings: Settings, account: str) -> str:
    """The account's `display_name` from config (else its name)."""
    for configured in settings.accounts:
        if configured.name == account:
            return configured.display_name or account
    return account


def compose(
    headline: str, details: list[str], facts: dict[str, Any], settings: Settings
) -> Message:
    """A message about one item: `headline` as subject and first line, then details."""
    subject = f"{PREFIX} {headline} (#{facts['id']})"
    body = "\n".join([headline, "", *details, *item_lines(facts, settings)])
    return Message(subject, body + "\n")


def masked(text: str | None, limit: int = 200) -> str:
    """Staff-written text (a transfer reason, an error) with any personal data masked."""
    return pii.mask((text or "").strip())[:limit]
