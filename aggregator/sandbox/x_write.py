"""X API v2 writes in the sandbox: the district replies to a resident and hides replies.

    POST /2/tweets               {"text": ..., "reply": {"in_reply_to_tweet_id": ...}}
                                 -> 201, `location`,
                                    {"data": {"id", "text", "edit_history_tweet_ids"}}
    PUT  /2/tweets/{id}/hidden   {"hidden": true|false} -> 200 {"data": {"hidden": ...}}

Only user context may write (`x_auth`: OAuth 1.0a or the OAuth 2.0 user token); the app's
bearer token gets X's 403 `unsupported-authentication`. As X (self-serve, since
2026-02-23): a reply needs a summons, i.e. the resident's tweet mentions @district
(403 otherwise); `XWorld.restrict_replies(tweet_id)` makes a tweet refuse replies like an
author's `reply_settings`; identical text already posted by the district is 403 duplicate
content; a deleted target is 403 (the exact wording X uses for these refusals was not
captured, see PLATFORMS-WRITE.md §2.2). Hiding works on replies in the district's own
conversations only. Writes have their own rate windows (100 and 50 per 15 minutes).
The reply is then listed by the timeline, search and lookup like any district tweet.
Other failures (429, 5xx, dropped connections after publishing) come from `faults`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aggregator.sandbox.platform import WriteErrorCase, WriteErrors
from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse
from aggregator.sandbox.twitter import XApiSandbox
from aggregator.sandbox.x_auth import Auth, authenticate
from aggregator.sandbox.x_params import BadRequest, json_answer, problem
from aggregator.sandbox.x_world import XTweet

FORBIDDEN = "Forbidden"
UNSUPPORTED = (
    "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context]."
)
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
NOT_SUMMONED = (
    "Reply to this Tweet is not allowed because you have not been mentioned or otherwise "
    "engaged by the author of the post you are replying to."
)
RESTRICTED = "You are not allowed to reply to this Tweet."
DELETED = "You attempted to reply to a Tweet that is deleted or not visible to you."
NOT_OWN = "You can only hide or unhide replies to conversations you authored."
MAX_CHARS = 280


class XWrites:
    """Write handlers over an `XApiSandbox`'s world, behind its rate windows."""

    def __init__(self, api: XApiSandbox) -> None:
        self.api = api
        self.world = api.world
        self.require_summons = True

    def register(self, router: Router) -> None:
        """Add the write routes."""
        router.add(
            "POST", r"/2/tweets", self._user_only(self.api.guarded("tweets/create", self.create))
        )
        hidden = self.api.guarded("tweets/hidden", self.hide)
        router.add("PUT", r"/2/tweets/(?P<id>[0-9]+)/hidden", self._user_only(hidden))

    def create(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`POST /2/tweets` as a reply."""
        body = _json_body(request)
        text, reply = body.get("text"), body.get("reply")
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("The `text` field must be a non-empty string")
        if len(text) > MAX_CHARS:
            raise BadRequest(f"The `text` field must be at most {MAX_CHARS} characters")
        target_id = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
        if not isinstance(target_id, str) or not target_id.isdigit():
            raise BadRequest("The sandbox accepts replies only: give reply.in_reply_to_tweet_id")
        now = self.api.now()
        target = self.world.find(int(target_id))
        refused = self._refusal(target, text, now)
        if refused is not None:
            return refused
        assert target is not None
        tweet = self.world.add_reply(target, text, now)
        tweet_id = str(tweet.key)
        data = {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}
        answer = json_answer(201, {"data": data})
        answer.headers["location"] = f"{request.base_url}/2/tweets/{tweet_id}"
        return answer

    def hide(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`PUT /2/tweets/:id/hidden`."""
        hidden = _json_body(request).get("hidden")
        if not isinstance(hidden, bool):
            raise BadRequest("The `hidden` field must be true or false")
        tweet = self.world.find(int(match["id"]))
        if tweet is None or self.world.gone(tweet, self.api.now()):
            return problem(404, "Not Found Error", DELETED.replace("reply to", "hide"))
        root = self.world.find(tweet.conversation_id)
        if tweet.replied_to is None or root is None or root.author is not self.world.district:
            return problem(403, FORBIDDEN, NOT_OWN)
        (self.world.hidden.add if hidden else self.world.hidden.discard)(tweet.key)
        return json_answer(200, {"data": {"hidden": hidden}})

    def _refusal(self, target: XTweet | None, text: str, now: Any) -> SandboxResponse | None:
        if target is None or self.world.gone(target, now) or target.created_at > now:
            return problem(403, FORBIDDEN, DELETED)
        if target.key in self.world.restricted:
            return problem(403, FORBIDDEN, RESTRICTED)
        summoned = target.author is self.world.district or target.mentions(
            self.world.district.username
        )
        if self.require_summons and not summoned:
            return problem(403, FORBIDDEN, NOT_SUMMONED)
        own = (t for t in self.world.tweets() if t.author is self.world.district)
        if any(v.text == text for t in own for v in t.versions if v.at <= now):
            return problem(403, FORBIDDEN, DUPLICATE)
        return None

    def _user_only(self, handler: Any) -> Any:
        """The app-only bearer cannot write: X's 403 unsupported-authentication."""

        def handle(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
            if authenticate(request) is Auth.APP:
                kind = "https://api.twitter.com/2/problems/unsupported-authentication"
                return problem(403, "Unsupported Authentication", UNSUPPORTED, kind)
            answer: SandboxResponse = handler(request, match)
            return answer

        return handle


def _json_body(request: SandboxRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise BadRequest("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    return body


def _write_error(
    status: int, detail: str, title: str = FORBIDDEN, kind: str = "about:blank"
) -> WriteErrorCase:
    body = {"title": title, "detail": detail, "type": kind, "status": status}
    return WriteErrorCase("/2/tweets", "POST", status, body)


WRITE_ERRORS: WriteErrors = {
    ("twitter", "permission"): _write_error(
        403,
        UNSUPPORTED,
        "Unsupported Authentication",
        "https://api.twitter.com/2/problems/unsupported-authentication",
    ),
    ("twitter", "target_gone"): _write_error(403, DELETED),
    ("twitter", "restricted"): _write_error(403, RESTRICTED),
    ("twitter", "duplicate"): _write_error(403, DUPLICATE),
    ("twitter", "rate_limited"): _write_error(429, "Too Many Requests", "Too Many Requests"),
}
"""X's write refusals (PLATFORMS-WRITE.md §2.5), for `write_errors.inject`."""
