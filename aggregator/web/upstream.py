"""Which comments the web offers to hide on their platform too: the accounts with a
writer that can hide (`connectors.writers.can_write`), and the reason shown when not."""

from __future__ import annotations

from typing import Any

from aggregator.answers import hiding
from aggregator.config import Settings
from connectors.writers import can_write


def hide_refusal(settings: Settings, account_name: str, manual_entry: bool) -> str | None:
    """Why a comment of this account cannot be hidden upstream, or None when it can."""
    account = _account(settings, account_name)
    writable = account is not None and can_write(account)
    return hiding.hide_refusal(account, writable, manual_entry)


def hideable_accounts(settings: Settings) -> frozenset[str]:
    """Names of the accounts whose comments can be hidden on the platform."""
    return frozenset(
        a.name for a in settings.accounts if hiding.hide_refusal(a, can_write(a), False) is None
    )


def _account(settings: Settings, name: str) -> Any:
    return next((a for a in settings.accounts if a.name == name), None)
