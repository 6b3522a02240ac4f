"""The Instagram User token of `api: instagram_login`: how old it is, and its refresh call.

A long-lived Instagram User token lasts 60 days and can be refreshed once it is at least
24 hours old (`GET {graph_url}refresh_access_token?grant_type=ig_refresh_token
&access_token=...`, answering a new token and its `expires_in`). Tokens reach the
aggregator only from environment variables (`{env: NAME}`), and the database must never
hold a credential, so a refreshed token has no safe place to be kept: the sync does NOT
refresh. Instead it keeps, in the account's `token` cursor, when it first saw the
configured token (`{"fingerprint": "sha256:<16 hex>", "first_seen": "YYYY-MM-DD"}`, the
UTC day: days are what count, and a run cut short and resumed stores the same; the
fingerprint is a truncated hash, not the token, and changes when a new token is set), and
from `token_warn_days` (50) after that every run warns and `aggregator status` says to
refresh. `refresh_access_token` makes the call for whoever then sets the new value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aggregator.connector import FetchError, ParseError
from aggregator.http import HttpClient
from aggregator.records import JSONValue
from connectors.common.cursor import as_mapping
from connectors.common.fingerprint import fingerprint
from connectors.graph.errors import GraphError, classify
from connectors.instagram.settings import TOKEN_LIFETIME_DAYS, InstagramAccount

TOKEN = "token"  # noqa: S105 - the cursor stream's name


@dataclass(frozen=True)
class TokenSeen:
    """When the aggregator first saw the configured token."""

    fingerprint: str
    first_seen: date
    """The UTC day."""

    def dump(self) -> dict[str, JSONValue]:
        """The `token` cursor."""
        return {"fingerprint": self.fingerprint, "first_seen": self.first_seen.isoformat()}

    def age_days(self, now: datetime) -> int:
        """Whole days from the day it was first seen to `now`'s (UTC) day."""
        return (now.astimezone(UTC).date() - self.first_seen).days

    def refresh_by(self) -> date:
        """The latest day the token can be relied on (60 days after it was first seen)."""
        return self.first_seen + timedelta(days=TOKEN_LIFETIME_DAYS)


def load_seen(value: JSONValue) -> TokenSeen | None:
    """The `token` cursor; None when absent or malformed."""
    stored = as_mapping(value)
    mark, seen = stored.get("fingerprint"), stored.get("first_seen")
    if not isinstance(mark, str) or not isinstance(seen, str):
        return None
    try:
        return TokenSeen(mark, date.fromisoformat(seen[:10]))
    except ValueError:
        return None


def token_seen(account: InstagramAccount, stored: JSONValue, now: datetime) -> TokenSeen:
    """The configured token's `TokenSeen`: the stored one while the token is the same,
    else (a new token, or none stored) first seen `now`."""
    mark = fingerprint(account.access_token.value)
    known = load_seen(stored)
    if known is not None and known.fingerprint == mark:
        return known
    return TokenSeen(mark, now.astimezone(UTC).date())


def age_warning(account: InstagramAccount, seen: TokenSeen, now: datetime) -> str | None:
    """The run's warning once the token is `warn_after_days` old, else None."""
    days = seen.age_days(now)
    if days < account.warn_after_days:
        return None
    return (
        f"the Instagram User token in ${account.access_token.env} was first seen {days} days "
        f"ago (tokens last {TOKEN_LIFETIME_DAYS} days): refresh it and set the new one "
        f"before {seen.refresh_by():%Y-%m-%d} (README, 'Instagram')"
    )


def token_note(account: Any, cursors: Mapping[str, JSONValue]) -> str | None:
    """`aggregator status`'s line for an `instagram_login` account: since when its token is
    in use and by when it must be refreshed."""
    if getattr(account, "api", None) != "instagram_login":
        return None
    seen = load_seen(cursors.get(TOKEN))
    if seen is None:
        return None
    return (
        f"Instagram User token in use since {seen.first_seen:%Y-%m-%d}: refresh before "
        f"{seen.refresh_by():%Y-%m-%d} (warns after {account.warn_after_days} days)"
    )


@dataclass(frozen=True)
class RefreshedToken:
    """What `refresh_access_token` answers (the token itself: never log it)."""

    access_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"RefreshedToken(access_token=<hidden>, expires_in={self.expires_in})"


def refresh_access_token(http: HttpClient, account: InstagramAccount) -> RefreshedToken:
    """Refresh the account's Instagram User token (one call, not retried).

    Raises:
        ValueError: the account reads through Facebook Login (Page tokens are not refreshed
            this way).
        AuthExpired, PermissionMissing, FetchError: as the Graph adapter maps the error.
        ParseError: the answer has no token.
    """
    if account.api != "instagram_login":
        raise ValueError(f"account {account.name}: only api: instagram_login tokens refresh")
    token = account.access_token.value
    http.protect([token])
    url = f"{str(account.graph_url).rstrip('/')}/refresh_access_token"
    params = {"grant_type": "ig_refresh_token", "access_token": token}
    response = http.send("GET", url, params=params)
    try:
        body = response.json()
    except ValueError:
        raise ParseError(f"{url}: HTTP {response.status_code}, not JSON") from None
    if response.status_code != 200 or not isinstance(body, Mapping):
        error = GraphError.from_body(body, [token])
        outcome = classify(error, account.graph_owner(), account.access_token.env)
        raise outcome.error or FetchError(f"{url}: refresh refused {error.describe()}")
    new, expires = body.get("access_token"), body.get("expires_in")
    if not isinstance(new, str) or not new or not isinstance(expires, int):
        raise ParseError(f"{url}: the answer has no access_token and expires_in")
    http.protect([new])
    return RefreshedToken(new, expires)
