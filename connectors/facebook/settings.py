"""A Facebook Page account's settings (`platform: facebook`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from aggregator.settings_base import AccountBase, AccountSecret, OptionalAccountSecret
from connectors.graph.errors import GraphOwner


class FacebookAccount(AccountBase):
    """A Facebook Page read through the Graph API with a Page access token."""

    platform: Literal["facebook"]
    page_id: Annotated[str, Field(pattern=r"^[0-9]{1,30}$")]
    access_token: AccountSecret
    """A long-lived Page access token (pages_read_engagement, pages_read_user_content)."""
    app_secret: OptionalAccountSecret = None
    """When set, every call carries `appsecret_proof`."""
    write_access_token: OptionalAccountSecret = None
    """A Page token with pages_manage_engagement (MODERATE task) that posts answers and hides
    comments; may name the same variable as `access_token`. Unset: answers are copied by hand."""
    graph_url: HttpUrl = HttpUrl("https://graph.facebook.com/")
    graph_version: Annotated[str, Field(pattern=r"^v[0-9]{1,3}\.[0-9]$")] = "v25.0"
    include_visitor_posts: bool = False
    comment_window_days: Annotated[int, Field(ge=1, le=365)] = 30
    """Posts this young get their comments re-read when their comment count changes."""
    overlap_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 60
    page_size: Annotated[int, Field(ge=1, le=100)] = 100
    max_throttle_wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    """Wait this long at most when throttled; beyond it the run ends as throttled."""
    slow_down_at_percent: Annotated[int, Field(ge=1, le=100)] = 75
    """Pause between calls once the usage headers report this much of the limit used."""

    def graph_owner(self) -> GraphOwner:
        """The Page, as the Graph adapter's messages name it."""
        return GraphOwner(self.page_id)

    def has_write_api(self) -> bool:
        """The Graph API posts answers and hides comments."""
        return True

    def can_write(self) -> bool:
        """With `write_access_token` set."""
        return self.write_access_token is not None
