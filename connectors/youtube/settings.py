"""A YouTube channel's settings (`platform: youtube`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from aggregator.settings_base import AccountBase, AccountSecret, OptionalAccountSecret


class YouTubeAccount(AccountBase):
    """A YouTube channel read through the Data API v3 with an API key."""

    platform: Literal["youtube"]
    channel_id: Annotated[str, Field(pattern=r"^UC[A-Za-z0-9_-]{22}$")]
    api_key: AccountSecret
    """A Google Cloud API key with the YouTube Data API v3 enabled (public reads)."""
    write_access_token: OptionalAccountSecret = None
    """The channel owner's OAuth access token (scope youtube.force-ssl) that posts answers
    (`comments.insert`) and hides comments (`setModerationStatus`), sent as a Bearer token;
    the API key never writes. Unset: answers are copied and confirmed by hand."""
    api_url: HttpUrl = HttpUrl("https://www.googleapis.com/youtube/v3/")
    daily_quota: Annotated[int, Field(ge=1, le=10_000_000)] = 10_000
    """Units this account may spend per Pacific day (Google's default project quota)."""
    page_size: Annotated[int, Field(ge=1, le=100)] = 100
    """Threads and replies per call (playlist pages are at most 50)."""
    max_throttle_wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    """Wait this long at most when rate limited; beyond it the run ends as throttled."""

    def has_write_api(self) -> bool:
        """The Data API answers (`comments.insert`) and moderates comments."""
        return True

    def can_write(self) -> bool:
        """With `write_access_token` set."""
        return self.write_access_token is not None
