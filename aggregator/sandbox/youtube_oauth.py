"""Google's OAuth 2.0 token endpoint in the sandbox: the refresh grant for the channel owner.

    POST /google/oauth2/token   (application/x-www-form-urlencoded)
         grant_type=refresh_token&client_id=&client_secret=&refresh_token=

Answers as Google does: 200 `{"access_token", "expires_in": 3599, "scope", "token_type":
"Bearer"}`; 400 `{"error": "invalid_grant", "error_description": "Token has been expired
or revoked."}` for a revoked (`revoke_refresh_token()`) or unknown refresh token; 401
`invalid_client` for a wrong client id or secret; 400 `unsupported_grant_type` /
`invalid_request` otherwise. Each access token it issues is valid for `LIFETIME` of
sandbox time (the sandbox clock moves with `advance`); the YouTube write endpoints take
only tokens issued here that have not expired (and the fixed `OAUTH_TOKEN` of configs
with `write_access_token`). `expire_access_tokens()` makes every issued token invalid
at once (YouTube then answers 401 before their time is up, as after a password change).
`consent()` is the channel owner consenting again: it returns a new refresh token, which
the endpoint takes from then on (revoked refresh tokens stay refused).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse

TOKEN_PATH = "/google/oauth2/token"  # noqa: S105 - a path
CLIENT_ID = "123456789012-hanbitsotongtv.apps.googleusercontent.com"
CLIENT_SECRET = "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"  # noqa: S105 - sandbox only
REFRESH_TOKEN = "1//0e-sandbox-hanbit-owner-refresh-token"  # noqa: S105 - sandbox only
CLIENT_SECRET_ENV = "HANBIT_YOUTUBE_CLIENT_SECRET"  # noqa: S105 - the variable's name
REFRESH_TOKEN_ENV = "HANBIT_YOUTUBE_REFRESH_TOKEN"  # noqa: S105 - the variable's name
OAUTH_ENV = {CLIENT_SECRET_ENV: CLIENT_SECRET, REFRESH_TOKEN_ENV: REFRESH_TOKEN}
"""The environment a config using the refresh flow needs (for the sandbox's env lists)."""
SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
LIFETIME = timedelta(seconds=3599)
JSON_TYPE = "application/json; charset=utf-8"


class TokenIssuer:
    """Issues access tokens for the refresh grant and tells whether one is still valid."""

    def __init__(self, now: Callable[[], datetime], lifetime: timedelta = LIFETIME) -> None:
        self.now = now
        self.lifetime = lifetime
        self.revoked = False
        """`REFRESH_TOKEN` is refused (`revoke_refresh_token`)."""
        self.consented: list[str] = []
        """Refresh tokens `consent()` issued (taken besides `REFRESH_TOKEN`)."""
        self.requests = 0
        """Token requests answered (any outcome)."""
        self._issued: dict[str, datetime] = {}
        self._lock = threading.Lock()

    # -- test controls -----------------------------------------------------------------

    def revoke_refresh_token(self, revoked: bool = True) -> None:
        """The owner revoked the grant (or it expired): `invalid_grant` from now on."""
        self.revoked = revoked

    def consent(self) -> str:
        """The owner consented again: a new refresh token, taken from now on (`invalid_grant`
        for `REFRESH_TOKEN` stays while it is revoked)."""
        token = "1//0e-sandbox-consent-" + secrets.token_urlsafe(16)
        with self._lock:
            self.consented.append(token)
        return token

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working now."""
        with self._lock:
            self._issued.clear()

    # -- checks ------------------------------------------------------------------------

    def valid(self, token: str) -> bool:
        """Whether `token` was issued here and has not expired (sandbox time)."""
        with self._lock:
            expires = self._issued.get(token)
        return expires is not None and self.now() < expires

    @property
    def issued(self) -> int:
        """Access tokens currently known (issued and not cleared)."""
        with self._lock:
            return len(self._issued)

    # -- the endpoint ------------------------------------------------------------------

    def token(self, request: SandboxRequest, _match: re.Match[str]) -> SandboxResponse:
        """`POST /google/oauth2/token`."""
        with self._lock:
            self.requests += 1
        kind = (request.header("content-type") or "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return _error(400, "invalid_request", "Bad Request")
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "refresh_token":
            shown = form.get("grant_type", "")
            return _error(400, "unsupported_grant_type", f"Invalid grant_type: {shown}")
        if not _same(form.get("client_id"), CLIENT_ID) or not _same(
            form.get("client_secret"), CLIENT_SECRET
        ):
            return _error(401, "invalid_client", "Unauthorized")
        if not form.get("refresh_token"):
            return _error(400, "invalid_request", "Missing required parameter: refresh_token")
        if not self._grant_taken(form.get("refresh_token")):
            return _error(400, "invalid_grant", "Token has been expired or revoked.")
        access = "ya29.a0sbx-" + secrets.token_urlsafe(24)
        with self._lock:
            self._issued[access] = self.now() + self.lifetime
        body = {
            "access_token": access,
            "expires_in": int(self.lifetime.total_seconds()),
            "scope": SCOPE,
            "token_type": "Bearer",
        }
        return _json(200, body)

    def _grant_taken(self, given: str | None) -> bool:
        with self._lock:
            consented = list(self.consented)
        if any(_same(given, token) for token in consented):
            return True
        return not self.revoked and _same(given, REFRESH_TOKEN)

    def register(self, router: Router) -> None:
        """Add the token route."""
        router.add("POST", re.escape(TOKEN_PATH), self.token)


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _json(status: int, body: object) -> SandboxResponse:
    headers = {"Content-Type": JSON_TYPE, "Cache-Control": "no-cache, no-store, max-age=0"}
    return SandboxResponse(status, json.dumps(body, indent=2).encode("utf-8"), headers)


def _error(status: int, error: str, description: str) -> SandboxResponse:
    return _json(status, {"error": error, "error_description": description})
