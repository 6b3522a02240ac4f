"""An Instagram professional account's settings (`platform: instagram`).

`api` chooses how it is read: `facebook_login` (the default: `graph.facebook.com` with the
linked Page's token) or `instagram_login` (`graph.instagram.com` with an Instagram User
token, no Page needed).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, HttpUrl, model_validator

from aggregator.settings_base import AccountBase, AccountSecret, OptionalAccountSecret
from connectors.graph.errors import GraphOwner

NEEDED_PERMISSIONS = "instagram_basic, instagram_manage_comments and pages_read_engagement"
PERMISSION_BY_CODE = {10: "instagram_basic", 200: "instagram_manage_comments"}
LOGIN_PERMISSIONS = "instagram_business_basic and instagram_business_manage_comments"
LOGIN_PERMISSION_BY_CODE = {
    10: "instagram_business_basic",
    200: "instagram_business_manage_comments",
}
FACEBOOK_HOST = "graph.facebook.com"
INSTAGRAM_HOST = "graph.instagram.com"
HOSTS = {"facebook_login": FACEBOOK_HOST, "instagram_login": INSTAGRAM_HOST}
Api = Literal["facebook_login", "instagram_login"]
TOKEN_LIFETIME_DAYS = 60
"""A long-lived Instagram User token's life (refreshable once at least 24 hours old)."""


class InstagramAccount(AccountBase):
    """An Instagram professional account, read through the Graph API: with the linked
    Facebook Page's token (Instagram API with Facebook Login, `api: facebook_login`) or
    with an Instagram User token on `graph.instagram.com` (`api: instagram_login`)."""

    platform: Literal["instagram"]
    api: Api = "facebook_login"
    """Which of Meta's two Instagram APIs reads (and answers on) the account."""
    ig_user_id: Annotated[str, Field(pattern=r"^[0-9]{5,30}$")]
    """The Instagram user id (Facebook Login: `GET /{page-id}?fields=instagram_business_account`;
    Instagram Login: `GET /me?fields=user_id`)."""
    page_id: Annotated[str, Field(pattern=r"^[0-9]{1,30}$")] | None = None
    """The linked Facebook Page (Facebook Login only; documentation: the token is that
    Page's)."""
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9._]{1,30}$")] | None = None
    """The account's username; its comments are the district's own. Unset: taken from the
    media (`username`) and the comments' `user` field."""
    access_token: AccountSecret
    """Facebook Login: a long-lived Page access token with instagram_basic,
    instagram_manage_comments and pages_read_engagement. Instagram Login: a long-lived
    Instagram User token (60 days) with instagram_business_basic and
    instagram_business_manage_comments."""
    app_secret: OptionalAccountSecret = None
    """When set, every call carries `appsecret_proof`."""
    write_access_token: OptionalAccountSecret = None
    """A Page token with instagram_manage_comments that posts answers and hides comments
    (may name the same variable as `access_token`). Unset: answers are copied by hand."""
    graph_url: HttpUrl = HttpUrl(f"https://{FACEBOOK_HOST}/")
    """Where calls go; unset: `https://graph.instagram.com/` for `api: instagram_login`."""
    graph_version: Annotated[str, Field(pattern=r"^v[0-9]{1,3}\.[0-9]$")] = "v25.0"
    comment_window_days: Annotated[int, Field(ge=1, le=365)] = 30
    """Media this young get their comments re-read when their comment count changes."""
    overlap_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 60
    page_size: Annotated[int, Field(ge=1, le=100)] = 100
    """Media per call (comments: Instagram gives at most 50 a page whatever is asked)."""
    max_throttle_wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    """Wait this long at most when throttled; beyond it the run ends as throttled."""
    slow_down_at_percent: Annotated[int, Field(ge=1, le=100)] = 75
    """Pause between calls once the usage headers report this much of the limit used."""

    token_warn_days: Annotated[int, Field(ge=1, le=TOKEN_LIFETIME_DAYS - 1)] | None = None
    """Instagram Login only: from this many days after the aggregator first saw the token,
    runs warn and `status` says to refresh it (default 50; tokens last 60 days)."""

    @model_validator(mode="before")
    @classmethod
    def _instagram_host_by_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("api") == "instagram_login":
            data = {"graph_url": f"https://{INSTAGRAM_HOST}/", **data}
        return data

    @model_validator(mode="after")
    def _keys_of_the_chosen_api(self) -> InstagramAccount:
        host = self.graph_url.host or ""
        other = next(api for api in HOSTS if api != self.api)
        if host == HOSTS[other]:
            raise ValueError(
                f"graph_url: {host} serves api: {other}, not {self.api}; use "
                f"https://{HOSTS[self.api]}/ (or set api: {other})"
            )
        if self.api == "instagram_login" and self.page_id is not None:
            raise ValueError("page_id: api: instagram_login reads without a Page; remove the key")
        if self.api == "facebook_login" and self.token_warn_days is not None:
            raise ValueError(
                "token_warn_days: only Instagram User tokens (api: instagram_login) expire "
                "after 60 days; remove the key"
            )
        return self

    @property
    def warn_after_days(self) -> int:
        """Days after first seeing an Instagram User token from which runs warn."""
        return self.token_warn_days or 50

    def has_write_api(self) -> bool:
        """The Graph API answers (`/replies`) and hides Instagram comments."""
        return True

    def can_write(self) -> bool:
        """With `write_access_token` set."""
        return self.write_access_token is not None

    def graph_owner(self) -> GraphOwner:
        """The Instagram account, as the Graph adapter's messages name it."""
        if self.api == "instagram_login":
            return GraphOwner(
                self.ig_user_id,
                what="Instagram account",
                needed=LOGIN_PERMISSIONS,
                by_code=LOGIN_PERMISSION_BY_CODE,
                readme="Instagram",
                issuer="Instagram",
                token_kind="Instagram User token",  # noqa: S106 - a kind, no secret
                renew="The account's owner must log in with Instagram Login to issue a new "
                "long-lived Instagram User token",
            )
        return GraphOwner(
            self.ig_user_id,
            what="Instagram account",
            needed=NEEDED_PERMISSIONS,
            by_code=PERMISSION_BY_CODE,
            readme="Instagram",
        )
