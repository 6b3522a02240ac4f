"""Graph API errors, usage headers and secrets: what each means for a sync run.

`classify` turns a Graph error body (read from `GraphAPIError.result`, since facebook-sdk
hides `error_subcode`) into an `Outcome`: retry with backoff (transient), wait
(throttled), shrink the page size (code 1 "reduce the amount of data"), gone (100/33),
or fail with one of our typed errors, whose message tells an administrator what to do.
`parse_usage` reads `X-App-Usage`, `X-Page-Usage` and `X-Business-Use-Case-Usage`;
`retry_after_seconds` reads a proxy's `Retry-After` (seconds or an HTTP date).
`redact` keeps the token (which travels in the query string) out of error messages and
log records are cleaned, both by the one redaction of `aggregator.redaction`.

Codes: https://developers.facebook.com/docs/graph-api/guides/error-handling and
https://developers.facebook.com/docs/graph-api/overview/rate-limiting .
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aggregator.connector import AuthExpired, ConnectorError, FetchError, PermissionMissing
from aggregator.http_retry import throttle_hint
from aggregator.redaction import redact as redact_text

log = logging.getLogger(__name__)

AUTH_CODES = frozenset({102, 104, 190})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
THROTTLE_CODES = frozenset({4, 17, 32, 341, 368, 613, *range(80000, 80100)})
LONG_THROTTLE_CODES = frozenset({32, 341, 368, 613})
"""Page-level and policy limits: waiting minutes does not help (32 extends its own penalty)."""
LONG_THROTTLE_SECONDS = 3600.0
TRANSIENT_CODES = frozenset({1, 2})
GONE = (100, 33)
REDUCE_DATA = "reduce the amount of data"
NEEDED_PERMISSIONS = "pages_show_list, pages_read_engagement and pages_read_user_content"
PERMISSION_NAME = re.compile(
    r"\b(pages_[a-z_]+|instagram_[a-z_]+|read_insights|business_management)\b"
)
PERMISSION_BY_CODE = {283: "pages_read_user_content", 10: "pages_read_engagement"}
AUTH_REASONS = {
    458: "the app was removed from the Page admin's Facebook account",
    459: "the Page admin's Facebook account is checkpointed (they must log in on facebook.com)",
    460: "the Page admin changed their Facebook password",
    463: "the token has expired",
    464: "the Page admin's Facebook account is not confirmed",
    467: "the token is invalid (the admin logged out or the token was revoked)",
}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without credentials: `aggregator.redaction.redact`, the one redaction."""
    return redact_text(text, secrets)


class Action(StrEnum):
    """What the client does about an error."""

    RETRY = "retry"
    THROTTLE = "throttle"
    SHRINK = "shrink"
    GONE = "gone"
    FAIL = "fail"


@dataclass(frozen=True)
class GraphError:
    """The fields of a Graph error body (`{"error": {...}}`) that decide what to do."""

    code: int | None
    subcode: int | None
    type: str
    message: str
    transient: bool = False
    trace_id: str | None = None

    @classmethod
    def from_body(cls, body: Any, secrets: Iterable[str] = ()) -> GraphError:
        """Parse an error body (any shape: a dict, or the SDK's message string)."""
        error = body.get("error") if isinstance(body, Mapping) else None
        if not isinstance(error, Mapping):
            return cls(None, None, "", redact(str(body)[:300], secrets))
        return cls(
            code=_int(error.get("code")),
            subcode=_int(error.get("error_subcode")),
            type=str(error.get("type") or ""),
            message=redact(str(error.get("message") or "")[:500], secrets),
            transient=error.get("is_transient") is True,
            trace_id=str(error["fbtrace_id"]) if error.get("fbtrace_id") else None,
        )

    def describe(self) -> str:
        """`(#190/463 OAuthException) message`: for logs and run records."""
        code = "?" if self.code is None else str(self.code)
        if self.subcode is not None:
            code += f"/{self.subcode}"
        kind = f" {self.type}" if self.type else ""
        return f"(#{code}{kind}) {self.message}".strip()


@dataclass(frozen=True)
class GraphOwner:
    """Whose data a Graph client reads, as the messages for an administrator name it.

    Attributes:
        id: the node the token reads (a Page id, an Instagram user id).
        what: what that node is, before its id in messages (`page`).
        needed: the permissions the connector needs, named when one is missing.
        by_code: the permission an error code means when the message names none.
        readme: the README section that tells how to issue a new token.
        issuer: who issued the token and refuses it (`Facebook`, `Instagram`).
        token_kind: what kind of token it is (`Page access token`, `Instagram User token`).
        renew: who issues a new one, and how (the message's instruction).
    """

    id: str
    what: str = "page"
    needed: str = NEEDED_PERMISSIONS
    by_code: Mapping[int, str] = field(default_factory=lambda: dict(PERMISSION_BY_CODE))
    readme: str = "Facebook"
    issuer: str = "Facebook"
    token_kind: str = "Page access token"  # noqa: S105 - a kind of token, no secret
    renew: str = "A Page admin must issue a new long-lived Page access token"

    def __str__(self) -> str:
        return f"{self.what} {self.id}"


@dataclass(frozen=True)
class Outcome:
    """What to do about one error: an action, the error to raise, the least wait."""

    action: Action
    error: ConnectorError | None = None
    min_wait: float = 0.0


def classify(error: GraphError, owner: GraphOwner | str, token_env: str) -> Outcome:
    """Decide what an error means for the run (see the module docstring).

    Args:
        error: the error body's fields.
        owner: whose data the token reads (a bare id is a Facebook Page's).
        token_env: the variable the token comes from, named in the message.
    """
    who = owner if isinstance(owner, GraphOwner) else GraphOwner(owner)
    code = error.code
    if code in AUTH_CODES:
        return Outcome(Action.FAIL, AuthExpired(_auth_message(error, who, token_env)))
    if code in PERMISSION_CODES:
        return Outcome(Action.FAIL, PermissionMissing(_permission_message(error, who)))
    if code in THROTTLE_CODES:
        wait = LONG_THROTTLE_SECONDS if code in LONG_THROTTLE_CODES else 0.0
        return Outcome(Action.THROTTLE, min_wait=wait)
    if code == 1 and REDUCE_DATA in error.message.lower():
        return Outcome(Action.SHRINK)
    if code in TRANSIENT_CODES or error.transient:
        return Outcome(Action.RETRY)
    if (code, error.subcode) == GONE:
        return Outcome(Action.GONE)
    if code == 100 and PERMISSION_NAME.search(error.message) and "permission" in error.message:
        return Outcome(Action.FAIL, PermissionMissing(_permission_message(error, who)))
    if code == 100 and "appsecretproof" in re.sub(r"[\s_]", "", error.message.lower()):
        message = (
            f"the Graph API wants a valid appsecret_proof for {who} "
            f"{error.describe()}: set app_secret (as {{env: NAME}}) to the app's secret"
        )
        return Outcome(Action.FAIL, PermissionMissing(message))
    return Outcome(Action.FAIL, FetchError(f"Graph API error {error.describe()}"))


def _auth_message(error: GraphError, owner: GraphOwner, token_env: str) -> str:
    reason = AUTH_REASONS.get(error.subcode or 0, "the token is invalid or has expired")
    return (
        f"{owner.issuer} rejected the {owner.token_kind} of {owner}: {reason} "
        f"{error.describe()}. {owner.renew} "
        f"(README, '{owner.readme}') and set it in ${token_env}; the next run uses it."
    )


def _permission_message(error: GraphError, owner: GraphOwner) -> str:
    named = sorted(set(PERMISSION_NAME.findall(error.message)))
    wanted = ", ".join(named) or owner.by_code.get(error.code or 0) or owner.needed
    return (
        f"the {owner.issuer} token of {owner} lacks the permission {wanted} "
        f"{error.describe()}. Grant it to the app, then issue a new {owner.token_kind} "
        f"(the connector needs {owner.needed})."
    )


@dataclass(frozen=True)
class GraphUsage:
    """How much of the Graph rate limits is used (percent) and the wait Graph asks for."""

    app: int = 0
    business: int = 0
    page: int = 0
    regain_seconds: float = 0.0

    @property
    def percent(self) -> int:
        """The highest share of any limit in use."""
        return max(self.app, self.business, self.page)

    def describe(self) -> str:
        """The header values, for the log line that explains a pause or a stop."""
        return (
            f"X-App-Usage {self.app}%, X-Business-Use-Case-Usage {self.business}%, "
            f"X-Page-Usage {self.page}%, estimated_time_to_regain_access "
            f"{self.regain_seconds / 60:.0f} min"
        )


def parse_usage(headers: Mapping[str, str]) -> GraphUsage:
    """Read the usage headers of one response (absent or malformed ones count as 0)."""
    app = _percent(_json_header(headers, "X-App-Usage"))
    page = _percent(_json_header(headers, "X-Page-Usage"))
    business, regain = 0, 0.0
    buc = _json_header(headers, "X-Business-Use-Case-Usage")
    if isinstance(buc, Mapping):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else ():
                business = max(business, _percent(entry))
                minutes = (
                    entry.get("estimated_time_to_regain_access")
                    if isinstance(entry, Mapping)
                    else None
                )
                regain = max(regain, 60.0 * (_int(minutes) or 0))
    return GraphUsage(app=app, business=business, page=page, regain_seconds=regain)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` as seconds (a number, or an HTTP date counted from the `Date` header).

    The one reading of throttling headers, `aggregator.http_retry.throttle_hint`.
    """
    return throttle_hint(headers)


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    value = headers.get(name)
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        log.debug("ignoring malformed %s header", name)
        return None


def _percent(value: Any) -> int:
    if not isinstance(value, Mapping):
        return 0
    numbers = [_int(value.get(k)) for k in ("call_count", "total_cputime", "total_time")]
    return max((n for n in numbers if n is not None), default=0)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float):
        return int(value)
    return None
