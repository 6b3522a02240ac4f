"""Which `ReplyWriter` an account has: the platform's writer (its spec's `writer`) when a
write credential is configured, else None (staff copy the answer and confirm it by hand).

Each platform's settings model says whether the account has a write API
(`has_write_api`: Facebook, Instagram, X, WordPress blogs, YouTube) and a write credential
(`can_write`: Facebook's, Instagram's and YouTube's `write_access_token`, X's `write_with`,
WordPress's `write_username` and `write_app_password`). `can_write` answers without
building a writer (no HTTP client, no platform library imported), for the web's
copy-and-confirm choice.
"""

from __future__ import annotations

from typing import Any

from aggregator.http import HttpClient
from aggregator.settings_base import AccountBase
from connectors import load
from connectors.common.reply import ReplyWriter
from connectors.registry import spec


def writer_for(account: AccountBase, http: HttpClient) -> ReplyWriter | None:
    """The account's writer over `http`, or None when it can only copy-and-confirm."""
    writer = spec(account.platform).writer
    if writer is None or not can_write(account):
        return None
    made: ReplyWriter = load(writer)(account, http)
    return made


def can_write(account: Any) -> bool:
    """Whether the account posts answers through its platform's API (a write API and a
    write credential); False for any other object, such as a removed account (None)."""
    return isinstance(account, AccountBase) and account.can_write()
