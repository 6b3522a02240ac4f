"""The platforms' write errors by name, as faults the sandbox answers a write with
(PLATFORMS-WRITE.md §1.5, §2.5, §3.2, §5.5, §6.6, §6.8): the real status, headers and
error body.

Some refusals also happen by themselves where the sandbox's world says so (a deleted
post, X replies restricted by the author, WordPress comments closed, duplicate text);
these faults make every case available on demand, for tests and for demos:

    inject(sandbox.faults, "facebook", "spam")      # the next Graph write: error 368
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aggregator.sandbox.faults import Fault, FaultSet
from aggregator.sandbox.x_write import DELETED, DUPLICATE, FORBIDDEN, RESTRICTED, UNSUPPORTED
from aggregator.sandbox.youtube import NAMED_ERRORS
from aggregator.sandbox.youtube_endpoints import DISABLED_MESSAGE
from aggregator.sandbox.youtube_render import GoogleError

JSON = {"Content-Type": "application/json; charset=UTF-8"}


@dataclass(frozen=True)
class WriteErrorCase:
    """How one platform refuses one write."""

    path: str
    method: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _graph(status: int, code: int, message: str, subcode: int | None = None) -> WriteErrorCase:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "AsandboxTrace"}  # fmt: skip
    if subcode is not None:
        error["error_subcode"] = subcode
    return WriteErrorCase("/v", "POST", status, {"error": error})


def _youtube(error: GoogleError) -> WriteErrorCase:
    return WriteErrorCase("/youtube/v3/comments", "POST", error.code, error.body())


def _x(
    status: int, detail: str, title: str = FORBIDDEN, kind: str = "about:blank"
) -> WriteErrorCase:
    body = {"title": title, "detail": detail, "type": kind, "status": status}
    return WriteErrorCase("/2/tweets", "POST", status, body)


def _wp(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> WriteErrorCase:
    body = {"code": code, "message": message, "data": {"status": status}}
    return WriteErrorCase("/wordpress/", "POST", status, body, headers or {})


CASES: dict[tuple[str, str], WriteErrorCase] = {
    ("facebook", "permission_10"): _graph(
        403, 10, "(#10) Application does not have permission for this action"
    ),
    ("facebook", "permission_200"): _graph(
        403, 200, "(#200) Requires pages_manage_engagement permission to manage the object"
    ),
    ("facebook", "target_gone"): _graph(
        400,
        100,
        "Unsupported post request. Object with ID does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation",
        subcode=33,
    ),
    ("facebook", "spam"): _graph(
        400,
        368,
        "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
        subcode=1390008,
    ),
    ("facebook", "rate_limited"): _graph(400, 32, "(#32) Page request limit reached"),
    ("instagram", "permission_10"): _graph(
        403, 10, "(#10) Application does not have permission for this action"
    ),
    ("instagram", "permission_200"): _graph(
        403, 200, "(#200) Requires instagram_manage_comments permission to manage the object"
    ),
    ("instagram", "target_gone"): _graph(
        400,
        100,
        "Unsupported post request. Object with ID does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation",
        subcode=33,
    ),
    ("instagram", "spam"): _graph(
        400,
        368,
        "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    ),
    ("instagram", "request_limit"): _graph(400, 32, "(#32) Page request limit reached"),
    ("instagram", "rate_limited"): _graph(
        400,
        80002,
        "There have been too many calls to this Instagram account. Wait a bit and try again.",
    ),
    ("youtube", "forbidden"): _youtube(NAMED_ERRORS["forbidden"]),
    ("youtube", "insufficient_permissions"): _youtube(
        GoogleError(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
            "global",
        )
    ),
    ("youtube", "comments_disabled"): _youtube(
        GoogleError(403, "commentsDisabled", DISABLED_MESSAGE, "youtube.commentThread")
    ),
    ("youtube", "processing_failure"): _youtube(
        GoogleError(
            400,
            "processingFailure",
            "The API server failed to successfully process the request.",
            "youtube.comment",
        )
    ),
    ("youtube", "quota_exceeded"): _youtube(NAMED_ERRORS["quota_exceeded"]),
    ("youtube", "target_gone"): _youtube(
        GoogleError(
            404,
            "parentCommentNotFound",
            "The parent comment could not be found.",
            "youtube.comment",
            "body.snippet.parentId",
            "other",
        )
    ),
    ("youtube", "invalid_text"): _youtube(
        GoogleError(
            400,
            "commentTextTooLong",
            "The comment is too long.",
            "youtube.comment",
            "body.snippet.textOriginal",
            "other",
        )
    ),
    ("youtube", "auth"): _youtube(NAMED_ERRORS["auth_expired"]),
    ("youtube", "backend"): _youtube(NAMED_ERRORS["backend"]),
    ("twitter", "permission"): _x(
        403,
        UNSUPPORTED,
        "Unsupported Authentication",
        "https://api.twitter.com/2/problems/unsupported-authentication",
    ),
    ("twitter", "target_gone"): _x(403, DELETED),
    ("twitter", "restricted"): _x(403, RESTRICTED),
    ("twitter", "duplicate"): _x(403, DUPLICATE),
    ("twitter", "rate_limited"): _x(429, "Too Many Requests", "Too Many Requests"),
    ("wordpress", "permission"): _wp(
        403, "rest_forbidden", "Sorry, you are not allowed to do that."
    ),
    ("wordpress", "target_gone"): _wp(
        403,
        "rest_comment_invalid_post_id",
        "Sorry, you are not allowed to create this comment without a post.",
    ),
    ("wordpress", "closed"): _wp(
        403, "rest_comment_closed", "Sorry, comments are closed for this item."
    ),
    ("wordpress", "duplicate"): _wp(
        409,
        "comment_duplicate",
        "Duplicate comment detected; it looks as though you’ve already said that!",
    ),
    ("wordpress", "rate_limited"): _wp(
        429,
        "comment_flood",
        "You are posting comments too quickly. Slow down.",
        {"Retry-After": "120"},
    ),
}
"""Every write error the answers worker must tell apart, per platform."""


def inject(faults: FaultSet, platform: str, case: str, times: int | None = 1) -> Fault:
    """Make the platform's next `times` writes fail as `case` (see `CASES`)."""
    found = CASES.get((platform, case))
    if found is None:
        known = ", ".join(sorted(f"{p}:{c}" for p, c in CASES))
        raise KeyError(f"no write error {platform}:{case} (known: {known})")
    body = json.dumps(found.body, ensure_ascii=False).encode()
    return faults.add(
        "status", found.path, method=found.method, times=times, status=found.status,
        headers={**JSON, **found.headers}, body=body,
    )  # fmt: skip
