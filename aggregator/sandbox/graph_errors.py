"""Graph's errors in the sandbox: the texts Graph answers with, and the errors tests script.

`MESSAGES` and `SUBCODE_MESSAGES` are Graph's own texts for the codes the connectors tell
apart; `ScriptedError` is one error `GraphApi.fail` scripted (queued in
`aggregator.sandbox.scripted.ScriptedErrors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aggregator.sandbox.graph_render import GraphFailure
from aggregator.sandbox.platform import WriteErrorCase

MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) Application does not have permission for this action",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    190: "Invalid OAuth access token - Cannot parse access token",
    200: "(#200) Permissions error",
    283: "(#283) Requires pages_read_user_content permission to manage the object",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and "
    "try again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}
SUBCODE_MESSAGES = {
    460: "Error validating access token: The session has been invalidated because the user "
    "changed their password or Facebook has changed the session for security reasons.",
    463: "Error validating access token: Session has expired on Thursday, 19-Nov-26 "
    "16:00:00 PST. The current time is Friday, 20-Nov-26 01:00:00 PST.",
    467: "Error validating access token: The session is invalid because the user logged out.",
}
UNSUPPORTED_POST = (
    "Unsupported post request. Object with ID does not exist, cannot be loaded "
    "due to missing permissions, or does not support this operation"
)
"""Error 100/33: a write to a node that is gone (or never was)."""
ABUSIVE = "(#368) The action attempted has been deemed abusive or is otherwise disallowed"
REDUCE_DATA = "Please reduce the amount of data you're asking for, then retry your request"


@dataclass
class ScriptedError:
    """A Graph error to answer on matching requests (see `GraphApi.fail`)."""

    failure: GraphFailure
    path_contains: str
    skip: int
    times: int | None
    method: str | None = None
    applied: bool = False
    """Run the request first (a write is published), then answer the error."""


def write_error(status: int, code: int, message: str, subcode: int | None = None) -> WriteErrorCase:
    """A Graph write (any node, POST) refused with an `OAuthException` of `code`."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "AsandboxTrace"}  # fmt: skip
    if subcode is not None:
        error["error_subcode"] = subcode
    return WriteErrorCase("/v", "POST", status, {"error": error})
