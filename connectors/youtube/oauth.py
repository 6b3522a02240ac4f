"""The channel owner's OAuth 2.0 access token for writes: fixed, or refreshed.

Google's access tokens expire after an hour (`expires_in`, 3599 s). With `client_id`,
`client_secret` and `refresh_token` set, `RefreshingToken` gets one with the refresh
grant (PLATFORMS-WRITE.md §6.1, §6.9):

    POST {token_url}   (application/x-www-form-urlencoded)
         grant_type=refresh_token&client_id=…&client_secret=…&refresh_token=…
    200  {"access_token": "ya29.…", "expires_in": 3599, "scope": "…", "token_type": "Bearer"}
    400  {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    401  {"error": "invalid_client", "error_description": "Unauthorized"}

It keeps the token in memory with its expiry and refreshes `EARLY` (60 s) before it
expires, and once more when YouTube answers 401 (`refused`). The request goes through
`HttpClient.send` under the one retry policy of `aggregator.http` (5xx, timeouts and
connection errors retried with backoff within the run deadline, 429 waited out): the
refresh grant may be repeated safely. `invalid_grant` (the refresh token was revoked,
or it expired: an OAuth app in "Testing" status gets refresh tokens that last 7 days)
puts the token in the `needs_reauth` state: `ReauthNeeded` names the account, in
English for the admin and in Korean for staff, and no further refresh is tried until
the writer is built again with a new refresh token.

The writer keeps that state in the account's `oauth` cursor (`OAuthState`), which makes
it the account's health (`write_health`, the spec's `health`): `needs_reauth`, naming the
variable to renew, until a refresh succeeds again. The cursor holds a fingerprint of the
refused credentials (`grant`), never the credentials; when the configured ones differ (a
new refresh token or client was set), the answers worker tries them once at its next run
(`YouTubeWriter.recheck_auth`), so the state clears without waiting for an answer to send.

The client secret, the refresh token and every access token are registered with
`HttpClient.protect`, so no log record shows them; messages never carry the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

import requests

from aggregator.connector import AccountFlag
from aggregator.errors import AuthExpired, FetchError
from aggregator.http import NETWORK_ERRORS, RETRYABLE_STATUSES, TOO_MANY_REQUESTS, HttpClient
from aggregator.http_retry import Attempts, throttle_hint
from aggregator.net_errors import describe_network_error
from aggregator.records import JSONValue
from aggregator.redaction import REDACTOR, redact_url
from connectors.common.fingerprint import fingerprint

log = logging.getLogger(__name__)

EARLY = timedelta(seconds=60)
"""An access token is refreshed this long before Google says it expires."""
DEFAULT_LIFETIME = 3599
"""Seconds an access token lasts when the answer does not say (Google's usual value)."""
MAX_THROTTLE_WAIT = 60.0
NEEDS_REAUTH = "needs_reauth"
OAUTH = "oauth"
"""The cursor stream where the writer keeps its OAuth state: `{"state": "ok" |
"needs_reauth", "since": ISO time[, "message": why, "error": Google's error, "grant":
fingerprint of the refused client id, secret and refresh token]}` (the account's health)."""


class ReauthNeeded(AuthExpired):
    """Google refused the refresh token (or the client): a person must consent again."""

    def __init__(self, message: str, staff: str, error: str = "invalid_grant") -> None:
        super().__init__(message)
        self.staff = staff
        self.error = error
        """Google's error: `invalid_grant`, `invalid_client` or `unauthorized_client`."""


def grant_fingerprint(client_id: str, client_secret: str, refresh_token: str) -> str:
    """The fingerprint the `oauth` cursor keeps of the credentials Google refused."""
    return fingerprint(client_id, client_secret, refresh_token)


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


def token_source(account: Any, http: HttpClient, clock: Callable[[], datetime]) -> AccessToken:
    """The account's token source: refreshed when the refresh settings are set, else fixed."""
    client, secret, grant = account.client_id, account.client_secret, account.refresh_token
    if client is not None and secret is not None and grant is not None:
        url = str(account.token_url)
        return RefreshingToken(http, url, client, secret.value, grant.value, clock, account.name)
    if account.write_access_token is None:
        raise ValueError(f"account {account.name} has no write_access_token or refresh_token")
    http.protect([account.write_access_token.value])
    return FixedToken(account.write_access_token.value)


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


class AccessToken(Protocol):
    """Where a writer gets its Bearer token."""

    def bearer(self) -> str:
        """A token to send now; raise `ReauthNeeded` or `FetchError` when none can be had."""
        ...

    def refused(self) -> bool:
        """YouTube answered 401 to the last token: forget it. True when asking again may
        help (a refreshed token), False for a fixed token."""
        ...


@dataclass
class FixedToken:
    """`write_access_token`: the same token until someone changes the variable."""

    token: str

    def bearer(self) -> str:
        """The configured token."""
        return self.token

    def refused(self) -> bool:
        """A fixed token cannot be renewed here."""
        return False


class RefreshingToken:
    """Access tokens from the refresh grant, kept until `EARLY` before they expire.

    Args:
        http: the client every request goes through (policy, redaction, deadline).
        token_url: the token endpoint.
        client_id, client_secret, refresh_token: the OAuth client and the owner's grant.
        clock: the current time (aware UTC).
        account: the account's name, for messages.
    """

    def __init__(
        self,
        http: HttpClient,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        clock: Callable[[], datetime],
        account: str,
    ) -> None:
        http.protect([client_secret, refresh_token])
        self.grant = grant_fingerprint(client_id, client_secret, refresh_token)
        """The credentials' fingerprint (what the `oauth` cursor keeps of a refused grant)."""
        self.http = http
        self.token_url = token_url
        self.clock = clock
        self.account = account
        self._form = urlencode(
            {
                "grant_type": "refresh_token",
                "client_id": client_id,
                "client_secret": client_secret,
                "refresh_token": refresh_token,
            }
        )
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self.refreshes = 0
        """Successful refreshes (tests and logs)."""
        self.state = "ok"
        """`ok`, or `needs_reauth` once Google refused the refresh token."""
        self._refusal: ReauthNeeded | None = None

    def bearer(self) -> str:
        """The kept token, or a new one when it is missing or expires within `EARLY`."""
        if self._refusal is not None:
            raise self._refusal
        now = self.clock()
        if self._token is None or self._expires_at is None or now >= self._expires_at - EARLY:
            self._refresh(now)
        assert self._token is not None
        return self._token

    def refused(self) -> bool:
        """Forget the kept token (YouTube said 401): the next `bearer` refreshes."""
        self._token, self._expires_at = None, None
        return self._refusal is None

    def _refresh(self, now: datetime) -> None:
        raw = self._post()
        answer = _json(raw.content)
        if raw.status_code == 200 and isinstance(answer.get("access_token"), str):
            token = str(answer["access_token"])
            self.http.protect([token])
            lifetime = answer.get("expires_in")
            seconds = lifetime if isinstance(lifetime, int | float) else DEFAULT_LIFETIME
            self._token, self._expires_at = token, now + timedelta(seconds=float(seconds))
            self.refreshes += 1
            log.info("YouTube account %s: access token refreshed (%ss)", self.account, seconds)
            return
        error = str(answer.get("error") or f"HTTP {raw.status_code}")
        described = REDACTOR.clean(str(answer.get("error_description") or ""))[:200]
        if raw.status_code == 200:
            raise FetchError(f"YouTube token refresh for {self.account}: no access_token")
        if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            self._refusal = self._reauth(error, described)
            self.state = NEEDS_REAUTH
            log.warning("%s", self._refusal)
            raise self._refusal
        raise FetchError(
            f"YouTube token refresh for account {self.account}: HTTP {raw.status_code} "
            f"{error}" + (f" ({described})" if described else "")
        )

    def _post(self) -> requests.Response:
        """The refresh grant under the one retry policy (the grant may be repeated)."""
        attempts, what = Attempts(), f"YouTube token refresh ({redact_url(self.token_url)})"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        while True:
            try:
                raw = self.http.send(
                    "POST", self.token_url, data=self._form, headers=headers, allow_redirects=False
                )
            except NETWORK_ERRORS as exc:
                self.http.sleep(self.http.retry_delay(attempts, what, describe_network_error(exc)))
                continue
            except requests.RequestException as exc:
                raise FetchError(f"{what}: {describe_network_error(exc)}") from None
            if raw.status_code in RETRYABLE_STATUSES:
                self.http.sleep(self.http.retry_delay(attempts, what, f"HTTP {raw.status_code}"))
            elif raw.status_code == TOO_MANY_REQUESTS:
                asked = throttle_hint(raw.headers, self.clock())
                why = "HTTP 429 Too Many Requests"
                wait = self.http.throttle_delay(attempts, what, why, asked, MAX_THROTTLE_WAIT)
                self.http.sleep(wait)
            else:
                return raw

    def _reauth(self, error: str, described: str) -> ReauthNeeded:
        cause = f"{error}: {described}" if described else error
        if error == "invalid_grant":
            english = (
                f"YouTube account {self.account!r} needs re-authorisation (needs_reauth): "
                f"Google refused its refresh token ({cause}); it was revoked or expired "
                "(an OAuth app in 'Testing' status gets refresh tokens that last 7 days). "
                "Run the consent flow again as the channel owner and set the new "
                "refresh_token"
            )
            staff = (
                f"유튜브 계정 '{self.account}'의 OAuth 갱신 토큰(refresh_token)이 만료되었거나 "
                "취소되어 재인증이 필요합니다. 관리자에게 알려 주세요(채널 소유자 계정으로 다시 "
                "동의를 받아 새 refresh_token을 설정)."
            )
        else:
            english = (
                f"YouTube account {self.account!r} needs re-authorisation (needs_reauth): "
                f"Google refused the OAuth client ({cause}); check client_id and "
                "client_secret (Google Cloud console, Credentials)"
            )
            staff = (
                f"유튜브 계정 '{self.account}'의 OAuth 클라이언트 정보(client_id, "
                "client_secret)가 거부되어 재인증이 필요합니다. 관리자에게 알려 주세요."
            )
        return ReauthNeeded(english, staff, error)


def _json(content: bytes) -> Mapping[str, Any]:
    try:
        found = json.loads(content.decode("utf-8")) if content else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    return found if isinstance(found, Mapping) else {}
