"""The contract suite's case table: what each platform declares, and how to reach its sandbox.

`SPECS` is the registry (`connectors.registry.PLATFORMS`): the suite reads each platform's
declared name, comments_readable and streams (primary key, cursor field, order).

`CASES` says how to point each platform's connector at a running sandbox (its account
entry, the path of its read API) and how to make that API answer 401 and 429 the way the
real platform does, with the sandbox's fault API. A platform has one case per way of
reading it (a blog is read from a plain feed or from WordPress's REST API).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aggregator.sandbox import Sandbox
from aggregator.sandbox import pinterest as pinterest_sandbox
from aggregator.sandbox import twitter as x_sandbox
from aggregator.sandbox.config_writer import build_config
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.sandbox.instagram import LOGIN_PREFIX
from aggregator.sandbox.instagram import USER_TOKEN as IG_USER_TOKEN
from aggregator.sandbox.instagram_login import account_config as instagram_login_account
from aggregator.sandbox.pinterest import SANDBOX_TOKEN as PINTEREST_TOKEN
from aggregator.sandbox.twitter import BEARER_TOKEN
from aggregator.sandbox.wordpress_auth import APP_PASSWORD
from aggregator.sandbox.youtube import API_KEY as YOUTUBE_KEY
from aggregator.sandbox.youtube import NAMED_ERRORS as YOUTUBE_ERRORS
from connectors.registry import PLATFORMS

LONG_WAIT = 3600
"""Seconds a throttled platform asks us to wait: longer than any run may wait."""


# -- the spec, as far as the suite reads it ------------------------------------------------


class Stream(Protocol):
    """The fields of `connectors.spec.StreamSpec` the suite reads."""

    @property
    def name(self) -> str: ...
    @property
    def primary_key(self) -> tuple[str, ...]: ...
    @property
    def cursor_field(self) -> str | None: ...
    @property
    def order(self) -> str: ...


class Spec(Protocol):
    """The fields of `connectors.spec.PlatformSpec` the suite reads."""

    @property
    def name(self) -> str: ...
    @property
    def comments_readable(self) -> bool: ...
    @property
    def streams(self) -> tuple[Stream, ...]: ...


SPECS: Mapping[str, Spec] = PLATFORMS
"""What each platform declares (`connectors.registry`): the suite runs from it."""


# -- how each platform is reached in the sandbox -------------------------------------------

Inject = Callable[[Sandbox], object]


@dataclass(frozen=True)
class ContractCase:
    """One way of reading a platform, pointed at a sandbox.

    Attributes:
        id: the pytest id.
        platform: the platform's registered name (a key of `SPECS`).
        account: the account entry of the config, built from the sandbox's base URL.
        api_path: the path prefix every read request of this account starts with.
        secrets: the credential values the account reads with (never in a log or record).
        unauthorized: makes the read API answer 401 as the platform does.
        throttled: makes the read API answer 429 with a wait longer than a run may wait.
        reads_with_token: False for public feeds: a 401 then has no token to renew, so the
            run fails naming the URL instead of asking for re-authorisation.
        usage_streams: cursor streams that count spending (calls per day), not data read;
            they may change on a run that reads nothing new.
        silent_streams: declared streams this way of reading yields nothing from (a Naver
            feed carries posts only: its comments are not published anywhere we can read).
    """

    id: str
    platform: str
    account: Callable[[str], dict[str, Any]]
    api_path: str
    secrets: tuple[str, ...]
    unauthorized: Inject
    throttled: Inject
    reads_with_token: bool = True
    usage_streams: frozenset[str] = field(default_factory=frozenset)
    silent_streams: frozenset[str] = field(default_factory=frozenset)

    @property
    def spec(self) -> Spec:
        """The platform's declared spec."""
        return SPECS[self.platform]


def sandbox_account(name: str, **changes: Any) -> Callable[[str], dict[str, Any]]:
    """The sandbox config's account `name`, with `changes`, for a sandbox at a base URL."""

    def build(base_url: str) -> dict[str, Any]:
        accounts = build_config(base_url)["accounts"]
        entry: dict[str, Any] = next(a for a in accounts if a["name"] == name)
        return {**entry, **changes}

    return build


def plain_status(path: str, status: int) -> Inject:
    """A bare HTTP status on `path` (what a feed host or its proxy answers), with Retry-After."""
    headers = {"Retry-After": str(LONG_WAIT)} if status == 429 else {}
    return lambda sandbox: sandbox.faults.status(path, status, headers=headers)


def graph_error(
    status: int,
    code: int,
    message: str,
    subcode: int | None = None,
    *,
    type: str = "OAuthException",
    prefix: str = "",
) -> Inject:
    """Graph API's JSON error body (`{"error": {...}}`) with `status` on every Graph path
    (Instagram Login: `type="IGApiException"` under its host's prefix)."""
    error: dict[str, Any] = {"message": message, "type": type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "AbCdEfGhIjKlMnOpQrStUv"
    body = json.dumps({"error": error}).encode()
    headers = {"Content-Type": "application/json; charset=UTF-8", "Retry-After": str(LONG_WAIT)}
    path = prefix + "/v25.0/"
    return lambda sandbox: sandbox.faults.status(path, status, headers=headers, body=body)


def x_unauthorized(sandbox: Sandbox) -> object:
    """X's RFC 7807 answer to a refused bearer token."""
    return x_sandbox.problem_fault(
        sandbox.faults, "/2/", 401, "Unauthorized", "Unauthorized", "about:blank"
    )


def x_throttled(sandbox: Sandbox) -> object:
    """X's 429 with `x-rate-limit-reset` an hour after the sandbox's now."""
    return x_sandbox.rate_limit_fault(sandbox.faults, sandbox.now(), "/2/", reset_in=LONG_WAIT)


def pinterest_unauthorized(sandbox: Sandbox) -> object:
    """Pinterest's 401 body for a rejected OAuth token."""
    body = json.dumps({"code": 2, "message": "Authentication failed."}).encode()
    headers = {"Content-Type": "application/json"}
    return sandbox.faults.status("/v5/", 401, headers=headers, body=body)


def pinterest_throttled(sandbox: Sandbox) -> object:
    """Pinterest's 429 with `x-ratelimit-reset` an hour away."""
    return pinterest_sandbox.rate_limit_fault(sandbox.faults, "/v5/", reset_in=LONG_WAIT)


def youtube_error(name: str, status: int | None = None) -> Inject:
    """Google's error envelope (`youtube.NAMED_ERRORS[name]`) on every YouTube path; a 429
    asks for an hour (`Retry-After`)."""
    error = YOUTUBE_ERRORS[name]
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    if (status or error.code) == 429:
        headers["Retry-After"] = str(LONG_WAIT)
    return lambda sandbox: sandbox.faults.status(
        "/youtube/v3/", status or error.code, headers=headers, body=error.json()
    )


CASES: tuple[ContractCase, ...] = (
    ContractCase(
        id="blog-feed",
        platform="blog",
        account=sandbox_account("naver-blog"),
        api_path="/naver/",
        secrets=(),
        unauthorized=plain_status("/naver/", 401),
        throttled=plain_status("/naver/", 429),
        reads_with_token=False,
        silent_streams=frozenset({"comments"}),
    ),
    ContractCase(
        id="blog-wordpress-rest",
        platform="blog",
        account=sandbox_account("wordpress-news", comments_api="rest"),
        api_path="/wordpress/",
        secrets=(APP_PASSWORD,),
        unauthorized=plain_status("/wordpress/", 401),
        throttled=plain_status("/wordpress/", 429),
        reads_with_token=False,
    ),
    ContractCase(
        id="facebook",
        platform="facebook",
        account=sandbox_account("facebook-page"),
        api_path="/v25.0/",
        secrets=(PAGE_TOKEN,),
        unauthorized=graph_error(
            401, 190, "Error validating access token: Session has expired.", subcode=463
        ),
        throttled=graph_error(429, 4, "Application request limit reached"),
    ),
    ContractCase(
        id="twitter",
        platform="twitter",
        account=sandbox_account("x-account"),
        api_path="/2/",
        secrets=(BEARER_TOKEN,),
        unauthorized=x_unauthorized,
        throttled=x_throttled,
    ),
    ContractCase(
        id="pinterest",
        platform="pinterest",
        account=sandbox_account("pinterest"),
        api_path="/v5/",
        secrets=(PINTEREST_TOKEN,),
        unauthorized=pinterest_unauthorized,
        throttled=pinterest_throttled,
        usage_streams=frozenset({"api_budget"}),
    ),
    ContractCase(
        id="instagram",
        platform="instagram",
        account=sandbox_account("instagram"),
        api_path="/v25.0/",
        secrets=(PAGE_TOKEN,),
        unauthorized=graph_error(
            401, 190, "Error validating access token: Session has expired.", subcode=463
        ),
        throttled=graph_error(
            429, 80002, "(#80002) There have been too many calls to this Instagram account."
        ),
    ),
    ContractCase(
        id="instagram-login",
        platform="instagram",
        account=lambda base_url: instagram_login_account(base_url.rstrip("/"), 15),
        api_path=LOGIN_PREFIX + "/v25.0/",
        secrets=(IG_USER_TOKEN,),
        unauthorized=graph_error(
            401,
            190,
            "Error validating access token: Session has expired.",
            subcode=463,
            type="IGApiException",
            prefix=LOGIN_PREFIX,
        ),
        throttled=graph_error(
            429,
            80002,
            "(#80002) There have been too many calls to this Instagram account.",
            type="IGApiException",
            prefix=LOGIN_PREFIX,
        ),
    ),
    ContractCase(
        id="youtube",
        platform="youtube",
        account=sandbox_account("youtube"),
        api_path="/youtube/v3/",
        secrets=(YOUTUBE_KEY,),
        unauthorized=youtube_error("auth_expired"),
        throttled=youtube_error("rate_limited"),
        usage_streams=frozenset({"quota"}),
    ),
)


# -- what the suite knows to be broken today -----------------------------------------------

KNOWN_DEFECTS: Mapping[tuple[str, str], str] = {}
"""(check, case id) -> why that platform fails that check today; such tests are marked
`xfail(strict=True)`, so the day a fix lands they fail until the entry is removed."""


def registered_platforms() -> frozenset[str]:
    """The platforms `connectors.factory_for` knows: the registry's."""
    return frozenset(PLATFORMS)
