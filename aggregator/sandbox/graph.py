"""The Graph API of the sandbox: the district's Facebook Page, its posts and comments.

URL layout (relative to the sandbox base URL, which a config names as `graph_url`):

    GET /{version}/me                          the Page (the token is a Page token)
    GET /{version}/{page-id}/published_posts   the Page's posts, newest first
    GET /{version}/{page-id}/visitor_posts     residents' posts on the Page
    GET /{version}/{object-id}/comments        a post's comments (a comment's: its replies)
    GET /{version}/{object-id}                 the Page, a post or a comment

As Graph does: `fields` (nested `comments.filter(stream).summary(true).limit(0)`,
`from{id,name}`; an unknown field is error 100), cursor paging (`paging.cursors`, a
`paging.next` carrying `access_token` and `after`, none on the last page, `previous` on
every page after the first); `visitor_posts` pages by time as the recorded `/posts` does
(no cursors, `until` and `__paging_token` in `next`, `previous` on every page); `since`
and `until`, `limit` (default 25, at most 100), comment `filter` (toplevel | stream),
`order` (chronological | reverse_chronological | ranked) and `summary` (whose `order`
says `chronological` or `ranked`, never the order asked for); always
`Content-Type: application/json`; `X-App-Usage`, `X-Page-Usage` and
`X-Business-Use-Case-Usage` on every answer (`usage_percent`, `regain_minutes`); errors
as HTTP 400 `{"error": {...}}`. The
token must be `PAGE_TOKEN` (else code 190); with `app_secret` set, every call needs a
valid `appsecret_proof`. The data is `graph_world.GraphWorld`: seeded deletions, hidden
comments, district replies, visitor posts, and `edit`/`delete`/`hide` for tests.

Injecting errors: `fail(code, subcode, ...)` answers chosen requests with any Graph error
(after `skip` matching requests, `times` times, with usage headers carrying
`estimated_time_to_regain_access`; Graph's texts and the queue are in `graph_errors.py`);
`omit_comment_ids` answers comments like Graph does to apps without the MODERATE task
(no `id`, no `from`). Network faults (hang, reset, 5xx pages) come from the generic
`faults` module on the prefix `/{version}/`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from aggregator.sandbox.data import DataSet
from aggregator.sandbox.graph_errors import (
    MESSAGES,
    REDUCE_DATA,
    SUBCODE_MESSAGES,
    ScriptedError,
)
from aggregator.sandbox.graph_nodes import LINKED_IG_USER_ID, GraphComment, GraphPost
from aggregator.sandbox.graph_render import (
    COMMENT_FIELDS,
    DEFAULT_COMMENT,
    DEFAULT_POST,
    PAGE_FIELDS,
    POST_FIELDS,
    GraphFailure,
    Pager,
    dumps,
    gone,
    parse_fields,
    pick,
    render_comment,
    render_post,
    time_param,
)
from aggregator.sandbox.graph_world import GraphWorld
from aggregator.sandbox.models import ACCOUNTS
from aggregator.sandbox.platform import SandboxContext, SandboxPlatform
from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse
from aggregator.sandbox.scripted import ScriptedErrors

PAGE_TOKEN = "EAAHsandboxPageToken0hanbitgu104392018734562ZDZD"  # noqa: S105
"""The Page access token the sandbox accepts (sandbox-only: it opens nothing real)."""
TOKEN_ENV = "HANBIT_FACEBOOK_PAGE_TOKEN"  # noqa: S105
"""The environment variable a sandbox config names for the Page token."""
VERSION = r"/(?P<version>v[0-9]{1,3}\.[0-9])"
NODE = r"/(?P<node>[0-9]{1,40}(?:_[0-9]{1,40})?)"


class GraphApi:
    """Handlers for the Graph API over the data set's Facebook account.

    Attributes:
        usage_percent: the share of the rate limits the usage headers report.
        regain_minutes: `estimated_time_to_regain_access` in the BUC header.
        omit_comment_ids: answer comments without `id` and `from` (no MODERATE task).
        app_secret: when set, every call needs `appsecret_proof` for `token`.
    """

    def __init__(self, data: DataSet, now: Callable[[], datetime], token: str = PAGE_TOKEN):
        account = next((a for a in data.accounts if a.platform == "facebook"), None)
        self.world = GraphWorld(data, account) if account else None
        self.now = now
        self.token = token
        self.usage_percent = 3
        self.regain_minutes = 0
        self.omit_comment_ids = False
        self.app_secret: str | None = None
        self.error_type = "OAuthException"
        """The `type` of Graph's own errors here (`IGApiException` on graph.instagram.com)."""
        self._scripted: ScriptedErrors[ScriptedError] = ScriptedErrors()
        self._traces = itertools.count(1)

    def register(self, router: Router) -> None:
        """Add the Graph routes."""
        router.add("GET", VERSION + r"/me", self.guard(self._me))
        router.add("GET", VERSION + NODE + r"/published_posts", self.guard(self._posts))
        router.add("GET", VERSION + NODE + r"/visitor_posts", self.guard(self._visitor_posts))
        router.add("GET", VERSION + NODE + r"/comments", self.guard(self._comments))
        router.add("GET", VERSION + NODE, self.guard(self._node))

    # -- test controls ---------------------------------------------------------------------

    def fail(
        self,
        code: int,
        subcode: int | None = None,
        *,
        message: str | None = None,
        type: str = "OAuthException",
        status: int = 400,
        times: int | None = 1,
        skip: int = 0,
        path_contains: str = "",
        transient: bool | None = None,
        eta_minutes: int | None = None,
        method: str | None = None,
        applied: bool = False,
    ) -> None:
        """Answer Graph requests whose path contains `path_contains` with an error.

        The first `skip` matching requests pass; then `times` are answered with the error
        (None: until `clear_failures`). `eta_minutes` adds a BUC usage header at 100% with
        that `estimated_time_to_regain_access`. Default messages are Graph's own. `method`
        limits it to e.g. POST (writes); `applied` runs the request first, so a write is
        published and still answered with the error (Graph's 500 code 2).
        """
        text = message or SUBCODE_MESSAGES.get(subcode or 0) or MESSAGES.get(code, "Error")
        headers = self._usage_headers(100, eta_minutes) if eta_minutes is not None else {}
        failure = GraphFailure(code, text, type, subcode, status, transient, headers)
        self._scripted.add(ScriptedError(failure, path_contains, skip, times, method, applied))

    def reduce_data(self, times: int | None = 1, path_contains: str = "") -> None:
        """Answer with code 1 "Please reduce the amount of data you're asking for"."""
        self.fail(1, message=REDUCE_DATA, times=times, path_contains=path_contains)

    def clear_failures(self) -> None:
        """Forget every scripted error."""
        self._scripted.clear()

    def post_ids(self) -> list[str]:
        """The node ids of the Page's posts visible now, newest first."""
        return [p.node_id for p in self.require_world().posts(self.now())]

    def comment_nodes(self, post_id: str) -> list[GraphComment]:
        """The visible comments of a post now, oldest first."""
        post = self.require_world().post(post_id, self.now())
        return self.require_world().comments(post, self.now()) if post else []

    # -- plumbing --------------------------------------------------------------------------

    def require_world(self) -> GraphWorld:
        """The Page's world; Graph error 100 when the data set has no Facebook Page."""
        if self.world is None:
            raise GraphFailure(100, "(#100) The sandbox data set has no Facebook Page")
        return self.world

    def guard(
        self, handler: Callable[[SandboxRequest, re.Match[str]], object]
    ) -> Callable[[SandboxRequest, re.Match[str]], SandboxResponse]:
        """Token, proof and scripted errors first; Graph JSON and usage headers always."""

        def handle(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
            headers = {
                "Content-Type": "application/json; charset=UTF-8",
                "facebook-api-version": match["version"],
                "Cache-Control": "private, no-cache, no-store, must-revalidate",
                **self._usage_headers(self.usage_percent, self.regain_minutes),
            }
            try:
                scripted = self._scripted.take(request.method, request.path)
                if scripted is not None and not scripted.applied:
                    raise scripted.failure
                self._check(request)
                body, status = dumps(handler(request, match)), 200
                if scripted is not None:
                    raise scripted.failure
            except GraphFailure as failure:
                if failure.type == "OAuthException":
                    failure = replace(failure, type=self.error_type)
                trace = f"A{next(self._traces):07d}sandbox"
                body, status = dumps(failure.body(trace)), failure.status
                headers.update(failure.headers)
            return SandboxResponse(status, body, headers)

        return handle

    def _check(self, request: SandboxRequest) -> None:
        token = request.param("access_token")
        if not token:
            raise GraphFailure(104, "An access token is required to request this resource.")
        if not hmac.compare_digest(token, self.token):
            raise GraphFailure(190, MESSAGES[190])
        if self.app_secret is not None:
            proof = request.param("appsecret_proof")
            expected = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256)
            if not proof:
                raise GraphFailure(100, "API calls from the server require an appsecret_proof "
                                   "argument", "GraphMethodException")  # fmt: skip
            if not hmac.compare_digest(proof, expected.hexdigest()):
                raise GraphFailure(100, "Invalid appsecret_proof provided in the API argument",
                                   "GraphMethodException")  # fmt: skip

    def _usage_headers(self, percent: int, regain: int | None) -> dict[str, str]:
        share = {"call_count": percent, "total_cputime": max(1, percent // 2),
                 "total_time": max(1, percent // 2)}  # fmt: skip
        page_id = self.world.page.id if self.world else "0"
        business = {**share, "type": "pages", "estimated_time_to_regain_access": regain or 0}
        return {
            "X-App-Usage": json.dumps(share, separators=(",", ":")),
            "X-Page-Usage": json.dumps(share, separators=(",", ":")),
            "X-Business-Use-Case-Usage": json.dumps({page_id: [business]}, separators=(",", ":")),
        }

    # -- handlers --------------------------------------------------------------------------

    def _me(self, request: SandboxRequest, match: re.Match[str]) -> object:
        return self._page(request)

    def _page(self, request: SandboxRequest) -> dict[str, object]:
        world = self.require_world()
        fields = parse_fields(request.param("fields"), "name,id", PAGE_FIELDS, "Page")
        values = {
            "id": world.page.id,
            "name": world.page.name,
            "link": world.account.url,
            "about": world.account.description,
            "category": "Government organization",
            "fan_count": 12840,
            "instagram_business_account": {"id": LINKED_IG_USER_ID},
        }
        return pick(values, fields)

    def _node(self, request: SandboxRequest, match: re.Match[str]) -> object:
        world, node, now = self.require_world(), match["node"], self.now()
        if node == world.page.id:
            return self._page(request)
        post = world.post(node, now)
        if post is not None:
            return self._render_post(request, post)
        comment = world.comment(node, now)
        if comment is None:
            raise gone(node)
        fields = parse_fields(request.param("fields"), DEFAULT_COMMENT, COMMENT_FIELDS, "Comment")
        return render_comment(comment, fields, not self.omit_comment_ids)

    def _posts(self, request: SandboxRequest, match: re.Match[str]) -> object:
        return self._list_posts(request, match, self.require_world().posts)

    def _visitor_posts(self, request: SandboxRequest, match: re.Match[str]) -> object:
        return self._list_posts(request, match, self.require_world().visitor_posts, by_time=True)

    def _list_posts(
        self,
        request: SandboxRequest,
        match: re.Match[str],
        source: Callable[[datetime], list[GraphPost]],
        by_time: bool = False,
    ) -> object:
        world = self.require_world()
        if match["node"] != world.page.id:
            raise gone(match["node"])
        since, until = time_param(request, "since"), time_param(request, "until")
        posts = [
            p for p in source(self.now())
            if (since is None or p.created_at >= since) and (until is None or p.created_at <= until)
        ]  # fmt: skip
        pager = self._pager(request)
        if by_time:
            chunk, paging = pager.page_by_time(posts, _key)
        else:
            chunk, paging = pager.page(posts, _key, descending=True)
        data = [self._render_post(request, p) for p in chunk]
        return {"data": data, "paging": paging} if paging else {"data": data}

    def _render_post(self, request: SandboxRequest, post: GraphPost) -> dict[str, object]:
        world, now = self.require_world(), self.now()
        fields = parse_fields(request.param("fields"), DEFAULT_POST, POST_FIELDS, "PagePost")

        def count(kind: str) -> int:
            comments = world.comments(post, now)
            return len(comments if kind == "stream" else [c for c in comments if not c.parent_node])

        return render_post(post, fields, count)

    def _comments(self, request: SandboxRequest, match: re.Match[str]) -> object:
        world, now, node = self.require_world(), self.now(), match["node"]
        post = world.post(node, now)
        parent = None if post else world.comment(node, now)
        if post is None and parent is None:
            raise gone(node)
        if post is None:
            assert parent is not None
            post = world.post(parent.post_node, now)
            assert post is not None
        comments = world.comments(post, now)
        if parent is not None:
            comments = [c for c in comments if c.parent_node == parent.node_id]
        elif request.param("filter") != "stream":
            comments = [c for c in comments if c.parent_node is None]
        order = request.param("order") or "chronological"
        total = len(comments)
        since = time_param(request, "since")
        comments = [c for c in comments if since is None or c.created_at >= since]
        descending = order == "reverse_chronological"
        ordered = list(reversed(comments)) if descending else comments
        chunk, paging = self._pager(request).page(ordered, _key, descending=descending)
        fields = parse_fields(request.param("fields"), DEFAULT_COMMENT, COMMENT_FIELDS, "Comment")
        data = [render_comment(c, fields, not self.omit_comment_ids) for c in chunk]
        body: dict[str, object] = {"data": data}
        if paging:
            body["paging"] = paging
        if request.param("summary") in ("true", "1"):
            echoed = "ranked" if order == "ranked" else "chronological"  # never the asked order
            body["summary"] = {"order": echoed, "total_count": total, "can_comment": True}
        return body

    def _pager(self, request: SandboxRequest) -> Pager:
        return Pager(request.base_url + request.path, request.query, self.token)


def account_config(base_url: str, interval_minutes: int) -> dict[str, object]:
    """The `facebook-page` account of a config pointing at this sandbox (`graph_url`)."""
    account = next(a for a in ACCOUNTS if a.platform == "facebook")
    return {
        "name": "facebook-page",
        "display_name": account.name,
        "platform": "facebook",
        "page_id": account.handle,
        "access_token": {"env": TOKEN_ENV},
        "write_access_token": {"env": TOKEN_ENV},
        "graph_url": base_url.rstrip("/") + "/",
        "schedule": {"interval_minutes": interval_minutes},
    }


def mount(sandbox: SandboxContext) -> GraphApi:
    """Add the Graph API routes to the router; return the API (for tests and demos)."""
    from aggregator.sandbox.graph_write import GraphWrites

    api = GraphApi(sandbox.data, sandbox.now)
    api.register(sandbox.router)
    GraphWrites(api).register(sandbox.router)
    return api


SANDBOX = SandboxPlatform(
    {TOKEN_ENV: PAGE_TOKEN},
    lambda base, minutes: [account_config(base, minutes)],
    mount,
    mount_order=1,  # its node routes take any id: after Instagram's ids on the same paths
    write_errors="aggregator.sandbox.graph_write:WRITE_ERRORS",
)
"""The Page's part of the sandbox (`connectors/facebook/spec.py` names it): its token,
account and Graph routes."""


def _key(item: GraphPost | GraphComment) -> tuple[int, int]:
    return int(item.created_at.timestamp()), item.key
