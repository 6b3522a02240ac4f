"""An Instagram professional account's settings (`platform: instagram`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from aggregator.settings_base import AccountBase, AccountSecret, OptionalAccountSecret
from connectors.graph.errors import GraphOwner

NEEDED_PERMISSIONS = "instagram_basic, instagram_manage_comments and pages_read_engagement"
PERMISSION_BY_CODE = {10: "instagram_basic", 200: "instagram_manage_comments"}


class InstagramAccount(AccountBase):
    """An Instagram professional account linked to the district's Facebook Page, read through
    the Graph API (Instagram API with Facebook Login) with the Page's access token."""

    platform: Literal["instagram"]
    ig_user_id: Annotated[str, Field(pattern=r"^[0-9]{5,30}$")]
    """The Instagram user id (`GET /{page-id}?fields=instagram_business_account`)."""
    page_id: Annotated[str, Field(pattern=r"^[0-9]{1,30}$")] | None = None
    """The linked Facebook Page (documentation only: the token is that Page's)."""
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9._]{1,30}$")] | None = None
    """The account's username; its comments are the district's own. Unset: taken from the
    media (`username`) and the comments' `user` field."""
    access_token: AccountSecret
    """A long-lived Page access token with instagram_basic, instagram_manage_comments and
    pages_read_engagement."""
    app_secret: OptionalAccountSecret = None
    """When set, every call carries `appsecret_proof`."""
    write_access_token: OptionalAccountSecret = None
    """A Page token with instagram_manage_comments that posts answers and hides comments
    (may name the same variable as `access_token`). Unset: answers are copied by hand."""
    graph_url: HttpUrl = HttpUrl("https://graph.facebook.com/")
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

    def has_write_api(self) -> bool:
        """The Graph API answers (`/replies`) and hides Instagram comments."""
        return True

    def can_write(self) -> bool:
        """With `write_access_token` set."""
        return self.write_access_token is not None

    def graph_owner(self) -> GraphOwner:
        """The Instagram account, as the Graph adapter's messages name it."""
        return GraphOwner(
            self.ig_user_id,
            what="Instagram account",
            needed=NEEDED_PERMISSIONS,
            by_code=PERMISSION_BY_CODE,
            readme="Instagram",
        )
