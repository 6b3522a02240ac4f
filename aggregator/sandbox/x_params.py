"""X API v2 request parameters and answer bodies, as the sandbox parses and writes them.

Problem bodies follow RFC 7807 as X sends them (`title`, `detail`, `type`, and `status`
for `about:blank`); a 200 may carry partial `errors` (`not_found`). Pagination tokens
are opaque to clients; here they encode the id the next page continues below.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from aggregator.sandbox.routing import SandboxRequest, SandboxResponse
from aggregator.sandbox.x_world import TWITTER_EPOCH_MS

PROBLEMS = "https://api.twitter.com/2/problems/"
CONTENT_TYPE = "application/json; charset=utf-8"
PAGE_MARK = "7140dibdnow"
CONVERSATION = re.compile(r"\(?conversation_id:(\d{1,25})\)?")


class BadRequest(Exception):
    """A parameter X would reject; becomes a 400 invalid-request problem."""


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> SandboxResponse:
    """An RFC 7807 problem answer as X sends it."""
    body: dict[str, Any] = {"title": title, "detail": detail}
    body["type"] = kind if ":" in kind else PROBLEMS + kind
    if kind == "about:blank":
        body["status"] = status
    return json_answer(status, body)


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> SandboxResponse:
    """A JSON answer with X's content type."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return SandboxResponse(status, data, {"Content-Type": CONTENT_TYPE, **(headers or {})})


def invalid_request(message: str) -> SandboxResponse:
    """X's 400 for a bad parameter."""
    body = {
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }
    return json_answer(400, body)


def not_found(resource: str, value: str, parameter: str) -> dict[str, str]:
    """One partial error of a 200 answer: the item does not exist (or was deleted)."""
    return {
        "value": value,
        "detail": f"Could not find {resource} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }


def not_authorized(resource: str, value: str, parameter: str) -> dict[str, str]:
    """One partial error of a 200 answer: the item exists but may not be seen (protected)."""
    return {
        "value": value,
        "detail": f"Sorry, you are not authorized to see the {resource} with {parameter}: "
        f"[{value}].",
        "title": "Authorization Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "not-authorized-for-resource",
    }


def fields(request: SandboxRequest, name: str) -> frozenset[str]:
    return frozenset(f for f in (request.param(name) or "").split(",") if f)


def int_param(request: SandboxRequest, name: str, default: int, bounds: tuple[int, int]) -> int:
    raw = request.param(name)
    if raw is None:
        return default
    if not raw.isdigit() or not bounds[0] <= int(raw) <= bounds[1]:
        raise BadRequest(
            f"The `{name}` query parameter value [{raw}] is not between {bounds[0]} and {bounds[1]}"
        )
    return int(raw)


def page_token(raw: str | None) -> int:
    """The id a pagination token continues below (tokens are opaque to clients)."""
    if raw is None:
        return 1 << 64
    if not raw.startswith(PAGE_MARK):
        raise BadRequest(f"The `pagination_token` query parameter value [{raw}] is not valid")
    try:
        return int(raw[len(PAGE_MARK) :], 36)
    except ValueError:
        raise BadRequest(f"The pagination token [{raw}] is not valid") from None


def base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out or "0"


def conversations(query: str) -> tuple[set[int], bool]:
    """The ids of a `conversation_id:a OR conversation_id:b` query, optionally in
    parentheses followed by `is:reply` (True then); the sandbox understands no more."""
    if len(query) > 512:
        raise BadRequest("The `query` query parameter value must be at most 512 characters")
    replies_only = query.endswith(" is:reply")
    body = query.removesuffix(" is:reply").strip()
    if replies_only and body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    terms = [term.strip() for term in body.split(" OR ")]
    matches = [CONVERSATION.fullmatch(term) for term in terms]
    if not all(matches):
        raise BadRequest(f"The sandbox supports only conversation_id: queries, got [{query}]")
    return {int(m[1]) for m in matches if m}, replies_only


def check_window(request: SandboxRequest, oldest: datetime) -> None:
    """Recent search refuses a `since_id` or `start_time` older than 7 days, as X does."""
    since = request.param("since_id")
    if since and since.isdigit():
        made = _snowflake_time(int(since))
        if made < oldest:
            raise BadRequest(
                f"Invalid 'since_id':'{since}'. 'since_id' must be a tweet id created after "
                f"{iso(oldest)}."
            )
    start = request.param("start_time")
    if start and datetime.fromisoformat(start.replace("Z", "+00:00")) < oldest:
        raise BadRequest(
            f"Invalid 'start_time':'{start}'. 'start_time' must be on or after {iso(oldest)}."
        )


def _snowflake_time(tweet_id: int) -> datetime:
    return datetime.fromtimestamp(((tweet_id >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
