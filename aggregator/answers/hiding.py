"""Hiding a resident's comment on its platform too ("플랫폼에서도 숨김"): pure rules and
the words staff see, no SQL.

Setting 숨김 (with its MOIS reason) may ask, as an explicit second choice, for the comment
to be hidden upstream where the platform can (Facebook `is_hidden`, Instagram `hide`,
X hide reply, WordPress hold, YouTube `setModerationStatus` rejected) and the account has a
write credential. Leaving 숨김 unhides it again.
Each wish is a `platform_action` row (queued -> done | failed; an older queued wish is
superseded by a newer one), carried out by the answers worker, never by the web request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aggregator.config import AnyAccount
from connectors.common.reply import RETRYABLE

HIDE, UNHIDE = "hide", "unhide"
DONE, FAILED = "done", "failed"

NOT_CONFIGURED = "설정(config.yaml)에 없는 계정이라 플랫폼에서 숨길 수 없습니다."
NO_API = "이 플랫폼은 댓글 숨김 API가 없어 플랫폼에서 숨길 수 없습니다(구청 검토함에서만 숨김)."
MANUAL = "직접 입력한 댓글이라 플랫폼에서 숨길 수 없습니다."
NO_CREDENTIAL = (
    "이 계정에 글쓰기 토큰이 설정되지 않아 플랫폼에서 숨길 수 없습니다(관리자에게 문의)."
)
DISABLED = "이 계정은 사용 중지되어 플랫폼에서 숨길 수 없습니다."


@dataclass(frozen=True)
class UpstreamView:
    """What the thread shows of a comment's upstream state."""

    label: str
    css: str
    message: str | None = None
    retry: bool = False
    """A failed request: staff may try again."""
    hidden: bool = False
    """Hidden (or being hidden) upstream: staff may unhide."""


def hide_refusal(account: AnyAccount | None, writable: bool, manual_entry: bool) -> str | None:
    """Why a comment of `account` cannot be hidden upstream, or None when it can;
    `writable`: the account has a write credential (`connectors.writers.can_write`)."""
    if manual_entry:
        return MANUAL
    if account is None:
        return NOT_CONFIGURED
    if not account.has_write_api():
        return NO_API
    if not account.enabled:
        return DISABLED
    return None if writable else NO_CREDENTIAL


def view(latest: Mapping[str, Any] | None) -> UpstreamView | None:
    """The upstream state of a comment from its latest request, or None when staff never
    asked for anything on the platform."""
    if latest is None:
        return None
    hide = latest["action"] == HIDE
    state = latest["state"]
    if state == DONE:
        if hide:
            return UpstreamView("플랫폼에서 숨김됨", "done", hidden=True)
        return UpstreamView("플랫폼에서 숨김 해제됨", "done")
    if state == FAILED:
        label = "플랫폼 숨김 실패" if hide else "플랫폼 숨김 해제 실패"
        return UpstreamView(label, "failed", latest["error_staff_message"], retry=True, hidden=hide)
    label = "플랫폼 숨김 요청 중" if hide else "플랫폼 숨김 해제 요청 중"
    return UpstreamView(label, "queued", latest["error_staff_message"], hidden=hide)


def unhide_needed(latest: Mapping[str, Any] | None) -> bool:
    """Whether leaving 숨김 must unhide upstream: a hide was asked and may have happened
    (queued, done, or failed on an error after which it may have been applied)."""
    if latest is None or latest["action"] != HIDE:
        return False
    if latest["state"] != FAILED:
        return True
    return latest["error_kind"] in {kind.value for kind in RETRYABLE}
