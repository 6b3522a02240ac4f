"""Who a sandbox X request authenticates as: the app (bearer) or the district (user context).

X accepts three kinds of credentials: the app-only bearer token (reads only), an OAuth 2.0
user token (`Authorization: Bearer <user token>`), and OAuth 1.0a user context (a request
signed with HMAC-SHA1 over method, URL and query with the consumer secret and the access
token secret, as tweepy's `OAuth1UserHandler` signs). The sandbox knows one of each, for
the district's account; a signature that does not verify is no authentication at all.
"""

from __future__ import annotations

import hmac
from enum import StrEnum
from types import SimpleNamespace

from oauthlib.oauth1.rfc5849 import signature, utils  # type: ignore[import-untyped]  # via tweepy

from aggregator.sandbox.routing import SandboxRequest

BEARER_TOKEN = "sandbox-x-bearer-hanbit-0001"  # noqa: S105 - opens nothing but the sandbox
USER_TOKEN = "sandbox-x-user-token-hanbit-0001"  # noqa: S105 - an OAuth 2.0 user token
CONSUMER_KEY = "sandboxConsumerKeyHanbit01"
CONSUMER_SECRET = "sandboxConsumerSecretHanbit0000000000000000001"  # noqa: S105
ACCESS_TOKEN = "1588413520741122048-sandboxAccessTokenHanbit01"  # noqa: S105
ACCESS_TOKEN_SECRET = "sandboxAccessTokenSecretHanbit0000000000001"  # noqa: S105
USER_TOKEN_ENV = "HANBIT_X_USER_TOKEN"  # noqa: S105 - variable names, not secrets
OAUTH1_ENV = {
    "consumer_key": "HANBIT_X_CONSUMER_KEY",
    "consumer_secret": "HANBIT_X_CONSUMER_SECRET",
    "access_token": "HANBIT_X_ACCESS_TOKEN",
    "access_token_secret": "HANBIT_X_ACCESS_TOKEN_SECRET",
}
OAUTH1_VALUES = {
    "consumer_key": CONSUMER_KEY,
    "consumer_secret": CONSUMER_SECRET,
    "access_token": ACCESS_TOKEN,
    "access_token_secret": ACCESS_TOKEN_SECRET,
}


class Auth(StrEnum):
    """What a request authenticated as."""

    NONE = "none"
    APP = "app"
    USER = "user"


def authenticate(request: SandboxRequest) -> Auth:
    """The request's authentication (NONE when missing or wrong)."""
    header = request.header("authorization") or ""
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ")
        if hmac.compare_digest(token, BEARER_TOKEN):
            return Auth.APP
        return Auth.USER if hmac.compare_digest(token, USER_TOKEN) else Auth.NONE
    if header.startswith("OAuth ") and _oauth1_valid(request, header):
        return Auth.USER
    return Auth.NONE


def _oauth1_valid(request: SandboxRequest, header: str) -> bool:
    """Verify an OAuth 1.0a HMAC-SHA1 signature (JSON bodies are not signed, as in tweepy)."""
    try:
        given = dict(utils.parse_authorization_header(header))
    except ValueError:
        return False
    if given.get("oauth_consumer_key") != CONSUMER_KEY or given.get("oauth_token") != ACCESS_TOKEN:
        return False
    path, _, query = request.target.partition("?")
    params = signature.collect_parameters(
        uri_query=query, headers={"Authorization": header}, exclude_oauth_signature=True
    )
    base = signature.signature_base_string(
        request.method,
        signature.base_string_uri(request.base_url + path),
        signature.normalize_parameters(params),
    )
    keys = SimpleNamespace(client_secret=CONSUMER_SECRET, resource_owner_secret=ACCESS_TOKEN_SECRET)
    expected = signature.sign_hmac_sha1_with_client(base, keys)
    return hmac.compare_digest(expected, utils.unescape(given.get("oauth_signature", "")))
