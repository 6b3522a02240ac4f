"""The YouTube writes' OAuth state, kept in the account's `oauth` cursor, and the
account's health read from it.

The writer keeps that state in the account's `oauth` cursor (`OAuthState`), which makes
it the account's health (`write_health`, the spec's `health`): `needs_reauth`, naming the
variable to renew, until a refresh succeeds again. The cursor holds a fingerprint of the
refused credentials (`grant`), never the credentials; when the configured ones differ (a
new refresh token or client was set), the answers worker tries them once at its next run
(`YouTubeWriter.recheck_auth`), so the state clears without waiting for an answer to send.
The access token itself comes from `connectors.youtube.oauth_token`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aggregator.connector import AccountFlag
from aggregator.records import JSONValue
from connectors.youtube.oauth_token import NEEDS_REAUTH, AccessToken, ReauthNeeded

OAUTH = "oauth"
"""The cursor stream where the writer keeps its OAuth state: `{"state": "ok" |
"needs_reauth", "since": ISO time[, "message": why, "error": Google's error, "grant":
fingerprint of the refused client id, secret and refresh token]}` (the account's health)."""


@dataclass(frozen=True)
class OAuthState:
    """The writes' OAuth state, as the `oauth` cursor keeps it (None: nothing stored)."""

    value: Mapping[str, JSONValue] | None = None

    @classmethod
    def load(cls, stored: JSONValue) -> OAuthState:
        """The stored cursor (anything malformed: nothing stored)."""
        return cls(stored if isinstance(stored, Mapping) else None)

    @property
    def needs_reauth(self) -> bool:
        """Google refused the refresh grant, and no refresh has worked since."""
        return self.value is not None and self.value.get("state") == NEEDS_REAUTH

    def refused(self, error: ReauthNeeded, grant: str | None, now: datetime) -> OAuthState | None:
        """The state to store after Google refused `grant` (None: it is stored already)."""
        if self.needs_reauth and self.value is not None and self.value.get("grant") == grant:
            return None
        value: dict[str, JSONValue] = {"state": NEEDS_REAUTH, "since": now.isoformat(),
                                       "message": str(error), "error": error.error}  # fmt: skip
        if grant is not None:
            value["grant"] = grant
        return OAuthState(value)

    def working(self, now: datetime) -> OAuthState | None:
        """The state to store after a refresh worked (None: nothing to clear)."""
        return OAuthState({"state": "ok", "since": now.isoformat()}) if self.needs_reauth else None

    def recheck(self, grant: str | None) -> bool:
        """Whether to try a refresh without a write: Google refused other credentials than
        the configured `grant` (a new refresh token or client was set since)."""
        refused = self.value.get("grant") if self.value is not None else None
        return self.needs_reauth and grant is not None and refused != grant


SaveState = Callable[[str, JSONValue], None]
"""Stores one cursor stream's value for the writer's account (`SaveCursor`)."""


class WriteAuth:
    """The writer's token source with its OAuth state: the `oauth` cursor it was opened
    with, stored again (through `save`) when Google refuses the grant or a refresh works
    after a refusal.

    Args:
        token: where the Bearer token comes from.
        clock: the current time (aware UTC).
    """

    def __init__(self, token: AccessToken, clock: Callable[[], datetime]) -> None:
        self.token = token
        self.clock = clock
        self.state = OAuthState()
        self.save: SaveState | None = None

    def open(self, stored: JSONValue, save: SaveState | None) -> None:
        """Start from the stored `oauth` cursor; store changes with `save`."""
        self.state = OAuthState.load(stored)
        self.save = save

    @property
    def grant(self) -> str | None:
        """The fingerprint of the refresh flow's credentials (None: a fixed token)."""
        grant = getattr(self.token, "grant", None)
        return grant if isinstance(grant, str) else None

    @property
    def recheck(self) -> bool:
        """Whether to ask for a token without a write (`OAuthState.recheck`)."""
        return self.state.recheck(self.grant)

    def bearer(self) -> str:
        """A token to send; `ReauthNeeded` (stored as `needs_reauth`) or `FetchError`."""
        try:
            bearer = self.token.bearer()
        except ReauthNeeded as exc:
            self._store(self.state.refused(exc, self.grant, self.clock()))
            raise
        self._store(self.state.working(self.clock()))  # a new refresh token works again
        return bearer

    def _store(self, state: OAuthState | None) -> None:
        if state is None:
            return
        self.state = state
        if self.save is not None and state.value is not None:
            self.save(OAUTH, dict(state.value))


def write_health(
    account: Any, cursors: Mapping[str, JSONValue], now: datetime
) -> AccountFlag | None:
    """The YouTube spec's `health`: `needs_reauth` while the `oauth` cursor says Google
    refused the refresh grant of an account that writes through the refresh flow, with what
    to renew (the refresh token's or the client secret's variable); else None."""
    state = OAuthState.load(cursors.get(OAUTH))
    if not state.needs_reauth or not getattr(account, "refreshes", False) or state.value is None:
        return None
    since = _since(state.value.get("since"))
    error = str(state.value.get("error") or "invalid_grant")
    if error == "invalid_grant":
        variable = account.refresh_token.env
        what = (
            f"Google refused the OAuth refresh token in ${variable} (invalid_grant: revoked "
            "or expired); the channel owner must consent again (README, 'Answering on the "
            f"platforms', YouTube, step 3) and the new refresh token go in ${variable}"
        )
    else:
        variable = account.client_secret.env
        what = (
            f"Google refused the OAuth client {account.client_id} ({error}); check client_id "
            f"and the client secret in ${variable} (Google Cloud console, Credentials)"
        )
    detail = (
        f"answers and hiding on YouTube stopped{since}: {what}; the answers worker tries "
        "new credentials at its next run"
    )
    return AccountFlag(NEEDS_REAUTH, detail)


def _since(value: JSONValue) -> str:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    return f" since {when:%Y-%m-%d %H:%M} UTC"
