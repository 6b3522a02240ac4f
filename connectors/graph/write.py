"""The Graph API write calls the Facebook Page and Instagram writers share.

Both platforms answer through the same host, versioned paths, facebook-sdk adapter
(`connectors.graph.api`: `GraphTransport` over our `HttpClient`, `SdkGraph`) and error
envelope, so the token handling, the error classification (PLATFORMS-WRITE.md §1.5,
§5.5) and the "one call, every failure a `WriteError`" wrapper live here; each platform
keeps its own calls and its own Korean staff sentences (`StaffMessage`).

Error codes, as both platforms answer them:
    190                     token expired or invalid            -> AUTH
    10, 200-299, 283, 1705  permission missing / wrong token    -> PERMISSION
    100 with subcode 33     the target was deleted              -> TARGET_GONE
    368                     deemed abusive / repeated content   -> SPAM
    4, 17, 32, 613, 80001, 80002  throttled                     -> RATE_LIMITED (regain time)
    1, 2 or transient       unexpected error (may have posted)  -> NETWORK
    anything else                                               -> INVALID

A write is tried once: never retried here, the outbox decides after reading back.
Messages never carry a token (`GraphError.from_body` scrubs them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import facebook
import requests

from aggregator.http import HttpClient
from aggregator.net_errors import describe_network_error
from connectors.common.reply import WriteError, WriteErrorKind
from connectors.common.write_common import StaffMessage, network_error, rate_limited
from connectors.graph.api import (
    NETWORK_ERRORS,
    GraphTransport,
    SdkGraph,
    UnexpectedResponse,
    appsecret_proof,
)
from connectors.graph.errors import GraphError, parse_usage

THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
PERMISSION_CODES = frozenset({10, 283, 1705, *range(200, 300)})
DEFAULT_RETRY_SECONDS = 300.0

ErrorReading = Callable[[GraphError, float | None], WriteError]
"""A platform's `WriteError` for a Graph error body and the usage headers' regain time."""


def write_error(
    error: GraphError, staff: StaffMessage, regain_seconds: float | None = None
) -> WriteError:
    """The `WriteError` for a Graph error body, with the platform's staff sentences."""
    code = error.code
    if code == 190:
        kind = WriteErrorKind.AUTH
    elif code in PERMISSION_CODES:
        kind = WriteErrorKind.PERMISSION
    elif code == 100 and error.subcode == 33:
        kind = WriteErrorKind.TARGET_GONE
    elif code == 368:
        kind = WriteErrorKind.SPAM
    elif code in THROTTLE_CODES:
        wait = regain_seconds or DEFAULT_RETRY_SECONDS
        return rate_limited(f"Graph API {error.describe()}", staff, wait)
    elif code in (1, 2) or error.transient:
        kind = WriteErrorKind.NETWORK
    else:
        kind = WriteErrorKind.INVALID
    return WriteError(kind, f"Graph API {error.describe()}", staff(kind))


class GraphWriteClient:
    """facebook-sdk's client over our HTTP client with one account's write token.

    Args:
        http: the HTTP client (the token, app secret and proof are registered with its
            log redaction).
        token: the write token (a Page token with the write permissions).
        app_secret: when set, every call carries `appsecret_proof`.
        graph_url: the host (`https://graph.facebook.com/`, the sandbox in tests).
        version: the version prefix (`v25.0`).
        staff: the platform's Korean sentence per error kind.
        to_error: the platform's reading of a Graph error body (default `write_error`
            with `staff`).
    """

    def __init__(
        self,
        http: HttpClient,
        token: str,
        app_secret: str | None,
        graph_url: str,
        version: str,
        staff: StaffMessage,
        to_error: ErrorReading | None = None,
    ) -> None:
        proof = appsecret_proof(token, app_secret) if app_secret else None
        self.secrets = tuple(s for s in (token, app_secret, proof) if s)
        http.protect(self.secrets)
        self.staff = staff
        self.to_error: ErrorReading = to_error or (lambda e, wait: write_error(e, staff, wait))
        self.regain_seconds: float | None = None
        self.calls = 0
        transport = GraphTransport(http, graph_url, self._record_usage)
        self.graph = SdkGraph(token, transport, version, proof)

    @property
    def version(self) -> str:
        """The version prefix of every path."""
        return str(self.graph.version)

    def get(self, node_path: str, args: Mapping[str, str]) -> dict[str, Any]:
        """`GET {version}/{node_path}` with `args`."""
        path = f"{self.version}/{node_path}"
        return self.call(lambda: self.graph.request(path, dict(args)))

    def post(self, node_path: str, args: Mapping[str, str]) -> dict[str, Any]:
        """`POST {version}/{node_path}` with `args` form-encoded (the token added)."""
        path = f"{self.version}/{node_path}"
        return self.call(lambda: self.graph.request(path, post_args=dict(args)))

    def call(self, send: Callable[[], Any]) -> dict[str, Any]:
        """One Graph call; every failure as a `WriteError`."""
        self.calls += 1
        staff = self.staff
        try:
            result = send()
        except facebook.GraphAPIError as exc:
            error = GraphError.from_body(exc.result, self.secrets)
            raise self.to_error(error, self.regain_seconds) from None
        except NETWORK_ERRORS as exc:
            raise network_error(f"Graph API: {describe_network_error(exc)}", staff) from None
        except UnexpectedResponse as exc:
            if exc.status == 429:
                raise rate_limited(f"Graph API: {exc}", staff, exc.retry_after) from None
            raise network_error(f"Graph API: {exc}", staff) from None
        except requests.JSONDecodeError:
            raise network_error("Graph API: the body is not valid JSON", staff) from None
        if not isinstance(result, dict):
            raise network_error("Graph API: the answer is not an object", staff)
        return result

    def _record_usage(self, headers: Mapping[str, str]) -> None:
        self.regain_seconds = parse_usage(headers).regain_seconds or None


def items(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The objects of a list answer's `data`."""
    data = body.get("data")
    return [i for i in data if isinstance(i, Mapping)] if isinstance(data, list) else []


def next_after(body: Mapping[str, Any]) -> str | None:
    """The `after` cursor of a list answer that has a next page, else None."""
    paging = body.get("paging")
    if not isinstance(paging, Mapping) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, Mapping) else None
    return str(after) if after else None


def str_or_none(value: Any) -> str | None:
    """`value` as text, None when empty."""
    return str(value) if value else None


def graph_time(value: Any) -> datetime | None:
    """`2026-11-20T01:02:03+0000` as an aware datetime, or None."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
