"""The Graph API's write endpoints in the sandbox: the Page answers and hides comments.

    POST /{version}/{comment-id}/comments   message=...      -> {"id": "{new comment id}"}
    POST /{version}/{post-id}/comments      message=...      -> a top-level comment by the Page
    POST /{version}/{comment-id}            is_hidden=true|false -> {"success": true}

Parameters come form-encoded in the body (facebook-sdk puts `access_token` there too) or
in the query. As on Graph: the Page is the author; a reply to a reply goes under its
top-level comment (threads are two levels deep); `fields` on the POST returns those fields
of the new comment (read-after-write); a deleted target is error 100/33; `is_hidden` must
be `true` or `false` (a Python `True` sent as text is refused); the Page's own comments
cannot be hidden (`can_hide: false`). The new comment appears in every read endpoint.
Errors are injected with `GraphApi.fail(code, subcode, method="POST", applied=...)`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs

from aggregator.sandbox.graph import NODE, VERSION, GraphApi
from aggregator.sandbox.graph_errors import ABUSIVE, MESSAGES, UNSUPPORTED_POST, write_error
from aggregator.sandbox.graph_render import (
    COMMENT_FIELDS,
    GraphFailure,
    gone,
    parse_fields,
    render_comment,
)
from aggregator.sandbox.platform import WriteErrors
from aggregator.sandbox.routing import Handler, Router, SandboxRequest, SandboxResponse

BOOLEANS = {"true": True, "false": False}


class GraphWrites:
    """Write handlers over a `GraphApi`'s world, behind its token and error guard."""

    def __init__(self, api: GraphApi) -> None:
        self.api = api

    def register(self, router: Router) -> None:
        """Add the write routes."""
        router.add("POST", VERSION + NODE + r"/comments", _with_form(self.api.guard(self._reply)))
        router.add("POST", VERSION + NODE, _with_form(self.api.guard(self._update)))

    def _reply(self, request: SandboxRequest, match: re.Match[str]) -> object:
        world, now, node = self.api.require_world(), self.api.now(), match["node"]
        message = (request.param("message") or "").strip()
        if not message:
            raise GraphFailure(100, "(#100) Missing message or attachment")
        target = world.comment(node, now)
        if target is not None:
            parent = world.comment(target.top_node, now)
            assert parent is not None
            post_node, parent_key = target.post_node, parent.key
        elif world.post(node, now) is not None:
            post_node, parent_key = node, None
        else:
            raise gone(node)
        new_id = world.add_comment(post_node, message, now, by_page=True, parent_key=parent_key)
        wanted = request.param("fields")
        created = world.comment(new_id, now)
        if not wanted or created is None:
            return {"id": new_id}
        fields = parse_fields(wanted, "id", COMMENT_FIELDS, "Comment")
        return {"id": new_id, **render_comment(created, fields)}

    def _update(self, request: SandboxRequest, match: re.Match[str]) -> object:
        world, now, node = self.api.require_world(), self.api.now(), match["node"]
        comment = world.comment(node, now)
        if comment is None:
            raise gone(node)
        value = request.param("is_hidden")
        if value is None:
            raise GraphFailure(100, "(#100) The parameter is_hidden is required")
        if value not in BOOLEANS:
            raise GraphFailure(100, f"(#100) Param is_hidden must be a boolean, got {value!r}")
        if comment.by_page:
            raise GraphFailure(
                100, "(#100) This comment cannot be hidden: it was made by the Page", subcode=1
            )
        world.hide(node, BOOLEANS[value])
        return {"success": True}


def _with_form(handler: Handler) -> Handler:
    """Let a handler read form-encoded body parameters as it reads query parameters."""

    def handle(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        merged = {**request.query, **form}
        return handler(replace(request, query=merged), match)

    return handle


WRITE_ERRORS: WriteErrors = {
    ("facebook", "permission_10"): write_error(403, 10, MESSAGES[10]),
    ("facebook", "permission_200"): write_error(
        403, 200, "(#200) Requires pages_manage_engagement permission to manage the object"
    ),
    ("facebook", "target_gone"): write_error(400, 100, UNSUPPORTED_POST, subcode=33),
    ("facebook", "spam"): write_error(400, 368, ABUSIVE, subcode=1390008),
    ("facebook", "rate_limited"): write_error(400, 32, MESSAGES[32]),
}
"""The Page's write refusals (PLATFORMS-WRITE.md §1.5), for `write_errors.inject`."""
