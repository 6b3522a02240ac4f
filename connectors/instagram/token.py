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
refresh. `refresh_access_token` makes the call for whoever then sets the new value
(`aggregator instagram refresh-token`), which records the new token's fingerprint and day
in the `token_refreshed` cursor: once a sync sees that token configured, its age counts
from the refresh, not from the day the sync first saw it (a refresh that answers the same
token string extends it the same way).

The token's age is also the account's health (`token_health`, the spec's `health`): from
`token_warn_days` after it was first seen it is `token_expiring` (a warning: it alerts
once, `status --check` passes), and from 60 days `needs_reauth` (a problem: the token has
expired and cannot be refreshed; the owner must log in again). Both read the `token`
cursor, i.e. the token the syncs use, which is what will expire, not whatever the shell
running `aggregator status` has in its environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from aggregator.connector import AccountFlag, FetchError, ParseError
from aggregator.http import HttpClient
from aggregator.net_errors import describe_network_error
from aggregator.records import JSONValue
from aggregator.redaction import redact_url
from connectors.common.cursor import as_mapping
from connectors.common.fingerprint import fingerprint
from connectors.graph.errors import GraphError, classify
from connectors.instagram.settings import TOKEN_LIFETIME_DAYS, InstagramAccount

TOKEN = "token"  # noqa: S105 - the cursor stream's name
REFRESHED = "token_refreshed"
"""The cursor stream `aggregator instagram refresh-token` writes: the refreshed token's
fingerprint and the day it was issued (only that command writes it; the sync reads it)."""
REFRESH_COMMAND = "aggregator instagram refresh-token --account {name}"


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


def token_seen(
    account: InstagramAccount, cursors: Mapping[str, JSONValue], now: datetime
) -> TokenSeen:
    """The configured token's `TokenSeen`: the latest of the `token` and `token_refreshed`
    cursors that are of this token, else (a new token, or none stored) first seen `now`."""
    mark = fingerprint(account.access_token.value)
    known = [load_seen(cursors.get(stream)) for stream in (TOKEN, REFRESHED)]
    mine = [seen for seen in known if seen is not None and seen.fingerprint == mark]
    if mine:
        return max(mine, key=lambda seen: seen.first_seen)
    return TokenSeen(mark, now.astimezone(UTC).date())


def refreshed(token: str, now: datetime) -> TokenSeen:
    """The `token_refreshed` cursor for a token the platform issued `now`."""
    return TokenSeen(fingerprint(token), now.astimezone(UTC).date())


def age_warning(account: InstagramAccount, seen: TokenSeen, now: datetime) -> str | None:
    """The run's warning once the token is `warn_after_days` old, else None."""
    days = seen.age_days(now)
    if days < account.warn_after_days:
        return None
    return (
        f"the Instagram User token in ${account.access_token.env} was first seen {days} days "
        f"ago (tokens last {TOKEN_LIFETIME_DAYS} days): refresh it and set the new one "
        f"before {seen.refresh_by():%Y-%m-%d} (`{REFRESH_COMMAND.format(name=account.name)}`, "
        "README 'Instagram')"
    )


def token_health(
    account: Any, cursors: Mapping[str, JSONValue], now: datetime
) -> AccountFlag | None:
    """The Instagram spec's `health`, for `instagram_login` accounts: `token_expiring` from
    `token_warn_days` after the syncs first saw their token, `needs_reauth` from 60 days
    (expired); None before, or for Facebook Login."""
    if getattr(account, "api", None) != "instagram_login":
        return None
    seen = load_seen(cursors.get(TOKEN))
    if seen is None:
        return None
    days, env, name = seen.age_days(now), account.access_token.env, account.name
    first = f"the Instagram User token in ${env} was first seen {seen.first_seen:%Y-%m-%d}"
    waiting = _waiting(seen, cursors, env)
    if days >= TOKEN_LIFETIME_DAYS:
        detail = (
            f"{first}, {days} days ago: it has expired (tokens last {TOKEN_LIFETIME_DAYS} "
            "days) and cannot be refreshed any more; the account's owner must log in with "
            f"Instagram Login again to issue a new long-lived token, and set it in ${env}"
        )
        return AccountFlag("needs_reauth", detail + (f" ({waiting})" if waiting else ""))
    if days >= account.warn_after_days:
        detail = (
            f"{first}, {days} days ago: refresh it before {seen.refresh_by():%Y-%m-%d} "
            f"(`{REFRESH_COMMAND.format(name=name)}`, README 'Instagram')"
        )
        return AccountFlag("token_expiring", detail + (f"; {waiting}" if waiting else ""))
    return None


def token_note(account: Any, cursors: Mapping[str, JSONValue]) -> str | None:
    """`aggregator status`'s line for an `instagram_login` account: since when its token is
    in use and by when it must be refreshed (and a refreshed token not yet in use)."""
    if getattr(account, "api", None) != "instagram_login":
        return None
    seen = load_seen(cursors.get(TOKEN))
    if seen is None:
        return None
    line = (
        f"Instagram User token in use since {seen.first_seen:%Y-%m-%d}: refresh before "
        f"{seen.refresh_by():%Y-%m-%d} (warns after {account.warn_after_days} days)"
    )
    waiting = _waiting(seen, cursors, account.access_token.env)
    return f"{line}; {waiting}" if waiting else line


def _waiting(seen: TokenSeen, cursors: Mapping[str, JSONValue], env: str) -> str | None:
    """A refreshed token the syncs do not use yet (a different, newer one), in words."""
    issued = load_seen(cursors.get(REFRESHED))
    if issued is None or issued.fingerprint == seen.fingerprint:
        return None
    if issued.first_seen < seen.first_seen:
        return None
    return (
        f"a token refreshed on {issued.first_seen:%Y-%m-%d} ({issued.fingerprint}) is not in "
        f"use yet: put it in ${env} (and restart aggregator-scheduler, which reads it at start)"
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
        AuthExpired, PermissionMissing, FetchError: as the Graph adapter maps the error
            (FetchError also when no answer came).
        ParseError: the answer has no token.
    """
    if account.api != "instagram_login":
        raise ValueError(f"account {account.name}: only api: instagram_login tokens refresh")
    token = account.access_token.value
    http.protect([token])
    url = f"{str(account.graph_url).rstrip('/')}/refresh_access_token"
    params = {"grant_type": "ig_refresh_token", "access_token": token}
    try:
        response = http.send("GET", url, params=params)
    except requests.RequestException as exc:
        raise FetchError(f"{redact_url(url)}: {describe_network_error(exc)}") from None
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
