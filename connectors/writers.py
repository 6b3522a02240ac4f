"""Which `ReplyWriter` an account has: the platform's writer when a write credential is
configured, else None (staff copy the answer and confirm it by hand).

Facebook needs `write_access_token`; X needs `write_with` (OAuth 1.0a user context or an
OAuth 2.0 user token; the app-only bearer token never writes); WordPress blogs need
`write_username` and `write_app_password`. Naver Blog, Tistory, other feeds and Pinterest
have no write API. `can_write` answers the same question without building a writer (no
HTTP client, no platform library imported), for the web's copy-and-confirm choice.
"""

from __future__ import annotations

from typing import Any

from aggregator.config import AnyAccount, BlogAccount, FacebookAccount, TwitterAccount
from aggregator.http import HttpClient
from connectors.common.reply import ReplyWriter


def writer_for(account: AnyAccount, http: HttpClient) -> ReplyWriter | None:
    """The account's writer over `http`, or None when it can only copy-and-confirm."""
    if not can_write(account):
        return None
    if isinstance(account, FacebookAccount):
        from connectors.facebook.write import FacebookWriter

        return FacebookWriter(account, http)
    if isinstance(account, TwitterAccount):
        from connectors.twitter.write import XWriter

        return XWriter(account, http)
    from connectors.blog.write import WordPressWriter

    assert isinstance(account, BlogAccount)
    return WordPressWriter(account, http)


def can_write(account: Any) -> bool:
    """Whether the account posts answers through its platform's API (a write API and a
    write credential); False for any other object, such as a removed account (None)."""
    if isinstance(account, FacebookAccount):
        return account.write_access_token is not None
    if isinstance(account, TwitterAccount):
        return _x_can_write(account)
    return (
        isinstance(account, BlogAccount)
        and account.flavor == "wordpress"
        and account.write_username is not None
        and account.write_app_password is not None
    )


def _x_can_write(account: TwitterAccount) -> bool:
    if account.write_with == "oauth2_user":
        return account.write_user_token is not None
    if account.write_with == "oauth1_user":
        keys = (account.consumer_key, account.consumer_secret, account.access_token,
                account.access_token_secret)  # fmt: skip
        return all(key is not None and key.is_set for key in keys)
    return False
