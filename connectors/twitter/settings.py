"""An X account's settings (`platform: twitter`) and the X API prices it counts with."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl, model_validator

from aggregator.settings_base import AccountBase, AccountSecret, OptionalAccountSecret, Strict


class TwitterPrices(Strict):
    """X API pay-per-use unit prices (USD) per resource read; match the current price list."""

    owned_read: Annotated[float, Field(ge=0)] = 0.001
    """Own timeline and mentions."""
    post_read: Annotated[float, Field(ge=0)] = 0.005
    """Posts read through search or lookup."""
    user_read: Annotated[float, Field(ge=0)] = 0.010
    reply: Annotated[float, Field(ge=0)] = 0.015
    """One reply posted (`POST /2/tweets`): $0.015; $0.010 when summoned; $0.200 with a URL."""
    reply_with_url: Annotated[float, Field(ge=0)] = 0.200
    """One reply whose text carries a link."""
    hide: Annotated[float, Field(ge=0)] = 0.005
    """Hiding or unhiding one reply (`PUT /2/tweets/:id/hidden`, "Content: Manage")."""


class TwitterAccount(AccountBase):
    """An X (Twitter) account read through API v2 with tweepy."""

    platform: Literal["twitter"]
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,15}$")]
    user_id: Annotated[str, Field(pattern=r"^[0-9]{1,25}$")] | None = None
    """Saves one user lookup per run when given."""
    bearer_token: AccountSecret | None = None
    consumer_key: AccountSecret | None = None
    consumer_secret: AccountSecret | None = None
    access_token: AccountSecret | None = None
    access_token_secret: AccountSecret | None = None
    write_with: Literal["oauth1_user", "oauth2_user"] | None = None
    """How answers are posted: with the OAuth 1.0a user context above, or with
    `write_user_token`; unset: answers are copied by hand (the bearer token cannot post)."""
    write_user_token: OptionalAccountSecret = None
    """An OAuth 2.0 user token with tweet.write, tweet.read, users.read (and
    tweet.moderate.write to hide replies), for `write_with: oauth2_user`."""
    api_url: HttpUrl = HttpUrl("https://api.twitter.com")
    search_conversations: bool = False
    """Also search replies deeper in threads (the expensive call, 7 days back at most)."""
    conversation_days: Annotated[int, Field(ge=1, le=7)] = 7
    monthly_budget: Annotated[float, Field(ge=0)] = 20.0
    """Estimated spend allowed per calendar month (USD); runs stop before exceeding it."""
    prices: TwitterPrices = TwitterPrices()
    max_rate_limit_wait_seconds: Annotated[int, Field(ge=0, le=900)] = 60

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> TwitterAccount:
        user_context = (
            self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret
        )  # fmt: skip
        if self.bearer_token is None and any(v is None for v in user_context):
            raise ValueError(
                "give bearer_token, or all of consumer_key, consumer_secret, access_token "
                "and access_token_secret"
            )
        return self

    @model_validator(mode="after")
    def _write_needs_user_context(self) -> TwitterAccount:
        oauth1 = (
            self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret
        )  # fmt: skip
        if self.write_with == "oauth1_user" and any(v is None for v in oauth1):
            raise ValueError(
                "write_with: oauth1_user needs consumer_key, consumer_secret, access_token and "
                "access_token_secret (the app-only bearer_token can never post)"
            )
        if self.write_with == "oauth2_user" and "write_user_token" not in self.model_fields_set:
            raise ValueError(
                "write_with: oauth2_user needs write_user_token (the app-only bearer_token "
                "can never post)"
            )
        if self.write_with is None and "write_user_token" in self.model_fields_set:
            raise ValueError("write_user_token: set write_with: oauth2_user to post with it")
        return self

    def missing_secrets(self) -> dict[str, str]:
        """Nothing when the bearer token or the whole user context is set; else the unset."""
        user_context = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        ways = (("bearer_token",), user_context)
        for keys in ways:
            if all(getattr(self, key) is not None and getattr(self, key).is_set for key in keys):
                return {}
        return super().missing_secrets()

    def has_write_api(self) -> bool:
        """X API v2 posts replies and hides them."""
        return True

    def can_write(self) -> bool:
        """With the credential `write_with` names set (the bearer token never writes)."""
        if self.write_with == "oauth2_user":
            return self.write_user_token is not None
        if self.write_with == "oauth1_user":
            keys = (self.consumer_key, self.consumer_secret, self.access_token,
                    self.access_token_secret)  # fmt: skip
            return all(key is not None and key.is_set for key in keys)
        return False
