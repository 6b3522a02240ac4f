"""WordPress's public REST comments listing, in the wire format of WordPress core 6.x.

    GET /wordpress/{site}/wp-json/wp/v2/comments?post={ID}&per_page=100&page=N
        &orderby=date_gmt&order=asc

Anonymous readers get approved comments as JSON (`id`, `post`, `parent`, `author`,
`author_name`, `author_url`, `date`, `date_gmt` (UTC, no offset), `content.rendered`,
`link`, `status`, `type`, `author_avatar_urls`, `meta`), with `X-WP-Total`,
`X-WP-TotalPages` and `Link: <...>; rel="prev"/"next"` headers. `per_page` is 1-100
(default 10), `order` defaults to `desc` by `date_gmt`; a `page` past the last is a
400 `rest_comment_invalid_page_number`. Filters `parent` and `author` (user id: the
district's editor writes as `EDITOR_ID`, residents as 0); `context=edit` (with the editor's
Application Password, else 401 `rest_forbidden_context`) adds `content.raw`. Replies
written through `wordpress_write.py` are listed, held comments are not. With `enabled`
False (a site that switched the REST API off) every path under `/wp-json/` answers 404
`rest_no_route`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aggregator.sandbox.clock import KST
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.feeds import html_paragraphs
from aggregator.sandbox.models import SandboxComment, SandboxPost
from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse
from aggregator.sandbox.wordpress import SITE, Site
from aggregator.sandbox.wordpress_auth import EDITOR_ID, EDITOR_USER, authenticated

JSON_TYPE = "application/json; charset=UTF-8"
MAX_PER_PAGE = 100
NO_ROUTE = "No route was found matching the URL and request method."


class WordPressRest:
    """The `/wp-json/wp/v2/comments` listing of every WordPress site in the data set."""

    def __init__(self, data: DataSet, now: Callable[[], datetime]) -> None:
        self.data = data
        self.now = now
        self.enabled = True
        """False answers every `/wp-json/` request with 404 `rest_no_route`."""
        self.closed: set[int] = set()
        """WordPress post IDs whose comments are closed (writes get `rest_comment_closed`)."""

    def close_comments(self, post_wp_id: int) -> None:
        """Close a post's comments: new comments are refused with `rest_comment_closed`."""
        self.closed.add(post_wp_id)

    def register(self, router: Router) -> None:
        """Add the REST routes."""
        router.add("GET", SITE + r"/wp-json/wp/v2/comments/?", self.comments)
        router.add("GET", SITE + r"/wp-json(?:/.*)?", self.no_route)

    def no_route(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """What WordPress answers for a route it does not have (or with REST switched off)."""
        return error_response(404, "rest_no_route", NO_ROUTE)

    def site(self, request: SandboxRequest, match: re.Match[str]) -> Site | None:
        """The site the request addresses, or None (unknown, or REST switched off)."""
        account = self.data.account_by_handle("wordpress", match["site"])
        if not self.enabled or account is None:
            return None
        return Site(account, f"{request.base_url}/wordpress/{account.handle}")

    def comments(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """Approved comments, filtered by `post`, paged by `per_page` and `page`."""
        site = self.site(request, match)
        if site is None:
            return self.no_route(request, match)
        edit = _param(request, "context", "view") == "edit"
        if edit and not authenticated(request):
            message = "Sorry, you are not allowed to edit comments."
            return error_response(401, "rest_forbidden_context", message)
        try:
            per_page = _int_param(request, "per_page", 10, 1, MAX_PER_PAGE)
            page = _int_param(request, "page", 1, 1, None)
        except ValueError as exc:
            return error_response(400, "rest_invalid_param", f"Invalid parameter(s): {exc}")
        at = self.now()
        listed = self._listed(site, request, at)
        total, pages = len(listed), math.ceil(len(listed) / per_page)
        if page > max(pages, 1):
            message = "The page number requested is larger than the number of pages available."
            return error_response(400, "rest_comment_invalid_page_number", message)
        shown = listed[(page - 1) * per_page : page * per_page]
        body = json.dumps([self.render(site, c, at, edit) for c in shown], ensure_ascii=False)
        headers = {
            "Content-Type": JSON_TYPE,
            "X-WP-Total": str(total),
            "X-WP-TotalPages": str(pages),
            "Allow": "GET, POST",
        }
        link = _link_header(request, page, pages)
        if link:
            headers["Link"] = link
        return SandboxResponse(200, body.encode("utf-8"), headers)

    def _listed(self, site: Site, request: SandboxRequest, at: datetime) -> list[SandboxComment]:
        wanted = _id_set(request.query.get("post"))
        posts = [
            p
            for p in self.data.posts(site.account.key, at)
            if wanted is None or site.wp_id(p) in wanted
        ]
        listed = [c for p in posts for c in self.data.comments(p.id, at)]
        parents = _id_set(request.query.get("parent"))
        authors = _id_set(request.query.get("author"))
        if parents is not None:
            listed = [c for c in listed if self._parent_number(c) in parents]
        if authors is not None:
            listed = [c for c in listed if _author_id(c) in authors]
        listed.sort(key=lambda c: (c.created_at, c.number))
        if _param(request, "order", "desc") != "asc":
            listed.reverse()
        return listed

    def _parent_number(self, comment: SandboxComment) -> int:
        return self.data.comment(comment.parent_id).number if comment.parent_id else 0

    def render(
        self, site: Site, comment: SandboxComment, at: datetime, edit: bool = False
    ) -> dict[str, Any]:
        """A comment as the REST API shows it (`edit`: with `content.raw`)."""
        post: SandboxPost = self.data.post(comment.post_id)
        text = comment.text_at(at)
        content = {"rendered": html_paragraphs([text])}
        if edit:
            content = {"raw": text, **content}
        return {
            "id": comment.number,
            "post": site.wp_id(post),
            "parent": self._parent_number(comment),
            "author": _author_id(comment),
            "author_name": comment.author_name,
            "author_url": comment.author_url or "",
            "date": comment.created_at.astimezone(KST).strftime("%Y-%m-%dT%H:%M:%S"),
            "date_gmt": comment.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "content": content,
            "link": site.comment_link(comment, post),
            "status": "hold" if self.data.written.is_held(comment.id) else "approved",
            "type": "comment",
            "author_avatar_urls": {},
            "meta": [],
        }


def _param(request: SandboxRequest, name: str, default: str) -> str:
    values = request.query.get(name)
    return values[0] if values else default


def _int_param(request: SandboxRequest, name: str, default: int, low: int, high: int | None) -> int:
    raw = _param(request, name, str(default))
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bounds = f"between {low} and {high}" if high else f"at least {low}"
        raise ValueError(f"{name} must be {bounds}")
    return int(raw)


def _id_set(values: list[str] | None) -> set[int] | None:
    if not values:
        return None
    return {int(v) for value in values for v in value.split(",") if v.strip().isdigit()}


def _link_header(request: SandboxRequest, page: int, pages: int) -> str:
    """`<...page=N-1>; rel="prev", <...page=N+1>; rel="next"` as WordPress sends them."""
    base = request.base_url + request.path
    links = []
    for rel, target in (("prev", page - 1), ("next", page + 1)):
        if 1 <= target <= pages:
            query = {k: v[0] for k, v in request.query.items()} | {"page": str(target)}
            links.append(f'<{base}?{urlencode(query)}>; rel="{rel}"')
    return ", ".join(links)


def _author_id(comment: SandboxComment) -> int:
    """The WordPress user id: the editor for replies written through the API, else 0."""
    return EDITOR_ID if comment.author_handle == EDITOR_USER else 0


def error_response(status: int, code: str, message: str) -> SandboxResponse:
    """A WordPress REST error body."""
    body = json.dumps({"code": code, "message": message, "data": {"status": status}})
    return SandboxResponse(status, body.encode("utf-8"), {"Content-Type": JSON_TYPE})
