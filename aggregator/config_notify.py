"""Config section `notifications`: staff notifications and the daily digest.

Kept apart from `config.py` and included by `Settings`. Mail goes through the SMTP
server of `alerts.email` (one server for the whole program); webhooks through the
SSRF-guarded HTTP client with the `http` section's limits.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class NotificationsSection(BaseModel):
    """Who learns about new work, how, and when the daily digest goes out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    """False: nothing is queued or sent (the commands and jobs do nothing)."""
    sender: str | None = None
    """The From of notification mail; default: `alerts.email.sender`."""
    excerpt: Literal["masked", "none"] = "masked"
    """`masked`: a message shows the comment's first words after PII masking; `none`:
    no words of the comment at all."""
    excerpt_chars: Annotated[int, Field(ge=10, le=200)] = 40
    """At most this many characters of the masked comment (cut at a word)."""
    digest_time: str = "08:30"
    """When the daily digest goes out (HH:MM, `timezone`), on business days only."""
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    """Attempts per message before it is marked failed (shown to the admin)."""
    retry_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 2
    """The first retry's delay; each later one waits twice as long."""

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not CLOCK_TIME.match(value):
            raise ValueError(f"{value!r} is not a time of day as HH:MM (e.g. 08:30)")
        return value

    @property
    def digest_at(self) -> time:
        """`digest_time` as a time of day."""
        hours, minutes = self.digest_time.split(":")
        return time(int(hours), int(minutes))
