"""Pinterest in the sandbox: API v5 and the public RSS feeds, in the shapes of the real ones.

Routes (relative to the sandbox base URL; `api_url` is `{base}/v5`, `rss_url` is
`{base}/pinterest`):

    GET /v5/user_account                        the profile (scope user_accounts:read)
    GET /v5/boards                              boards (boards:read); page_size, bookmark
    GET /v5/boards/{board_id}/pins              a board's pins, newest first (boards:read,
                                                pins:read); page_size, bookmark, pin_metrics
    GET /v5/pins/{pin_id}                       one pin (boards:read, pins:read); 404 once deleted
    GET /pinterest/{username}/feed.rss          profile feed: the latest 25 pins
    GET /pinterest/{username}/{board}.rss       board feed: the board's latest 25 pins

Answers follow the official v5 description (`shared/samples/pinterest/`; resources in
`pinterest_render.py`, bookmarks in `pinterest_bookmarks.py`): lists are
`{"items": [...], "bookmark": str|null}` (the bookmark is opaque: the last pin's time and
id, so deleting a pin between pages skips nothing), pins carry `pin_metrics`
(`lifetime_metrics.comment` is the comment count) only with `pin_metrics=true`, and
errors are `{"code": int, "message": str}` (here `code` is the HTTP status; Pinterest's
own codes are undocumented). Requests need `Authorization: Bearer SANDBOX_TOKEN` (else
401); `LIMITED_TOKEN` has only boards:read (403 on pins). Every API answer carries
`x-ratelimit-limit/-remaining/-reset` for a per-token daily quota (`daily_limit`, reset
at midnight UTC in sandbox time; `-reset` is seconds to go), and past the quota the
answer is a 429. `rate_limit_fault` injects 429s through the generic faults module.

Feeds follow the constructed sample: `title` (empty for untitled pins), `link` and
`guid` = the pin page, HTML `description` = a linked 236x image + the description,
`pubDate` in GMT; no author, no comments, no counts. ETag/Last-Modified/304 as every
sandbox feed.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aggregator.sandbox.faults import Fault, FaultSet
from aggregator.sandbox.feeds import esc, feed_response
from aggregator.sandbox.pinterest_bookmarks import (
    boards_offset,
    encode_bookmark,
    page_size,
    pin_key,
    pins_keyset,
)
from aggregator.sandbox.pinterest_render import board_json, pin_json, rss_item
from aggregator.sandbox.pinterest_world import PinterestWorld, SandboxBoard
from aggregator.sandbox.platform import SandboxContext, SandboxPlatform
from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse, text_response

SANDBOX_TOKEN = "pina-sandbox-hanbitgu-0001"  # noqa: S105 - opens nothing but the sandbox
LIMITED_TOKEN = "pina-sandbox-hanbitgu-boards-only"  # noqa: S105 - sandbox only
TOKEN_ENV = "HANBIT_PINTEREST_TOKEN"  # noqa: S105 - the variable's name, not a secret
TOKEN_SCOPES = {
    SANDBOX_TOKEN: frozenset({"boards:read", "pins:read", "user_accounts:read"}),
    LIMITED_TOKEN: frozenset({"boards:read"}),
}
DAILY_LIMIT = 1000
FEED_ITEMS = 25
JSON_TYPE = "application/json"
RSS_TYPE = "application/rss+xml; charset=utf-8"
API = r"/v5"
RSS = r"/pinterest/(?P<user>[A-Za-z0-9_]+)"

Handler = Callable[[SandboxRequest, "re.Match[str]"], SandboxResponse]


def error_answer(
    status: int, message: str, headers: dict[str, str] | None = None
) -> SandboxResponse:
    """Pinterest's error body `{"code", "message"}`."""
    return json_answer(status, {"code": status, "message": message}, headers)


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> SandboxResponse:
    """A JSON answer."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return SandboxResponse(status, data, {"Content-Type": JSON_TYPE, **(headers or {})})


def rate_limit_fault(
    faults: FaultSet,
    path: str = "/v5/",
    retry_after: float | None = None,
    reset_in: float | None = None,
    **options: Any,
) -> Fault:
    """Inject Pinterest's 429 with `Retry-After` and/or `x-ratelimit-reset` (seconds) or none."""
    headers = {"Content-Type": JSON_TYPE, "x-ratelimit-limit": str(DAILY_LIMIT)}
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
    if reset_in is not None:
        headers["x-ratelimit-remaining"] = "0"
        headers["x-ratelimit-reset"] = str(int(reset_in))
    body = json.dumps({"code": 429, "message": "Too many requests. Try again later."})
    return faults.status(path, 429, headers=headers, body=body.encode(), **options)


def mount(sandbox: SandboxContext) -> PinterestSandbox:
    """Add the Pinterest API and feed routes to the router; return the handlers' owner."""
    api = PinterestSandbox(PinterestWorld(sandbox.data), sandbox.now)
    api.register(sandbox.router)
    return api


class PinterestSandbox:
    """The Pinterest endpoints over a `PinterestWorld` at the sandbox's current time."""

    def __init__(self, world: PinterestWorld, now: Callable[[], datetime]) -> None:
        self.world = world
        self.now = now
        self.daily_limit = DAILY_LIMIT
        self._used: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def register(self, router: Router) -> None:
        """Add the routes (the profile feed before the board feeds: `feed` is no board)."""
        pins = frozenset({"boards:read", "pins:read"})
        router.add(
            "GET", API + r"/user_account", self._api(self.user_account, {"user_accounts:read"})
        )
        router.add("GET", API + r"/boards", self._api(self.boards, {"boards:read"}))
        router.add("GET", API + r"/boards/(?P<board>[0-9]+)/pins", self._api(self.board_pins, pins))
        router.add("GET", API + r"/pins/(?P<pin>[0-9]+)", self._api(self.get_pin, pins))
        router.add("GET", RSS + r"/feed\.rss", self.profile_feed)
        router.add("GET", RSS + r"/(?P<board>[A-Za-z0-9_-]+)\.rss", self.board_feed)

    # -- API ---------------------------------------------------------------------------

    def _api(self, handler: Handler, scopes: set[str] | frozenset[str]) -> Handler:
        """Bearer check, scopes, the daily quota and its headers around `handler`."""

        def guarded(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
            auth = request.header("authorization") or ""
            token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
            if token not in TOKEN_SCOPES:
                return error_answer(401, "Authentication failed.")
            used, headers = self._count(token)
            if used > self.daily_limit:
                return error_answer(429, "Too many requests. Try again later.", headers)
            if not scopes <= TOKEN_SCOPES[token]:
                missing = ", ".join(sorted(scopes - TOKEN_SCOPES[token]))
                return error_answer(403, f"Not authorized to access resource: needs {missing}.")
            response = handler(request, match)
            response.headers.update(headers)
            return response

        return guarded

    def _count(self, token: str) -> tuple[int, dict[str, str]]:
        """Count a call against the token's daily quota; its number today and the headers."""
        at = self.now()
        day = at.astimezone(UTC).date()
        with self._lock:
            used = self._used.get((token, day.isoformat()), 0) + 1
            self._used[(token, day.isoformat())] = used
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        return used, {
            "x-ratelimit-limit": str(self.daily_limit),
            "x-ratelimit-remaining": str(max(0, self.daily_limit - used)),
            "x-ratelimit-reset": str(int((midnight - at).total_seconds())),
        }

    def user_account(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /v5/user_account`."""
        account, at = self.world.account, self.now()
        return json_answer(
            200,
            {
                "account_type": "BUSINESS",
                "id": "1093745000000000001",
                "username": account.handle,
                "business_name": account.name,
                "about": account.description,
                "profile_image": "https://i.pinimg.com/280x280_RS/hanbitgu.jpg",
                "website_url": "https://www.hanbit-gu.example",
                "board_count": len(self.world.boards),
                "pin_count": len(self.world.visible_pins(at)),
                "follower_count": 1520,
                "following_count": 12,
                "monthly_views": 48210,
            },
        )

    def boards(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /v5/boards`: the profile's boards, oldest first."""
        size = page_size(request)
        start = boards_offset(request.param("bookmark"))
        if size is None or start is None:
            return error_answer(400, "Invalid parameters.")
        at = self.now()
        chunk = self.world.boards[start : start + size]
        more = start + size < len(self.world.boards)
        return json_answer(
            200,
            {
                "items": [board_json(self.world, b, at) for b in chunk],
                "bookmark": encode_bookmark(f"o:{start + size}") if more else None,
            },
        )

    def board_pins(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /v5/boards/{board_id}/pins`: newest first, keyset bookmarks."""
        board = self.world.board(match["board"])
        if board is None:
            return error_answer(404, "Board not found.")
        size = page_size(request)
        try:
            after = pins_keyset(request.param("bookmark"))
        except ValueError:
            size = None
        if size is None:
            return error_answer(400, "Invalid parameters.")
        at = self.now()
        pins = [
            p for p in self.world.visible_pins(at, board) if after is None or pin_key(p) < after
        ]
        chunk = pins[:size]
        metrics = request.param("pin_metrics") == "true"
        last = chunk[-1] if len(pins) > size else None
        return json_answer(
            200,
            {
                "items": [pin_json(self.world, p, at, metrics) for p in chunk],
                "bookmark": encode_bookmark("k:{}:{}".format(*pin_key(last))) if last else None,
            },
        )

    def get_pin(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /v5/pins/{pin_id}`: 404 before it is published and after it is deleted."""
        pin, at = self.world.pin(match["pin"]), self.now()
        if pin is None or not pin.visible(at):
            return error_answer(404, "Pin not found.")
        return json_answer(
            200, pin_json(self.world, pin, at, request.param("pin_metrics") == "true")
        )

    # -- RSS ---------------------------------------------------------------------------

    def profile_feed(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /pinterest/{username}/feed.rss`: the latest pins of every board."""
        account = self.world.account
        if match["user"] != account.handle:
            return text_response(404, "<h1>Page not found</h1>", "text/html")
        link = f"https://www.pinterest.com/{account.handle}/"
        return self._feed(request, account.name, link, None)

    def board_feed(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /pinterest/{username}/{board}.rss`: the board's latest pins."""
        account = self.world.account
        board = self.world.board_by_slug(match["board"])
        if match["user"] != account.handle or board is None:
            return text_response(404, "<h1>Page not found</h1>", "text/html")
        link = f"https://www.pinterest.com/{account.handle}/{board.slug}/"
        return self._feed(request, board.name, link, board)

    def _feed(
        self, request: SandboxRequest, title: str, link: str, board: SandboxBoard | None
    ) -> SandboxResponse:
        at = self.now()
        pins = self.world.visible_pins(at, board)[:FEED_ITEMS]
        latest = pins[0].created_at if pins else self.world.data.start
        description = board.description if board else self.world.account.description
        items = "".join(rss_item(pin, at) for pin in pins)
        text = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>\n'
            f"<title>{esc(title)}</title>\n<link>{esc(link)}</link>\n"
            f"<description>{esc(description)}</description>\n{items}</channel></rss>\n"
        )
        return feed_response(request, text.encode("utf-8"), RSS_TYPE, latest)


def account_config(base_url: str, interval_minutes: int) -> dict[str, Any]:
    """The `pinterest` entry of a sandbox config (the data set's @hanbitgu, by API).

    Its call budget is above Pinterest's 1,000: the demo replays weeks of syncs within
    one real day, and the budget counts calls per real (Korean) day.
    """
    base = base_url.rstrip("/")
    return {
        "name": "pinterest",
        "display_name": "한빛구청 Pinterest",
        "platform": "pinterest",
        "username": "hanbitgu",
        "access_token": {"env": TOKEN_ENV},
        "api_url": f"{base}/v5",
        "rss_url": f"{base}/pinterest",
        "daily_call_budget": 20_000,
        "schedule": {"interval_minutes": interval_minutes},
    }


SANDBOX = SandboxPlatform(
    {TOKEN_ENV: SANDBOX_TOKEN}, lambda base, minutes: [account_config(base, minutes)], mount
)
"""Pinterest's part of the sandbox: the account's access token, the account and the API
and RSS routes."""
