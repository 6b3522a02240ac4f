"""A Pinterest account's settings (`platform: pinterest`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from aggregator.settings_base import AccountBase, AccountSecret


class PinterestAccount(AccountBase):
    """A Pinterest profile: API v5 with an OAuth token, else its public RSS feeds."""

    platform: Literal["pinterest"]
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{3,30}$")]
    access_token: AccountSecret | None = None
    """OAuth token with boards:read and pins:read; without it the public RSS is read."""
    api_url: HttpUrl = HttpUrl("https://api.pinterest.com/v5")
    rss_url: HttpUrl = HttpUrl("https://www.pinterest.com")
    """Where `/{username}/feed.rss` and `/{username}/{board}.rss` live."""
    boards: list[str] = Field(default_factory=list)
    """Board slugs to read by RSS (empty: the profile feed); the API reads every board."""
    page_size: Annotated[int, Field(ge=1, le=250)] = 100
    daily_call_budget: Annotated[int, Field(ge=1, le=1_000_000)] = 1000
    """Never more API calls than this per day (Pinterest trial access: 1,000)."""
    max_rate_limit_wait_seconds: Annotated[int, Field(ge=0, le=900)] = 60
