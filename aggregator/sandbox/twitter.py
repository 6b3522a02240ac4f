"""X (Twitter) API v2 in the sandbox, in the shapes of X's real answers (see the samples).

Routes (relative to the sandbox base URL; point `api_url` there):

    GET /2/users/by/username/{username}   the user object, or a 200 with a not-found error
    GET /2/users/{id}/tweets              the account's tweets, newest first (3,200 at most)
    GET /2/users/{id}/mentions            tweets mentioning the account (800 at most)
    GET /2/tweets/search/recent           `query=[(]conversation_id:<id> [OR ...][) is:reply]`,
                                          7 days back
    GET /2/tweets?ids=a,b                 lookup; unknown or deleted ids come back as partial
                                          errors (resource-not-found), protected ones as
                                          authorization errors

Timelines and search take `since_id`, `until_id`, `max_results` (5-100; search 10-100)
and `pagination_token` (`next_token` for search); answers carry `meta` with
`result_count`, `newest_id`, `oldest_id` and `next_token`, and an empty answer is
`{"meta": {"result_count": 0}}`. Tweets always have `id`, `text` and
`edit_history_tweet_ids`, plus the requested `tweet.fields`; `expansions` fill
`includes.users` (author_id, in_reply_to_user_id) and `includes.tweets`
(referenced_tweets.id). Requests need the app's `Authorization: Bearer <BEARER_TOKEN>` or
the district's user context (`x_auth`), else a 401 problem. Writes (`POST /2/tweets`,
`PUT /2/tweets/:id/hidden`) are in `x_write.py`. Every answer has
`x-rate-limit-limit/-remaining/-reset` from a per-endpoint 15-minute window (in sandbox
time); past the limit the answer is a 429. Errors are RFC 7807 problem bodies. Faults
inject 429s (`rate_limit_fault`) and other problems (`problem_fault`) on top.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from aggregator.sandbox.faults import Fault, FaultSet
from aggregator.sandbox.platform import SandboxContext, SandboxPlatform
from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse
from aggregator.sandbox.x_auth import BEARER_TOKEN as BEARER_TOKEN
from aggregator.sandbox.x_auth import USER_TOKEN, USER_TOKEN_ENV, Auth, authenticate
from aggregator.sandbox.x_params import (
    CONTENT_TYPE,
    PAGE_MARK,
    BadRequest,
    base36,
    check_window,
    conversations,
    fields,
    int_param,
    invalid_request,
    iso,
    json_answer,
    not_authorized,
    not_found,
    page_token,
    problem,
)
from aggregator.sandbox.x_world import XTweet, XUser, XWorld, render_text

TOKEN_ENV = "HANBIT_X_BEARER_TOKEN"  # noqa: S105 - the variable's name, not a secret
WINDOW_SECONDS = 15 * 60
SEARCH_DAYS = 7
TIMELINE_CAPS = {"users/tweets": 3200, "users/mentions": 800}
LIMITS = {
    "users/by/username": 300,
    "users/tweets": 1500,
    "users/mentions": 450,
    "tweets/search/recent": 450,
    "tweets": 3500,
    "tweets/create": 100,
    "tweets/hidden": 50,
}
"""Requests per 15-minute window, per endpoint (X's app limits, rounded)."""

Handler = Callable[[SandboxRequest, "re.Match[str]"], SandboxResponse]


def rate_limit_fault(
    faults: FaultSet, now: datetime, path: str = "/2/", reset_in: float | None = 90, **options: Any
) -> Fault:
    """Inject X's 429: with `x-rate-limit-reset` `reset_in` seconds after `now`, or none."""
    headers = {"Content-Type": CONTENT_TYPE, "x-rate-limit-limit": "450"}
    if reset_in is not None:
        headers["x-rate-limit-remaining"] = "0"
        headers["x-rate-limit-reset"] = str(int(now.timestamp() + reset_in))
    body = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
            "status": 429}  # fmt: skip
    return faults.status(path, 429, headers=headers, body=json.dumps(body).encode(), **options)


def problem_fault(
    faults: FaultSet, path: str, status: int, title: str, detail: str, kind: str, **options: Any
) -> Fault:
    """Inject an RFC 7807 problem answer (401, 403, 429 usage-capped, 503, ...)."""
    answer = problem(status, title, detail, kind)
    return faults.status(path, status, headers=answer.headers, body=answer.body, **options)


def mount(sandbox: SandboxContext) -> XApiSandbox:
    """Add the X API v2 routes to the router; return the API (for tests and demos)."""
    from aggregator.sandbox.x_write import XWrites

    api = XApiSandbox(XWorld(sandbox.data), sandbox.now)
    XWrites(api).register(sandbox.router)
    api.register(sandbox.router)
    return api


class XApiSandbox:
    """The X API v2 endpoints over an `XWorld` at the sandbox's current time."""

    def __init__(self, world: XWorld, now: Callable[[], datetime]) -> None:
        self.world = world
        self.now = now
        self.limits = dict(LIMITS)
        self.every_version = False
        """List every version of an edited tweet (the original too), not only the newest."""
        self._used: dict[tuple[str, int], int] = {}

    def register(self, router: Router) -> None:
        """Add the routes."""
        routes: list[tuple[str, str, Handler]] = [
            ("users/by/username", r"/2/users/by/username/(?P<username>[^/]+)", self.user),
            ("users/tweets", r"/2/users/(?P<id>[0-9]+)/tweets", self.users_tweets),
            ("users/mentions", r"/2/users/(?P<id>[0-9]+)/mentions", self.users_mentions),
            ("tweets/search/recent", r"/2/tweets/search/recent", self.search_recent),
            ("tweets", r"/2/tweets", self.lookup),
        ]
        for name, pattern, handler in routes:
            router.add("GET", pattern, self.guarded(name, handler))

    def guarded(self, name: str, handler: Handler) -> Handler:
        """Authentication, the rate window, 400s for bad parameters, rate headers."""

        def guarded(request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
            if authenticate(request) is Auth.NONE:
                return problem(401, "Unauthorized", "Unauthorized")
            limit, used, reset = self._count(name)
            headers = {
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": str(max(0, limit - used)),
                "x-rate-limit-reset": str(reset),
                "api-version": "2.167",
            }
            if used > limit:
                answer = problem(429, "Too Many Requests", "Too Many Requests")
            else:
                try:
                    answer = handler(request, match)
                except BadRequest as exc:
                    answer = invalid_request(str(exc))
            answer.headers.update(headers)
            return answer

        return guarded

    def _count(self, name: str) -> tuple[int, int, int]:
        """(limit, requests in this window including this one, window reset epoch)."""
        epoch = int(self.now().timestamp())
        window = epoch - epoch % WINDOW_SECONDS
        key = (name, window)
        self._used[key] = self._used.get(key, 0) + 1
        return self.limits[name], self._used[key], window + WINDOW_SECONDS

    # -- endpoints --------------------------------------------------------------------

    def user(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /2/users/by/username/{username}`."""
        found = self.world.user(match["username"])
        if found is None:
            error = not_found("user", match["username"], "username")
            return json_answer(200, {"errors": [error]})
        return json_answer(200, {"data": found.as_json(fields(request, "user.fields"))})

    def users_tweets(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /2/users/{id}/tweets`: the account's own tweets (no retweets exist)."""
        if match["id"] != self.world.district.id:
            return json_answer(200, {"errors": [not_found("user", match["id"], "id")]})
        exclude = fields(request, "exclude")
        own = [
            (t, i) for t, i in self._visible()
            if t.author is self.world.district and not ("replies" in exclude and t.replied_to)
        ]  # fmt: skip
        return self._listing(request, own, "pagination_token", (5, 100), "users/tweets")

    def users_mentions(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /2/users/{id}/mentions`: others' tweets that mention the account."""
        if match["id"] != self.world.district.id:
            return json_answer(200, {"errors": [not_found("user", match["id"], "id")]})
        handle = self.world.district.username
        mentions = [
            (t, i) for t, i in self._visible()
            if t.author is not self.world.district and t.mentions(handle)
        ]  # fmt: skip
        return self._listing(request, mentions, "pagination_token", (5, 100), "users/mentions")

    def search_recent(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /2/tweets/search/recent` for `conversation_id:` queries, 7 days back."""
        query = request.param("query")
        if not query:
            raise BadRequest("The `query` query parameter can not be empty")
        wanted, replies_only = conversations(query)
        oldest = self.now() - timedelta(days=SEARCH_DAYS)
        check_window(request, oldest)
        found = [
            (t, i) for t, i in self._visible()
            if t.conversation_id in wanted and t.created_at >= oldest
            and not (replies_only and t.replied_to is None)
        ]  # fmt: skip
        return self._listing(request, found, "next_token", (10, 100), "tweets/search/recent")

    def lookup(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        """`GET /2/tweets?ids=`: each id as that version, or a resource-not-found error."""
        ids = [i for i in (request.param("ids") or "").split(",") if i]
        if not ids or len(ids) > 100 or not all(i.isdigit() for i in ids):
            raise BadRequest("The `ids` query parameter value must be 1 to 100 numeric ids")
        now, data, errors = self.now(), [], []
        for wanted in ids:
            tweet = self.world.find(int(wanted))
            version = tweet.version(int(wanted)) if tweet else None
            if tweet is None or version is None or version.at > now or self.world.gone(tweet, now):
                errors.append(not_found("tweet", wanted, "ids"))
            elif tweet.key in self.world.protected:
                errors.append(not_authorized("tweet", wanted, "ids"))
            else:
                data.append((tweet, version.id))
        body = self._render(request, data)
        if errors:
            body["errors"] = errors
        return json_answer(200, body)

    # -- listing and rendering -----------------------------------------------------------

    def _visible(self) -> list[tuple[XTweet, int]]:
        """(tweet, id of the version visible now) for every tweet, newest version first;
        with `every_version`, each earlier version of an edited tweet as well."""
        now = self.now()
        tweets = [t for t in self.world.tweets() if not self.world.gone(t, now)]
        shown = [(t, v.id) for t in tweets if (v := t.version_at(now)) is not None]
        if self.every_version:
            shown = [(t, v.id) for t in tweets for v in t.versions if v.at <= now]
        return sorted(shown, key=lambda pair: pair[1], reverse=True)

    def _listing(
        self,
        request: SandboxRequest,
        tweets: list[tuple[XTweet, int]],
        token_param: str,
        bounds: tuple[int, int],
        endpoint: str,
    ) -> SandboxResponse:
        size = int_param(request, "max_results", 10, bounds)
        since = int_param(request, "since_id", 0, (0, 1 << 64))
        until = int_param(request, "until_id", 1 << 64, (0, 1 << 64))
        before = page_token(request.param(token_param) or request.param("pagination_token"))
        capped = tweets[: TIMELINE_CAPS.get(endpoint, len(tweets))]
        window = [(t, i) for t, i in capped if since < i < min(until, before)]
        page = window[:size]
        body = self._render(request, page)
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=str(page[0][1]), oldest_id=str(page[-1][1]))
        if len(window) > size:
            meta["next_token"] = f"{PAGE_MARK}{base36(page[-1][1])}"
        body["meta"] = meta
        return json_answer(200, body)

    def _render(self, request: SandboxRequest, page: list[tuple[XTweet, int]]) -> dict[str, Any]:
        """`data` and `includes` for the page, with the requested fields and expansions."""
        if not page:
            return {}
        wanted = fields(request, "tweet.fields")
        expansions = fields(request, "expansions")
        now = self.now()
        data = [self._tweet(t, i, wanted, now) for t, i in page]
        body: dict[str, Any] = {"data": data}
        users: dict[str, XUser] = {}
        if "author_id" in expansions:
            users.update((t.author.id, t.author) for t, _i in page)
        if "in_reply_to_user_id" in expansions:
            users.update((t.in_reply_to.id, t.in_reply_to) for t, _i in page if t.in_reply_to)
        includes: dict[str, Any] = {}
        if "referenced_tweets.id" in expansions:
            parents = self._parents((t for t, _i in page), now)
            if parents:
                includes["tweets"] = [self._tweet(p, i, wanted, now) for p, i in parents]
        if users:
            user_fields = fields(request, "user.fields")
            includes["users"] = [u.as_json(user_fields) for u in users.values()]
        if includes:
            body["includes"] = includes
        return body

    def _parents(self, tweets: Iterable[XTweet], now: datetime) -> list[tuple[XTweet, int]]:
        found: dict[int, tuple[XTweet, int]] = {}
        for tweet in tweets:
            parent = self.world.find(tweet.replied_to) if tweet.replied_to else None
            version = (
                parent.version_at(now) if parent and not self.world.gone(parent, now) else None
            )
            if parent is not None and version is not None:
                found[parent.key] = (parent, version.id)
        return list(found.values())

    def _tweet(
        self, tweet: XTweet, version_id: int, wanted: frozenset[str], now: datetime
    ) -> dict[str, Any]:
        version = tweet.version(version_id) or tweet.versions[-1]
        later = [str(v.id) for v in tweet.versions if v.at <= now]
        data: dict[str, Any] = {
            "edit_history_tweet_ids": later,
            "id": str(version.id),
            "text": render_text(version.text),
        }
        optional: dict[str, Any] = {
            "created_at": iso(version.at),
            "author_id": tweet.author.id,
            "conversation_id": str(tweet.conversation_id),
            "lang": "ko",
            "reply_settings": tweet.reply_settings,
            "public_metrics": tweet.metrics(self.world.reply_count(tweet, now)),
        }
        if tweet.replied_to is not None and tweet.in_reply_to is not None:
            optional["in_reply_to_user_id"] = tweet.in_reply_to.id
            optional["referenced_tweets"] = [{"type": "replied_to", "id": str(tweet.replied_to)}]
        data.update((k, v) for k, v in optional.items() if k in wanted)
        return data


def account_config(base_url: str, interval_minutes: int) -> dict[str, Any]:
    """The `x-account` entry of a sandbox config (the data set's @hanbit_gu)."""
    return {
        "name": "x-account",
        "display_name": "한빛구청 X",
        "platform": "twitter",
        "username": "hanbit_gu",
        "bearer_token": {"env": TOKEN_ENV},
        "write_with": "oauth2_user",
        "write_user_token": {"env": USER_TOKEN_ENV},
        "api_url": base_url.rstrip("/"),
        "search_conversations": True,
        "monthly_budget": 20.0,
        "schedule": {"interval_minutes": interval_minutes},
    }


SANDBOX = SandboxPlatform(
    {TOKEN_ENV: BEARER_TOKEN, USER_TOKEN_ENV: USER_TOKEN},
    lambda base, minutes: [account_config(base, minutes)],
    mount,
    write_errors="aggregator.sandbox.x_write:WRITE_ERRORS",
)
"""X's part of the sandbox: the app's bearer token and the account's user token, the
account and the API v2 routes."""
