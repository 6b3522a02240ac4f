"""Where on the platform an answer goes: the `ReplyTarget` of a stored comment.

Each platform declares it once (`connectors.spec.Answering.reply_under` on its spec):

- `top_level` (Facebook, Instagram, YouTube): threads are two levels deep, so a reply
  to a reply goes under its top-level comment (the stored parent, when the parent is a
  comment and not a post); a top-level comment is answered under itself. Hiding always
  targets the comment itself.
- `comment` (X): the resident's tweet id (our external id is the first id of its edit
  chain).
- `wordpress` (the blog platform's `wp:` comments): the comment number and post number
  from `wp:{host}:comment:{n}` and `wp:{host}:post:{n}`.

Platforms that declare no `answering` (Naver Blog, Tistory, Pinterest) and hand-entered
comments have no target: their answers are copied and confirmed by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from connectors.common.reply import ReplyTarget
from connectors.registry import PLATFORMS
from connectors.spec import Answering


def reply_target(row: Mapping[str, Any]) -> ReplyTarget | None:
    """The target of a comment row (`aggregator.store.answers.target_row`), or None when
    the comment cannot be answered through an API (hand-entered, Naver, ...)."""
    answering = _answering(row)
    if answering is None:
        return None
    if answering.reply_under == "top_level":
        under_parent = bool(row["parent_is_comment"])
        return _target(row, row["parent_external_id"] if under_parent else row["external_id"])
    if answering.reply_under == "wordpress":
        comment_number = _wordpress_number(row["external_id"], "comment")
        post_number = _wordpress_number(row["post_external_id"] or "", "post")
        if comment_number is None or post_number is None:
            return None
        return _target(row, comment_number, post_number)
    return _target(row, row["external_id"])


def hide_target(row: Mapping[str, Any]) -> ReplyTarget | None:
    """The target of hiding the comment itself (not the thread a reply goes under), or
    None when it cannot be moderated through an API."""
    target = reply_target(row)
    answering = _answering(row)
    if target is None or answering is None or answering.reply_under != "top_level":
        return target
    return replace(target, platform_comment_id=row["external_id"])


def _answering(row: Mapping[str, Any]) -> Answering | None:
    """The platform's declared answering, when it applies to this stored comment."""
    if row["manual_entry"]:
        return None
    spec = PLATFORMS.get(row["platform"])
    answering = spec.answering if spec is not None else None
    if answering is None or not answering.applies_to(row["external_id"]):
        return None
    return answering


def _target(row: Mapping[str, Any], comment_id: str, post_id: str | None = None) -> ReplyTarget:
    return ReplyTarget(
        account=row["account"],
        comment_external_id=row["external_id"],
        platform_comment_id=comment_id,
        platform_post_id=post_id,
        author_handle=row["author_handle"],
    )


def _wordpress_number(external_id: str, kind: str) -> str | None:
    """`n` of a WordPress id `wp:{host}{path}:{kind}:{n}`, else None."""
    if not external_id.startswith("wp:"):
        return None
    head, _, number = external_id.rpartition(":")
    return number if head.endswith(f":{kind}") and number.isdigit() else None
