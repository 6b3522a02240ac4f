"""Where on the platform an answer goes: the `ReplyTarget` of a stored comment.

- Facebook: Graph threads are two levels deep, so a reply to a reply goes under its
  top-level comment (the stored parent, when the parent is a comment and not a visitor
  post); a top-level comment is answered under itself.
- X: the resident's tweet id (our external id is the first id of its edit chain).
- WordPress: the comment number and post number from `wp:{host}:comment:{n}` and
  `wp:{host}:post:{n}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from connectors.common.reply import ReplyTarget


def reply_target(row: Mapping[str, Any]) -> ReplyTarget | None:
    """The target of a comment row (`aggregator.store.answers.target_row`), or None when
    the comment cannot be answered through an API (hand-entered, Naver, ...)."""
    if row["manual_entry"]:
        return None
    platform = row["platform"]
    if platform == "facebook":
        under_parent = bool(row["parent_is_comment"])
        return _target(row, row["parent_external_id"] if under_parent else row["external_id"])
    if platform == "twitter":
        return _target(row, row["external_id"])
    if platform == "blog":
        comment_number = _wordpress_number(row["external_id"], "comment")
        post_number = _wordpress_number(row["post_external_id"] or "", "post")
        if comment_number is None or post_number is None:
            return None
        return _target(row, comment_number, post_number)
    return None


def hide_target(row: Mapping[str, Any]) -> ReplyTarget | None:
    """The target of hiding the comment itself (not the thread a reply goes under), or
    None when it cannot be moderated through an API."""
    target = reply_target(row)
    if target is None or row["platform"] != "facebook":
        return target
    return replace(target, platform_comment_id=row["external_id"])


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
