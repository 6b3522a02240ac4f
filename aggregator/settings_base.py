"""The base types of every settings model: strict sections, secrets by environment
variable, schedules and the settings every account has.

Platform settings (`connectors/<platform>/settings.py`) build on these; `aggregator.config`
assembles the whole configuration. This module depends on pydantic only, so connectors may
import it without importing the configuration.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Strict(BaseModel):
    """Base for config sections: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Secret(Strict):
    """A secret taken from an environment variable; `str()` never shows its value."""

    env: str
    value: str = Field(default="", repr=False, exclude=True)
    unset_allowed: ClassVar[bool] = False
    """An unset variable leaves the value empty instead of failing validation."""

    @field_validator("env")
    @classmethod
    def _valid_env_name(cls, name: str) -> str:
        if not ENV_NAME.match(name):
            raise ValueError(f"{name!r} is not a valid environment variable name")
        return name

    @model_validator(mode="before")
    @classmethod
    def _resolve(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, str):
            raise ValueError(
                "secrets must not be written into config.yaml; use {env: VARIABLE_NAME}"
            )
        if not isinstance(data, Mapping) or set(data) != {"env"}:
            return data
        environ: Mapping[str, str] = (info.context or {}).get("environ", os.environ)
        name = str(data["env"])
        if name not in environ or not environ[name]:
            if cls.unset_allowed:
                return {"env": name}
            raise ValueError(unset_message(name))
        return {"env": name, "value": environ[name]}

    @property
    def is_set(self) -> bool:
        """True when the variable held a value at load time."""
        return bool(self.value)

    def redacted(self) -> str:
        """Show which variable holds the secret and only its last four characters."""
        if not self.is_set:
            return f"${self.env} (not set)"
        tail = self.value[-4:] if len(self.value) >= 12 else ""
        return f"${self.env} (****{tail})"

    def __str__(self) -> str:
        return self.redacted()


class AccountSecret(Secret):
    """An account's token: when its variable is unset, only that account needs configuration."""

    unset_allowed: ClassVar[bool] = True


def unset_message(name: str) -> str:
    """The one wording of a missing variable (config check, sync, status)."""
    return f"environment variable {name} is not set"


def _unset_to_none(secret: AccountSecret | None) -> AccountSecret | None:
    return secret if secret is not None and secret.is_set else None


OptionalAccountSecret = Annotated[AccountSecret | None, AfterValidator(_unset_to_none)]
"""A secret the account works without (`app_secret`): an unset variable means none."""


class Schedule(Strict):
    """When an account is synced: every N minutes, or a cron expression (Asia/Seoul)."""

    interval_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] | None = None
    cron: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Schedule:
        if (self.interval_minutes is None) == (self.cron is None):
            raise ValueError("give exactly one of interval_minutes or cron")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(
                f"cron {self.cron!r} must have 5 fields: minute hour day month weekday"
            )
        return self


class AccountBase(Strict):
    """Settings every account has; each platform's model adds `platform: Literal[name]`."""

    platform: str
    name: str
    display_name: str | None = None
    enabled: bool = True
    schedule: Schedule = Schedule(interval_minutes=30)
    reconcile_schedule: Schedule | None = None
    """When set, `scheduler.py` also runs the slower reconcile pass (edits, deletions)."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        if not ACCOUNT_NAME.match(name):
            raise ValueError(
                f"{name!r} must be lower-case letters, digits, '-' or '_' (at most 63 characters)"
            )
        return name

    def missing_secrets(self) -> dict[str, str]:
        """The secrets this account needs whose variable is unset: key -> variable name."""
        return {
            key: value.env
            for key, value in self
            if isinstance(value, AccountSecret) and not value.is_set
        }

    def has_write_api(self) -> bool:
        """Whether the platform takes answers and hides comments by API for this account."""
        return False

    def can_write(self) -> bool:
        """Whether a write credential is configured for that API (else copy-and-confirm)."""
        return False
