"""A YouTube channel's settings (`platform: youtube`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, HttpUrl, model_validator

from aggregator.settings_base import AccountBase, AccountSecret, OptionalAccountSecret

TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
"""Google's OAuth 2.0 token endpoint (the refresh-token grant)."""
REFRESH_KEYS = ("client_id", "client_secret", "refresh_token")


class YouTubeAccount(AccountBase):
    """A YouTube channel read through the Data API v3 with an API key."""

    platform: Literal["youtube"]
    channel_id: Annotated[str, Field(pattern=r"^UC[A-Za-z0-9_-]{22}$")]
    api_key: AccountSecret
    """A Google Cloud API key with the YouTube Data API v3 enabled (public reads)."""
    write_access_token: OptionalAccountSecret = None
    """A fixed OAuth access token of the channel owner (scope youtube.force-ssl) that posts
    answers (`comments.insert`) and hides comments (`setModerationStatus`), sent as a
    Bearer token; the API key never writes. Google's access tokens expire after an hour:
    prefer `client_id`, `client_secret` and `refresh_token`. Unset (and no refresh
    token): answers are copied and confirmed by hand."""
    client_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """The OAuth client's id (`….apps.googleusercontent.com`; not a secret)."""
    client_secret: OptionalAccountSecret = None
    """The OAuth client's secret, by environment variable."""
    refresh_token: OptionalAccountSecret = None
    """The channel owner's refresh token (consent with scope youtube.force-ssl), by
    environment variable: access tokens are fetched from `token_url` with it and renewed
    before they expire."""
    token_url: HttpUrl = HttpUrl(TOKEN_URL)
    """Where access tokens are refreshed (the sandbox's in tests)."""
    api_url: HttpUrl = HttpUrl("https://www.googleapis.com/youtube/v3/")
    daily_quota: Annotated[int, Field(ge=1, le=10_000_000)] = 10_000
    """Units this account may spend per Pacific day (Google's default project quota)."""
    page_size: Annotated[int, Field(ge=1, le=100)] = 100
    """Threads and replies per call (playlist pages are at most 50)."""
    max_throttle_wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    """Wait this long at most when rate limited; beyond it the run ends as throttled."""

    @model_validator(mode="before")
    @classmethod
    def _one_write_credential(cls, data: Any) -> Any:
        """The refresh flow needs all three keys; it and a fixed token exclude each other
        (checked on the keys written, whether or not their variables are set)."""
        if not isinstance(data, Mapping):
            return data
        given = [key for key in REFRESH_KEYS if data.get(key) is not None]
        if given and len(given) < len(REFRESH_KEYS):
            missing = ", ".join(key for key in REFRESH_KEYS if key not in given)
            raise ValueError(
                f"{missing}: required with {', '.join(given)} (the OAuth refresh flow needs "
                "client_id, client_secret and refresh_token)"
            )
        if given and data.get("write_access_token") is not None:
            raise ValueError(
                "write_access_token: give either write_access_token (a fixed token) or "
                "client_id, client_secret and refresh_token (refreshed tokens), not both"
            )
        return data

    @property
    def refreshes(self) -> bool:
        """Whether writes use refreshed access tokens (all three refresh settings set)."""
        return (
            self.client_id is not None
            and self.client_secret is not None
            and self.refresh_token is not None
        )

    def has_write_api(self) -> bool:
        """The Data API answers (`comments.insert`) and moderates comments."""
        return True

    def can_write(self) -> bool:
        """With `write_access_token`, or with the refresh flow's three settings set."""
        return self.write_access_token is not None or self.refreshes
