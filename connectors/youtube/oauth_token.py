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

What the writer stores of a refusal (the `oauth` cursor) and the account's health read
from it are `connectors.youtube.oauth_state`.

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

from aggregator.errors import AuthExpired, FetchError
from aggregator.http import NETWORK_ERRORS, RETRYABLE_STATUSES, TOO_MANY_REQUESTS, HttpClient
from aggregator.http_retry import Attempts, throttle_hint
from aggregator.net_errors import describe_network_error
from aggregator.redaction import REDACTOR, redact_url
from connectors.common.fingerprint import fingerprint

log = logging.getLogger(__name__)

EARLY = timedelta(seconds=60)
"""An access token is refreshed this long before Google says it expires."""
DEFAULT_LIFETIME = 3599
"""Seconds an access token lasts when the answer does not say (Google's usual value)."""
MAX_THROTTLE_WAIT = 60.0
NEEDS_REAUTH = "needs_reauth"


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
