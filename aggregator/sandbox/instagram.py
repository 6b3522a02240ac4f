"""Instagram (professional account, "Instagram API with Facebook Login") in the sandbox.

Served where Graph serves it, on the Graph sandbox's host and versioned paths, with the
district's Page token (`graph.PAGE_TOKEN`) and the Graph error envelope:

    GET    /{version}/{ig-user-id}             the account (`fields` id, username, name, ...)
    GET    /{version}/{ig-user-id}/media       its media, newest first, cursor paging
    GET    /{version}/{ig-media-id}            one media
    GET    /{version}/{ig-media-id}/comments   top-level comments, newest first, <= 50 a page
    GET    /{version}/{ig-comment-id}          one comment
    GET    /{version}/{ig-comment-id}/replies  its replies, oldest first
    POST   /{version}/{ig-comment-id}/replies  message=... -> {"id"} (under the top-level one)
    POST   /{version}/{ig-media-id}/comments   message=... -> {"id"}
    POST   /{version}/{ig-comment-id}          hide=true|false -> {"success": true}
    POST   /{version}/{ig-media-id}            comment_enabled=true|false -> {"success": true}
    DELETE /{version}/{ig-comment-id}          -> {"success": true} (its replies go too)

The writes are in `instagram_write.py`, the nodes' fields and rendering in
`instagram_render.py`. As documented (PLATFORMS-WRITE.md §5) and recorded
(`samples/instagram/`): default fields `id` (user, media) and `timestamp,text,id`
(comments); nested `replies{...}`, `from{id,username}`; times as
`2021-08-13T08:25:28+0000`; media pages carry `cursors.before/after`, `next` and (after
the first) `previous`; comment pages only `cursors.after` and `next`, and the last page
no `paging` at all; comments cannot be filtered by time (`since` is ignored); `user`
only on the account's own comments; the account's own comments stay shown when hidden.
Replying to a hidden comment or on a media with comments off is refused with error 100
(the exact texts are not documented: assumed). Usage headers carry
`X-Business-Use-Case-Usage` of `type: instagram`; `fail(...)` injects any Graph error
(190/463 expired token, 10/200 permissions, 4/17/32/80002 rate limits with
`eta_minutes`, 100 invalid parameters), network faults come from `faults` on
`/{version}/`. The same account through Instagram Login (`graph.instagram.com`, its User
token, `IGApiException` errors, `/refresh_access_token`) is served under
`/graph.instagram.com/` by `instagram_login.py` (`api.instagram_login`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aggregator.sandbox.admin import counts_view
from aggregator.sandbox.data import DataSet
from aggregator.sandbox.graph import PAGE_TOKEN, TOKEN_ENV, VERSION, GraphApi
from aggregator.sandbox.graph_render import Pager, gone, parse_fields, pick, time_param
from aggregator.sandbox.instagram_render import USER_FIELDS, comment_renderer, render_media
from aggregator.sandbox.instagram_world import (
    IG_USER_ID,
    INSTAGRAM_ACCOUNT,
    USERNAME,
    IgComment,
    IgMedia,
    InstagramWorld,
)
from aggregator.sandbox.models import ACCOUNTS
from aggregator.sandbox.platform import SandboxContext, SandboxPlatform
from aggregator.sandbox.routing import ADMIN_PREFIX, Router, SandboxRequest

IG_MESSAGES = {
    80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}
IG_NODE = r"/(?P<node>1[78][0-9]{15})"
"""Instagram ids (17 digits from 17...): Facebook's own sandbox ids never look like this."""
COMMENT_PAGE_MAX = 50
USER_TOKEN = "IGAAsandboxInstagramUserToken0hanbitgu17841452391708236"  # noqa: S105
"""The Instagram User token the Instagram-Login variant accepts (sandbox-only)."""
USER_TOKEN_ENV = "HANBIT_INSTAGRAM_USER_TOKEN"  # noqa: S105 - the variable's name
LOGIN_PREFIX = "/graph.instagram.com"
"""Where the sandbox serves `graph.instagram.com` (an account's `graph_url` is
`{base}/graph.instagram.com/`)."""


class InstagramApi(GraphApi):
    """The Instagram edges of the Graph API, behind the same token, proof and error guard
    as the Page (`GraphApi`), over an `InstagramWorld`."""

    prefix = ""
    """The path before `/{version}/` (the Instagram-Login variant's host)."""

    def __init__(
        self,
        data: DataSet,
        now: Callable[[], datetime],
        token: str = PAGE_TOKEN,
        world: InstagramWorld | None = None,
    ) -> None:
        super().__init__(data, now, token)
        self.ig = world or InstagramWorld(data)
        self.manage_comments = True
        """Whether the token carries instagram_manage_comments: writes answer (#200) without
        it (`instagram_write`)."""
        self.instagram_login: InstagramApi | None = None
        """The same account on `graph.instagram.com` (`instagram_login.py`)."""

    def register(self, router: Router) -> None:
        """Add the Instagram read routes (before the Page's: they match the same paths)."""
        base = self.prefix + VERSION + IG_NODE
        router.add("GET", base + r"/media", self.guard(self._media))
        router.add("GET", base + r"/comments", self.guard(self._comments))
        router.add("GET", base + r"/replies", self.guard(self._replies))
        router.add("GET", base, self.guard(self._node))

    def fail(self, code: int, subcode: int | None = None, **options: Any) -> None:
        """`GraphApi.fail`, knowing Instagram's own throttling message (80002) too."""
        options.setdefault("message", IG_MESSAGES.get(code))
        super().fail(code, subcode, **options)

    def _usage_headers(self, percent: int, regain: int | None) -> dict[str, str]:
        share = {
            "call_count": percent,
            "total_cputime": max(1, percent // 2),
            "total_time": max(1, percent // 2),
        }
        business = {**share, "type": "instagram", "estimated_time_to_regain_access": regain or 0}
        return {
            "X-App-Usage": json.dumps(share, separators=(",", ":")),
            "X-Business-Use-Case-Usage": json.dumps(
                {IG_USER_ID: [business]}, separators=(",", ":")
            ),
        }

    # -- reads -----------------------------------------------------------------------------

    def _node(self, request: SandboxRequest, match: re.Match[str]) -> object:
        node, now = match["node"], self.now()
        if node == IG_USER_ID:
            return self._user(request)
        media = self.ig.media_item(node, now)
        if media is not None:
            return render_media(self.ig, self.now, media, request.param("fields"))
        comment = self.ig.comment(node, now)
        if comment is None:
            raise gone(node)
        return comment_renderer(self.ig, self.now, request.param("fields"))(comment)

    def _user(self, request: SandboxRequest) -> dict[str, Any]:
        fields = parse_fields(request.param("fields"), "id", USER_FIELDS, "IGUser")
        values = {
            "id": IG_USER_ID,
            "ig_id": 5_432_109_876,
            "username": USERNAME,
            "name": INSTAGRAM_ACCOUNT.name,
            "biography": INSTAGRAM_ACCOUNT.description,
            "website": "https://www.hanbit-gu.example",
            "profile_picture_url": "https://scontent-icn2-1.cdninstagram.com/profile_hanbitgu.jpg",
            "followers_count": 8_412,
            "follows_count": 57,
            "media_count": len(self.ig.media(self.now())),
        }
        return pick(values, fields)

    def _media(self, request: SandboxRequest, match: re.Match[str]) -> object:
        if match["node"] != IG_USER_ID:
            raise gone(match["node"])
        since, until = time_param(request, "since"), time_param(request, "until")
        items = [
            m
            for m in self.ig.media(self.now())
            if (since is None or m.created_at >= since) and (until is None or m.created_at <= until)
        ]
        chunk, paging = self._pager(request).page(items, _key, descending=True)
        fields = request.param("fields")
        data = [render_media(self.ig, self.now, m, fields) for m in chunk]
        return {"data": data, "paging": paging} if paging else {"data": data}

    def _comments(self, request: SandboxRequest, match: re.Match[str]) -> object:
        media = self.ig.media_item(match["node"], self.now())
        if media is None:
            raise gone(match["node"])
        top = [c for c in self.ig.comments(media, self.now()) if c.parent_id is None]
        return self._comment_page(request, list(reversed(top)), descending=True)

    def _replies(self, request: SandboxRequest, match: re.Match[str]) -> object:
        now, node = self.now(), match["node"]
        parent = self.ig.comment(node, now)
        media = self.ig.media_item(parent.media_id, now) if parent else None
        if parent is None or media is None:
            raise gone(node)
        replies = [c for c in self.ig.comments(media, now) if c.parent_id == parent.id]
        return self._comment_page(request, replies, descending=False)

    def _comment_page(
        self, request: SandboxRequest, items: list[IgComment], descending: bool
    ) -> dict[str, Any]:
        limit = request.param("limit") or "25"
        query = {**request.query}
        if limit.isdigit():
            query["limit"] = [str(min(int(limit), COMMENT_PAGE_MAX))]
        pager = Pager(request.base_url + request.path, query, self.token)
        chunk, paging = pager.page(items, _key, descending=descending)
        fields = request.param("fields")
        render = comment_renderer(self.ig, self.now, fields)
        body: dict[str, Any] = {"data": [render(c) for c in chunk]}
        if "next" in paging:
            body["paging"] = {
                "cursors": {"after": paging["cursors"]["after"]},
                "next": paging["next"],
            }
        return body


def account_config(base_url: str, interval_minutes: int) -> dict[str, object]:
    """The `instagram` account of a config pointing at this sandbox (the Page token serves
    the linked account, and, with instagram_manage_comments, also answers and hides)."""
    page = next(a for a in ACCOUNTS if a.platform == "facebook")
    return {
        "name": "instagram",
        "display_name": f"{INSTAGRAM_ACCOUNT.name} 인스타그램",
        "platform": "instagram",
        "ig_user_id": IG_USER_ID,
        "page_id": page.handle,
        "access_token": {"env": TOKEN_ENV},
        "write_access_token": {"env": TOKEN_ENV},
        "graph_url": base_url.rstrip("/") + "/",
        "schedule": {"interval_minutes": interval_minutes},
    }


def mount(sandbox: SandboxContext) -> InstagramApi:
    """Add the Instagram routes (also Instagram Login's and `GET /_sandbox/instagram`,
    what the account shows now) to the router; return the API."""
    from aggregator.sandbox.instagram_login import register_login
    from aggregator.sandbox.instagram_write import InstagramWrites

    router = sandbox.router
    api = InstagramApi(sandbox.data, sandbox.now)
    api.instagram_login = register_login(router, sandbox.data, api)
    api.register(router)
    InstagramWrites(api).register(router)
    router.add("GET", ADMIN_PREFIX + "instagram", counts_view(api.now, api.ig.counts))
    return api


SANDBOX = SandboxPlatform(
    {TOKEN_ENV: PAGE_TOKEN, USER_TOKEN_ENV: USER_TOKEN},
    lambda base, minutes: [account_config(base, minutes)],
    mount,  # before the Page's (graph.SANDBOX mounts later): its ids are on the same paths
    write_errors="aggregator.sandbox.instagram_write:WRITE_ERRORS",
)
"""Instagram's part of the sandbox: read and answered with the Page token (the Instagram
User token is for `instagram_login.account_config`, not in the written config), and its
routes on the Graph paths and under `/graph.instagram.com/`."""


def _key(item: IgMedia | IgComment) -> tuple[int, int]:
    return int(item.created_at.timestamp()), int(item.id) % 10**12
