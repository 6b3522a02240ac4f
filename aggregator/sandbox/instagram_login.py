"""Instagram API with Instagram Login in the sandbox: the same account on `graph.instagram.com`.

Served under `LOGIN_PREFIX` (`/graph.instagram.com`), so an account's `graph_url` is
`{base}/graph.instagram.com/`, with the same data as the Facebook-Login variant (one
`InstagramWorld`: a reply written through either shows in both) and the same paths, fields,
paging and writes (`instagram.py`, `instagram_write.py`), but:

- the token is the Instagram User token `USER_TOKEN` (the Page token is refused, 190);
- Graph's own errors have `"type": "IGApiException"` (the real envelope, e.g. code 2500
  `Unknown path components`, for any path the variant does not serve);
- `GET /graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=T`
  answers `{"access_token", "token_type": "bearer", "expires_in": 5184000}` with a new
  token; the refreshed tokens are accepted too and the old one stays valid (Meta does not
  say whether it does; the 24-hour minimum age is not enforced here).

`fail(...)` injects errors as on the Graph variant, typed `IGApiException` by default.
"""

from __future__ import annotations

import hmac
import itertools
import re

from aggregator.sandbox.data import DataSet
from aggregator.sandbox.graph import VERSION
from aggregator.sandbox.graph_render import GraphFailure, dumps
from aggregator.sandbox.instagram import (
    LOGIN_PREFIX,
    USER_TOKEN,
    USER_TOKEN_ENV,
    InstagramApi,
)
from aggregator.sandbox.instagram_world import IG_USER_ID, INSTAGRAM_ACCOUNT
from aggregator.sandbox.routing import Router, SandboxRequest, SandboxResponse

LIFETIME_SECONDS = 60 * 24 * 3600
UNKNOWN_PATH = "Unknown path components: {path}"


class InstagramLoginApi(InstagramApi):
    """`InstagramApi` on `graph.instagram.com`: its token, its error type, token refresh."""

    prefix = LOGIN_PREFIX

    def __init__(self, data: DataSet, facebook_login: InstagramApi) -> None:
        super().__init__(data, facebook_login.now, USER_TOKEN, facebook_login.ig)
        self.error_type = "IGApiException"
        self.refreshed: list[str] = []
        """Tokens `refresh_access_token` handed out (accepted like `USER_TOKEN`)."""
        self._serial = itertools.count(1)

    def register(self, router: Router) -> None:
        """The read routes and the refresh endpoint."""
        super().register(router)
        router.add("GET", LOGIN_PREFIX + r"/refresh_access_token", self._refresh)

    def register_unknown(self, router: Router) -> None:
        """IGApiException 2500 for every other path of the host (register it last)."""
        for method in ("GET", "POST", "DELETE"):
            router.add(method, LOGIN_PREFIX + VERSION + r"/.*", self.guard(self._unknown_path))

    def _check(self, request: SandboxRequest) -> None:
        token = request.param("access_token") or ""
        if any(hmac.compare_digest(token, given) for given in self.refreshed):
            return
        super()._check(request)

    def _refresh(self, request: SandboxRequest, match: re.Match[str]) -> SandboxResponse:
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        try:
            if request.param("grant_type") != "ig_refresh_token":
                raise GraphFailure(100, "Invalid grant_type: expected ig_refresh_token")
            self._check(request)
        except GraphFailure as failure:
            body = {"error": {**failure.body("Asandboxrefresh")["error"], "type": self.error_type}}
            return SandboxResponse(failure.status, dumps(body), headers)
        token = f"{USER_TOKEN}r{next(self._serial)}"
        self.refreshed.append(token)
        answer = {"access_token": token, "token_type": "bearer", "expires_in": LIFETIME_SECONDS}
        return SandboxResponse(200, dumps(answer), headers)

    def _unknown_path(self, request: SandboxRequest, match: re.Match[str]) -> object:
        path = request.path.removeprefix(LOGIN_PREFIX + "/" + match["version"])
        raise GraphFailure(2500, UNKNOWN_PATH.format(path=path))


def account_config(base_url: str, interval_minutes: int) -> dict[str, object]:
    """An `instagram` account read through Instagram Login from this sandbox (not part of
    the written config: its `instagram` account reads through Facebook Login)."""
    return {
        "name": "instagram-login",
        "display_name": f"{INSTAGRAM_ACCOUNT.name} 인스타그램",
        "platform": "instagram",
        "api": "instagram_login",
        "ig_user_id": IG_USER_ID,
        "access_token": {"env": USER_TOKEN_ENV},
        "write_access_token": {"env": USER_TOKEN_ENV},
        "graph_url": base_url.rstrip("/") + LOGIN_PREFIX + "/",
        "schedule": {"interval_minutes": interval_minutes},
    }


def register_login(
    router: Router, data: DataSet, facebook_login: InstagramApi
) -> InstagramLoginApi:
    """Add the Instagram-Login routes (reads, writes, refresh) over `facebook_login`'s world."""
    from aggregator.sandbox.instagram_write import InstagramWrites

    api = InstagramLoginApi(data, facebook_login)
    api.register(router)
    InstagramWrites(api).register(router)
    api.register_unknown(router)
    return api
