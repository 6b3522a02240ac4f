"""YouTube Data API v3 in the sandbox: the channel 한빛구청 소통TV, its uploads and comments.

Routes (relative to the sandbox base URL; a config's `api_url` is `{base}/youtube/v3/`):

    GET  /youtube/v3/channels?part=&id=|forHandle=|mine=true      the channel (uploads playlist)
    GET  /youtube/v3/playlistItems?part=&playlistId=UU…           uploads, newest first, <= 50
    GET  /youtube/v3/videos?part=snippet,statistics&id=a,b        videos (commentCount)
    GET  /youtube/v3/commentThreads?part=snippet,replies&videoId= threads, newest first, <= 100,
         (or allThreadsRelatedToChannelId= or id=), order=time|relevance, textFormat,
         moderationStatus=published|heldForReview|likelySpam (owner only), searchTerms
    GET  /youtube/v3/comments?part=snippet&parentId=|id=          replies, newest first
    POST /youtube/v3/comments?part=snippet                        a reply as the channel
    POST /youtube/v3/comments/setModerationStatus?id=&moderationStatus=  -> 204

Credentials as Google takes them: `key=API_KEY` for reads, `Authorization: Bearer
<token>` (the channel owner) for everything, where the token is one the sandbox's token
endpoint issued and that has not expired in sandbox time (`youtube_oauth`: `POST
/google/oauth2/token`, the refresh grant; `.tokens`), or the fixed `OAUTH_TOKEN` of
configs with `write_access_token`; no credential is 403 `forbidden`, a wrong key 400
`badRequest`, a wrong or expired token (also `expire_token()`) 401 `authError`, a write
with a key only 401 `required`. Answers are indented unless `prettyPrint=false`;
`If-None-Match` with the answer's `etag` gets 304 Not Modified (still charged: Google
documents no exemption).
Every call is charged to the project's daily quota (`youtube_quota.QuotaLedger`,
visible at `/_sandbox/youtube/quota`); past it the answer is 403 `quotaExceeded`.
Threads carry at most 5 replies (`totalReplyCount` says how many there are); a video
with comments disabled answers 403 `commentsDisabled`.
`fail(...)` scripts any Google error on chosen requests; `error_fault` puts one on the
generic fault set (quota, 429, 5xx); network faults come from `faults` on `/youtube/`.
Not documented, assumed: 404 `commentNotFound` for an unknown `parentId` (comments.list)
or `id` (setModerationStatus; `comments.list?id=` leaves unknown ids out), 400
`operationNotSupported` for a reply to a reply.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from aggregator.sandbox.admin import counts_view
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.faults import Fault, FaultSet
from aggregator.sandbox.platform import SandboxContext, SandboxPlatform
from aggregator.sandbox.routing import ADMIN_PREFIX, SandboxRequest, SandboxResponse
from aggregator.sandbox.scripted import ScriptedErrors
from aggregator.sandbox.youtube_oauth import (
    CLIENT_ID,
    CLIENT_SECRET_ENV,
    OAUTH_ENV,
    REFRESH_TOKEN_ENV,
    TOKEN_PATH,
    TokenIssuer,
)
from aggregator.sandbox.youtube_quota import COSTS, PROJECT, QuotaLedger
from aggregator.sandbox.youtube_render import GoogleError
from aggregator.sandbox.youtube_world import CHANNEL_ID, YouTubeWorld

API_KEY = "AIzaSyHanbitSandboxKey-sotongTV-0000000"
"""The API key the sandbox accepts (sandbox-only: it opens nothing real)."""
OAUTH_TOKEN = "ya29.sandbox-hanbit-sotong-tv-owner-token"  # noqa: S105
"""The channel owner's OAuth access token the sandbox accepts."""
KEY_ENV = "HANBIT_YOUTUBE_API_KEY"
TOKEN_ENV = "HANBIT_YOUTUBE_OAUTH_TOKEN"  # noqa: S105 - the variable's name
PREFIX = "/youtube/v3/"
QUOTA_MESSAGE = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
    'getting-started#quota">quota</a>.'
)
NAMED_ERRORS: dict[str, GoogleError] = {
    "quota_exceeded": GoogleError(403, "quotaExceeded", QUOTA_MESSAGE, "youtube.quota"),
    "rate_limited": GoogleError(
        429, "rateLimitExceeded", "Resource has been exhausted (e.g. check quota).", "global"
    ),
    "auth_expired": GoogleError(
        401,
        "authError",
        "Request had invalid authentication "
        "credentials. Expected OAuth 2 access token, login cookie or "
        "other valid authentication credential.",
        "global",
        "Authorization",
        "header",
    ),
    "forbidden": GoogleError(
        403, "forbidden", "The request is not properly authorized.", "youtube.commentThread"
    ),
    "backend": GoogleError(500, "backendError", "Backend Error"),
    "unavailable": GoogleError(503, "backendError", "The service is currently unavailable."),
}
"""Errors `fail(name)` and `error_fault(name)` inject, by name."""
CONTENT_TYPE = "application/json; charset=UTF-8"
Handler = Callable[[SandboxRequest, "re.Match[str]"], SandboxResponse]
Reply = tuple[int, object]
"""(HTTP status, JSON body or None for 204)."""


class Auth(Enum):
    """Who is calling."""

    KEY = "key"
    OWNER = "owner"


@dataclass
class ScriptedError:
    """A Google error to answer on matching requests (see `YouTubeApi.fail`)."""

    error: GoogleError
    path_contains: str
    skip: int
    times: int | None
    method: str | None


def error_fault(faults: FaultSet, name: str, path: str = PREFIX, **options: Any) -> Fault:
    """Put the named Google error (`NAMED_ERRORS`) on the generic fault set for `path`."""
    error = NAMED_ERRORS[name]
    headers = {"Content-Type": CONTENT_TYPE}
    return faults.status(path, error.code, headers=headers, body=error.json(), **options)


class YouTubeApi:
    """Authentication, quota and scripted errors around the endpoints (`youtube_endpoints`)."""

    def __init__(self, data: DataSet, now: Callable[[], datetime]) -> None:
        self.world = YouTubeWorld(data)
        self.now = now
        self.quota = QuotaLedger(now)
        self.tokens = TokenIssuer(now)
        self.token_expired = False
        self._scripted: ScriptedErrors[ScriptedError] = ScriptedErrors()

    # -- test controls -----------------------------------------------------------------

    def fail(
        self,
        error: GoogleError | str,
        *,
        times: int | None = 1,
        skip: int = 0,
        path_contains: str = "",
        method: str | None = None,
    ) -> None:
        """Answer requests whose path contains `path_contains` with `error` (a
        `GoogleError` or a `NAMED_ERRORS` name), after `skip`, `times` times (None: until
        `clear_failures`). A scripted error costs 1 quota unit, as Google's do."""
        chosen = NAMED_ERRORS[error] if isinstance(error, str) else error
        self._scripted.add(ScriptedError(chosen, path_contains, skip, times, method))

    def clear_failures(self) -> None:
        """Forget every scripted error."""
        self._scripted.clear()

    def expire_token(self, expired: bool = True) -> None:
        """The owner's OAuth token stops working (401 `authError`) or works again."""
        self.token_expired = expired

    # -- plumbing ----------------------------------------------------------------------

    def guard(
        self, method: str, handler: Callable[[SandboxRequest, Auth], Reply], write: bool = False
    ) -> Handler:
        """Credentials, scripted errors and quota first; Google JSON always."""

        def handle(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
            cost = COSTS[method]
            try:
                auth = self._authenticate(request)
                if write and auth is Auth.KEY:
                    raise login_required()
                scripted = self._scripted.take(request.method, request.path)
                if scripted is not None:
                    self.quota.charge(PROJECT, method, 1)
                    raise scripted.error
                if not self.quota.charge(PROJECT, method, cost):
                    raise NAMED_ERRORS["quota_exceeded"]
                try:
                    status, body = handler(request, auth)
                except GoogleError:
                    self.quota.charge(PROJECT, method, 1 - cost)
                    raise
            except GoogleError as error:
                status, body = error.code, error.body()
            headers = {"Content-Type": CONTENT_TYPE, "Vary": "Origin, X-Origin, Referer"}
            if body is None:
                return SandboxResponse(status, b"", {})
            if status == 200 and _unchanged(request, body):
                return SandboxResponse(304, b"", {"ETag": f'"{_etag_of(body)}"'})
            indent = None if request.param("prettyPrint") == "false" else 2
            encoded = json.dumps(body, ensure_ascii=False, indent=indent).encode("utf-8")
            return SandboxResponse(status, encoded, headers)

        return handle

    def _authenticate(self, request: SandboxRequest) -> Auth:
        header = request.header("authorization") or ""
        if header:
            scheme, _, token = header.partition(" ")
            token = token.strip()
            known = hmac.compare_digest(token, OAUTH_TOKEN) or self.tokens.valid(token)
            if scheme.lower() != "bearer" or not known or self.token_expired:
                raise NAMED_ERRORS["auth_expired"]
            return Auth.OWNER
        key = request.param("key")
        if key is None:
            raise GoogleError(403, "forbidden", "The request is missing a valid API key.")
        if not hmac.compare_digest(key, API_KEY):
            raise GoogleError(400, "badRequest", "API key not valid. Please pass a valid API key.")
        return Auth.KEY


def _etag_of(body: object) -> str:
    return str(body.get("etag", "")) if isinstance(body, dict) else ""


def _unchanged(request: SandboxRequest, body: object) -> bool:
    """A conditional request (`If-None-Match`) naming the etag the answer would carry."""
    wanted = (request.header("if-none-match") or "").strip().strip('"')
    return bool(wanted) and wanted == _etag_of(body)


def login_required() -> GoogleError:
    """401 for a write made with an API key only."""
    return GoogleError(
        401,
        "required",
        "Request is missing required authentication credential. Expected "
        "OAuth 2 access token, login cookie or other valid authentication credential.",
        "global",
        "Authorization",
        "header",
    )


def account_config(
    base_url: str, interval_minutes: int, *, refresh: bool = False
) -> dict[str, object]:
    """The `youtube` account of a config pointing at this sandbox (API key for reads, the
    owner's token for answers and moderation): the fixed `write_access_token`, or with
    `refresh` the refresh flow against the sandbox's token endpoint (its variables'
    values are `youtube_oauth.OAUTH_ENV`)."""
    base = base_url.rstrip("/")
    writes: dict[str, object] = {"write_access_token": {"env": TOKEN_ENV}}
    if refresh:
        writes = {
            "client_id": CLIENT_ID,
            "client_secret": {"env": CLIENT_SECRET_ENV},
            "refresh_token": {"env": REFRESH_TOKEN_ENV},
            "token_url": base + TOKEN_PATH,
        }
    return {
        "name": "youtube",
        "display_name": "한빛구청 소통TV",
        "platform": "youtube",
        "channel_id": CHANNEL_ID,
        "api_key": {"env": KEY_ENV},
        **writes,
        "api_url": base + PREFIX,
        "daily_quota": 10_000,
        "schedule": {"interval_minutes": interval_minutes},
    }


def mount(sandbox: SandboxContext) -> YouTubeApi:
    """Add the YouTube routes, the quota admin routes, Google's token endpoint and `GET
    /_sandbox/youtube` (what the channel shows now, today's quota use); return the API."""
    from aggregator.sandbox.youtube_endpoints import YouTubeEndpoints

    router = sandbox.router
    api = YouTubeApi(sandbox.data, sandbox.now)
    YouTubeEndpoints(api).register(router)
    api.quota.register(router)
    api.tokens.register(router)

    def counts(at: datetime) -> dict[str, object]:
        return {**api.world.counts(at), "quota_used_today": api.quota.used()}

    router.add("GET", ADMIN_PREFIX + "youtube", counts_view(api.now, counts))
    return api


SANDBOX = SandboxPlatform(
    {KEY_ENV: API_KEY, TOKEN_ENV: OAUTH_TOKEN, **OAUTH_ENV},
    lambda base, minutes: [account_config(base, minutes, refresh=True)],
    mount,
    write_errors="aggregator.sandbox.youtube_endpoints:WRITE_ERRORS",
)
"""YouTube's part of the sandbox: the API key; the written account refreshes the owner's
access tokens at the sandbox's token endpoint (client secret and refresh token:
`youtube_oauth.OAUTH_ENV`); the fixed owner token stays accepted for `write_access_token`
configs (`account_config(base, minutes)`); and the Data API's routes."""
