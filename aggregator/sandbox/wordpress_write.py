"""WordPress REST writes in the sandbox: reply comments and moderation, as WordPress 6.x.

    POST /wordpress/{site}/wp-json/wp/v2/comments        post, parent, content
         -> 201, `Location: .../wp/v2/comments/{id}`, the comment (edit context)
    POST /wordpress/{site}/wp-json/wp/v2/comments/{id}   status=hold|approved
         -> 200, the comment
    GET  /wordpress/{site}/wp-json/wp/v2/comments/{id}   -> the comment (edit context)
    GET  /wordpress/{site}/wp-json/wp/v2/users/me        -> the authenticated user

Parameters come as JSON or form fields. Authentication is HTTP Basic with the editor's
Application Password (spaces ignored, as WordPress does); the editor has
`moderate_comments`, so its comments are approved at once and never flood-limited.
Errors as WordPress answers them (`{"code", "message", "data": {"status"}}`):
401 `rest_comment_login_required` (no credentials) or `incorrect_password`; 403
`rest_comment_invalid_post_id` (no such post); 403 `rest_comment_closed` (comments closed:
`WordPressRest.close_comments(post_wp_id)`); 409 `comment_duplicate` (same post, parent, author and
content); 404 `rest_comment_invalid_id` (no such comment: deleted); 500
`rest_comment_failed_edit` when the status asked is the one the comment has. The reply
appears in the feeds and the REST listing; a held comment disappears from both. Other
errors (429, 500, dropped connections) come from the generic `faults` module.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from aggregator.sandbox.data import DataSet
from aggregator.sandbox.models import SandboxAccount, SandboxComment, SandboxPost
from aggregator.sandbox.platform import WriteErrorCase, WriteErrors
from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse
from aggregator.sandbox.wordpress import SITE, Site
from aggregator.sandbox.wordpress_auth import EDITOR_ID, EDITOR_USER, authenticated
from aggregator.sandbox.wordpress_rest import JSON_TYPE, WordPressRest, error_response

STATUSES = {"hold": True, "0": True, "approved": False, "approve": False, "1": False}
DUPLICATE = "Duplicate comment detected; it looks as though you&#8217;ve already said that!"


class WordPressWrites:
    """Reply and moderate comments on the data set's WordPress sites."""

    def __init__(self, data: DataSet, now: Callable[[], datetime], rest: WordPressRest) -> None:
        self.data = data
        self.now = now
        self.rest = rest
        self._lock = threading.Lock()

    def register(self, router: Router) -> None:
        """Add the write routes."""
        router.add("POST", SITE + r"/wp-json/wp/v2/comments/?", self.create)
        router.add("POST", SITE + r"/wp-json/wp/v2/comments/(?P<id>[0-9]+)/?", self.update)
        router.add("GET", SITE + r"/wp-json/wp/v2/comments/(?P<id>[0-9]+)/?", self.show)
        router.add("GET", SITE + r"/wp-json/wp/v2/users/me/?", self.me)

    def show(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """One comment in edit context (held ones too), for the editor."""
        site = self._authorised(request, match)
        if isinstance(site, SandboxResponse):
            return site
        comment = self._comment(site.account, int(match["id"]))
        if comment is None:
            return error_response(404, "rest_comment_invalid_id", "Invalid comment ID.")
        return _json(200, self.rest.render(site, comment, self.now(), edit=True))

    def me(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """The authenticated user."""
        site = self._authorised(request, match)
        if isinstance(site, SandboxResponse):
            return site
        body = {"id": EDITOR_ID, "name": site.account.staff_name, "slug": EDITOR_USER}
        return _json(200, body)

    def create(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """A reply comment by the editor."""
        site = self._authorised(request, match)
        if isinstance(site, SandboxResponse):
            return site
        fields = _fields(request)
        post = self._post(site, fields.get("post"))
        if post is None:
            message = "Sorry, you are not allowed to create this comment without a post."
            return error_response(403, "rest_comment_invalid_post_id", message)
        if site.wp_id(post) in self.rest.closed:
            message = "Sorry, comments are closed for this item."
            return error_response(403, "rest_comment_closed", message)
        parent, problem = self._parent(post, fields.get("parent"))
        if problem is not None:
            return problem
        text = _content(fields.get("content"))
        if not text:
            return error_response(400, "rest_comment_content_invalid", "Invalid comment content.")
        with self._lock:
            if self._duplicate(post, parent, site.account, text):
                return error_response(409, "comment_duplicate", DUPLICATE)
            comment = self.data.written.add(
                site.account, post, parent, (site.account.staff_name, EDITOR_USER), text, self.now()
            )
        body = self.rest.render(site, comment, self.now(), edit=True)
        location = f"{request.base_url}/wordpress/{site.account.handle}/wp-json/wp/v2/comments/"
        response = _json(201, body)
        response.headers["Location"] = f"{location}{comment.number}"
        return response

    def update(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """Set a comment's status (hold or approved)."""
        site = self._authorised(request, match)
        if isinstance(site, SandboxResponse):
            return site
        comment = self._comment(site.account, int(match["id"]))
        if comment is None:
            return error_response(404, "rest_comment_invalid_id", "Invalid comment ID.")
        status = str(_fields(request).get("status", ""))
        if status not in STATUSES:
            message = f"Invalid parameter(s): status ({status!r} is not a comment status)"
            return error_response(400, "rest_invalid_param", message)
        if self.data.written.is_held(comment.id) == STATUSES[status]:
            message = "Updating comment status failed."
            return error_response(500, "rest_comment_failed_edit", message)
        self.data.written.hold(comment, STATUSES[status])
        return _json(200, self.rest.render(site, comment, self.now(), edit=True))

    def _authorised(self, request: SandboxRequest, match: re.Match[str]) -> Site | SandboxResponse:
        """The site of an editor's request, or the error WordPress answers instead."""
        site = self.rest.site(request, match)
        if site is None:
            return self.rest.no_route(request, match)
        login = authenticated(request)
        if login is None:
            message = "Sorry, you must be logged in to comment."
            return error_response(401, "rest_comment_login_required", message)
        if not login:
            message = "The provided password is an invalid application password."
            return error_response(401, "incorrect_password", message)
        return site

    def _post(self, site: Site, value: object) -> SandboxPost | None:
        wanted = _int(value)
        posts = self.data.posts(site.account.key, self.now())
        return next((p for p in posts if site.wp_id(p) == wanted), None)

    def _parent(
        self, post: SandboxPost, value: object
    ) -> tuple[int | None, SandboxResponse | None]:
        number = _int(value) or 0
        if number == 0:
            return None, None
        comments = self.data.comments(post.id, self.now())
        found = next((c for c in comments if c.number == number), None)
        if found is None:
            return None, error_response(404, "rest_comment_invalid_id", "Invalid comment ID.")
        return found.id, None

    def _comment(self, account: SandboxAccount, number: int) -> SandboxComment | None:
        try:
            comment = self.data.comment(account.comment_id(number))
        except KeyError:
            return None
        return comment if comment.created_at <= self.now() else None

    def _duplicate(
        self, post: SandboxPost, parent: int | None, account: SandboxAccount, text: str
    ) -> bool:
        return any(
            c.parent_id == parent and c.author_name == account.staff_name and c.text == text
            for c in self.data.written.on_post(post.id, None)
        )


def _fields(request: SandboxRequest) -> Mapping[str, Any]:
    """The request's parameters: a JSON object body, else form fields, then the query."""
    query = {k: v[0] for k, v in request.query.items() if v}
    content_type = request.header("Content-Type") or ""
    if "json" in content_type:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return query
        return {**query, **body} if isinstance(body, dict) else query
    form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {**query, **{k: v[0] for k, v in form.items() if v}}


def _content(value: object) -> str:
    if isinstance(value, Mapping):
        value = value.get("raw")
    return value.strip() if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _json(status: int, body: object) -> SandboxResponse:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return SandboxResponse(status, data, {"Content-Type": JSON_TYPE})


def _write_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> WriteErrorCase:
    body = {"code": code, "message": message, "data": {"status": status}}
    return WriteErrorCase("/wordpress/", "POST", status, body, headers or {})


WRITE_ERRORS: WriteErrors = {
    ("wordpress", "permission"): _write_error(
        403, "rest_forbidden", "Sorry, you are not allowed to do that."
    ),
    ("wordpress", "target_gone"): _write_error(
        403,
        "rest_comment_invalid_post_id",
        "Sorry, you are not allowed to create this comment without a post.",
    ),
    ("wordpress", "closed"): _write_error(
        403, "rest_comment_closed", "Sorry, comments are closed for this item."
    ),
    ("wordpress", "duplicate"): _write_error(
        409,
        "comment_duplicate",
        "Duplicate comment detected; it looks as though you’ve already said that!",
    ),
    ("wordpress", "rate_limited"): _write_error(
        429,
        "comment_flood",
        "You are posting comments too quickly. Slow down.",
        {"Retry-After": "120"},
    ),
}
"""WordPress's write refusals (PLATFORMS-WRITE.md §3.2), for `write_errors.inject`."""
