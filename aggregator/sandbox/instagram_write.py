"""Instagram's write endpoints in the sandbox: the account answers, hides and deletes.

    POST   /{version}/{ig-comment-id}/replies  message=... -> {"id"} (under the top-level one)
    POST   /{version}/{ig-media-id}/comments   message=... -> {"id"}
    POST   /{version}/{ig-comment-id}          hide=true|false -> {"success": true}
    POST   /{version}/{ig-media-id}            comment_enabled=true|false -> {"success": true}
    DELETE /{version}/{ig-comment-id}          -> {"success": true} (its replies go too)

Parameters come in the query or form-encoded in the body (facebook-sdk puts
`access_token` there too). Writes need the Page token (190 otherwise, as for reads) and
its `instagram_manage_comments` permission: with `InstagramApi.manage_comments` off they
answer (#200) "Requires instagram_manage_comments permission". As documented
(PLATFORMS-WRITE.md §5.4): a reply to a reply lands under its top-level comment; a hidden
comment cannot be answered; the account's own comments stay shown when hidden; a deleted
target is error 100/33. Refusals whose texts are not documented (a hidden target,
comments switched off) are assumed error 100.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from urllib.parse import parse_qs

from aggregator.sandbox.graph import VERSION
from aggregator.sandbox.graph_errors import ABUSIVE, MESSAGES, UNSUPPORTED_POST, write_error
from aggregator.sandbox.graph_render import GraphFailure, gone
from aggregator.sandbox.instagram import IG_NODE, InstagramApi
from aggregator.sandbox.instagram_world import IgMedia
from aggregator.sandbox.platform import WriteErrors
from aggregator.sandbox.routing import Handler, Router, SandboxRequest, SandboxResponse

BOOLEANS = {"true": True, "false": False}
PERMISSION_MESSAGE = "(#200) Requires instagram_manage_comments permission to manage the object"


class InstagramWrites:
    """Write handlers over an `InstagramApi`'s world, behind its token and error guard."""

    def __init__(self, api: InstagramApi) -> None:
        self.api = api

    def register(self, router: Router) -> None:
        """Add the write routes (before the Page's: they match the same paths)."""
        base = self.api.prefix + VERSION + IG_NODE
        guard = self._guard
        router.add("POST", base + r"/replies", _with_form(guard(self._reply)))
        router.add("POST", base + r"/comments", _with_form(guard(self._comment_on)))
        router.add("POST", base, _with_form(guard(self._update)))
        router.add("DELETE", base, _with_form(guard(self._delete)))

    def _guard(self, handler: Callable[[SandboxRequest, re.Match[str]], object]) -> Handler:
        """The API's guard (token, proof, scripted errors), then the write permission."""

        def handle(request: SandboxRequest, match: re.Match[str]) -> object:
            if not self.api.manage_comments:
                raise GraphFailure(200, PERMISSION_MESSAGE)
            return handler(request, match)

        return self.api.guard(handle)

    def _reply(self, request: SandboxRequest, match: re.Match[str]) -> object:
        now, node = self.api.now(), match["node"]
        target = self.api.ig.comment(node, now)
        if target is None:
            raise gone(node)
        top = self.api.ig.comment(target.parent_id or target.id, now)
        media = self.api.ig.media_item(target.media_id, now)
        assert top is not None
        assert media is not None
        if top.hidden:
            raise GraphFailure(100, "(#100) You cannot reply to a hidden comment")
        self._check_open(media)
        return {"id": self.api.ig.reply(target, _message(request), now)}

    def _comment_on(self, request: SandboxRequest, match: re.Match[str]) -> object:
        now, node = self.api.now(), match["node"]
        media = self.api.ig.media_item(node, now)
        if media is None:
            raise gone(node)
        self._check_open(media)
        return {"id": self.api.ig.comment_on(media, _message(request), now)}

    def _update(self, request: SandboxRequest, match: re.Match[str]) -> object:
        now, node = self.api.now(), match["node"]
        media = self.api.ig.media_item(node, now)
        if media is not None:
            self.api.ig.close_comments(node, not _boolean(request, "comment_enabled"))
            return {"success": True}
        comment = self.api.ig.comment(node, now)
        if comment is None:
            raise gone(node)
        hidden = _boolean(request, "hide")
        if not comment.by_account:  # the account's own comments are always displayed
            self.api.ig.hide(node, hidden)
        return {"success": True}

    def _delete(self, request: SandboxRequest, match: re.Match[str]) -> object:
        now, node = self.api.now(), match["node"]
        if self.api.ig.comment(node, now) is None:
            raise gone(node)
        self.api.ig.delete(node, now)
        return {"success": True}

    @staticmethod
    def _check_open(media: IgMedia) -> None:
        if not media.comments_enabled:
            raise GraphFailure(100, "(#100) Comments are disabled for this media")


def _message(request: SandboxRequest) -> str:
    message = (request.param("message") or "").strip()
    if not message:
        raise GraphFailure(100, "(#100) The parameter message is required")
    return message


def _boolean(request: SandboxRequest, name: str) -> bool:
    value = request.param(name)
    if value is None:
        raise GraphFailure(100, f"(#100) The parameter {name} is required")
    if value not in BOOLEANS:
        raise GraphFailure(100, f"(#100) Param {name} must be a boolean, got {value!r}")
    return BOOLEANS[value]


def _with_form(handler: Handler) -> Handler:
    """Let a handler read form-encoded body parameters as it reads query parameters."""

    def handle(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        merged: Mapping[str, list[str]] = {**request.query, **form}
        return handler(replace(request, query=merged), match)

    return handle


WRITE_ERRORS: WriteErrors = {
    ("instagram", "permission_10"): write_error(403, 10, MESSAGES[10]),
    ("instagram", "permission_200"): write_error(
        403, 200, "(#200) Requires instagram_manage_comments permission to manage the object"
    ),
    ("instagram", "target_gone"): write_error(400, 100, UNSUPPORTED_POST, subcode=33),
    ("instagram", "spam"): write_error(400, 368, ABUSIVE),
    ("instagram", "request_limit"): write_error(400, 32, MESSAGES[32]),
    ("instagram", "rate_limited"): write_error(
        400,
        80002,
        "There have been too many calls to this Instagram account. Wait a bit and try again.",
    ),
}
"""Instagram's write refusals (PLATFORMS-WRITE.md §5.5), for `write_errors.inject`."""
