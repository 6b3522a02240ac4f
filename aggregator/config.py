"""`config.yaml` -> typed, validated settings.

Unknown keys are errors; secrets are only ever references to environment variables
(`{env: NAME}`), resolved at load time and redacted whenever the config is shown. An
account's token whose variable is unset is no error: that account `missing_secrets()`
and cannot sync, everything else works (`config check` lists it).
`AGGREGATOR_DATABASE_URL` overrides the configured database. An account's keys are its
platform's settings model (`connectors/<platform>/settings.py`), chosen by `platform:`
among the platforms of `connectors.registry`; the other sections' models are in
`aggregator.config_sections`, `config_review` and `config_notify`. What `config check`
and `config show` add (forbidden URLs, the redacted dump) is `aggregator.config_inspect`.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Mapping
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import Field, ValidationError, ValidationInfo, field_validator

from aggregator.config_notify import NotificationsSection
from aggregator.config_review import (
    AnswersSection,
    ReviewSection,
    RoutingRule,
    WebSection,
    check_rule_departments,
)
from aggregator.config_sections import (
    AlertsSection,
    DatabaseSettings,
    HttpSection,
    PrivacySection,
    ReportsSection,
    SchedulerSection,
    SyncSection,
)
from aggregator.settings_base import AccountBase as AccountBase
from aggregator.settings_base import AccountSecret as AccountSecret
from aggregator.settings_base import Schedule as Schedule
from aggregator.settings_base import Secret as Secret
from aggregator.settings_base import Strict as Strict
from aggregator.settings_base import unset_message as unset_message
from connectors.registry import PLATFORMS as REGISTERED

DATABASE_ENV = "AGGREGATOR_DATABASE_URL"
CONFIG_ENV = "AGGREGATOR_CONFIG"
DEFAULT_CONFIG_PATH = Path("config.yaml")


class ConfigError(Exception):
    """The configuration is invalid; the message names each key and what is wrong."""


AnyAccount = AccountBase
"""One account's settings, of whichever registered platform (`connectors.registry`)."""
PLATFORMS = tuple(REGISTERED)
"""The `platform:` values config.yaml accepts, in the registry's order."""


def _account_union() -> Any:
    """The accounts' discriminated union: every registered platform's settings model."""
    models = [platform.settings for platform in REGISTERED.values()]
    return Annotated[reduce(operator.or_, models), Field(discriminator="platform")]


if TYPE_CHECKING:
    Account = AccountBase
else:
    Account = _account_union()


class Settings(Strict):
    """The whole validated configuration."""

    database: DatabaseSettings = DatabaseSettings()
    timezone: str = "Asia/Seoul"
    http: HttpSection = HttpSection()
    sync: SyncSection = SyncSection()
    scheduler: SchedulerSection = SchedulerSection()
    alerts: AlertsSection = AlertsSection()
    departments: list[str] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    review: ReviewSection = ReviewSection()
    answers: AnswersSection = AnswersSection()
    web: WebSection = WebSection()
    routing_rules: list[RoutingRule] = Field(default_factory=list)
    reports: ReportsSection = ReportsSection()
    privacy: PrivacySection = PrivacySection()
    notifications: NotificationsSection = NotificationsSection()
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc
        return name

    @field_validator("departments")
    @classmethod
    def _unique_departments(cls, names: list[str]) -> list[str]:
        _reject_duplicates(names, "department")
        return names

    @field_validator("routing_rules")
    @classmethod
    def _rules_name_known_departments(
        cls, rules: list[RoutingRule], info: ValidationInfo
    ) -> list[RoutingRule]:
        check_rule_departments(rules, info.data.get("departments") or [])
        return rules

    @field_validator("answers")
    @classmethod
    def _phones_name_known_departments(
        cls, answers: AnswersSection, info: ValidationInfo
    ) -> AnswersSection:
        known = set(info.data.get("departments") or [])
        unknown = [name for name in answers.phones if name not in known]
        if unknown:
            raise ValueError(f"phones names {unknown[0]!r}, which is not in departments")
        return answers

    @field_validator("accounts")
    @classmethod
    def _unique_accounts(cls, accounts: list[AnyAccount]) -> list[AnyAccount]:
        _reject_duplicates([a.name for a in accounts], "account name")
        return accounts

    def account(self, name: str) -> AnyAccount:
        """Return the account called `name`; raise `ConfigError` naming the known ones."""
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.accounts) or "none"
        raise ConfigError(f"no account named {name!r} in the config (known: {known})")

    def secret_problems(self) -> list[str]:
        """One line per enabled account's secret whose variable is unset (it cannot sync)."""
        return [
            f"accounts[{index}] ({account.name}).{key}: {unset_message(name)}"
            for index, account in enumerate(self.accounts)
            if account.enabled
            for key, name in account.missing_secrets().items()
        ]

    def database_url(self, environ: Mapping[str, str] | None = None) -> str:
        """The SQLAlchemy URL to use: `AGGREGATOR_DATABASE_URL` first, then the config."""
        env = os.environ if environ is None else environ
        override = env.get(DATABASE_ENV)
        if override:
            return to_database_url(override, Path.cwd())
        return to_database_url(self.database.url, self.base_dir)


def to_database_url(value: str, base_dir: Path) -> str:
    """Turn a SQLite file path or a database URL into a SQLAlchemy URL."""
    if "://" not in value:
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = (base_dir / path).resolve()
        return f"sqlite:///{path}"
    if value.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def _reject_duplicates(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)


def load_settings(
    path: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read and validate a config file.

    Args:
        path: the file; defaults to `$AGGREGATOR_CONFIG`, then `./config.yaml`.
        environ: where `{env: NAME}` secrets are looked up (default: the process environment).

    Raises:
        ConfigError: with one line per problem, each naming the key.
    """
    env = os.environ if environ is None else environ
    config_path = resolve_config_path(path, env)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {config_path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {config_path}: {exc}") from None
    return parse_settings(
        text, base_dir=config_path.resolve().parent, environ=env, source=str(config_path)
    )


def resolve_config_path(path: Path | str | None, environ: Mapping[str, str]) -> Path:
    """The config file to read: `path`, else `$AGGREGATOR_CONFIG`, else `./config.yaml`."""
    return Path(path or environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)


def parse_settings(
    text: str,
    base_dir: Path = Path("."),
    environ: Mapping[str, str] | None = None,
    source: str = "config",
) -> Settings:
    """Validate YAML text as settings; see `load_settings`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    context = {"environ": os.environ if environ is None else environ}
    try:
        settings = Settings.model_validate({**data, "base_dir": base_dir}, context=context)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, data, source)) from None
    return settings


def format_errors(exc: ValidationError, data: Mapping[str, Any], source: str) -> str:
    """One line per problem: `source: accounts[2] (name) .feed_url: what is wrong`."""
    lines = [f"{source}: {exc.error_count()} problem(s):"]
    for error in exc.errors():
        lines.append(f"  {_location(error['loc'], data)}: {_message(error)}")
    return "\n".join(lines)


def _location(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for key in loc:
        if isinstance(key, int):
            parts.append(f"[{key}]")
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and "name" in node:
                parts.append(f" ({node['name']})")
        elif key in PLATFORMS and parts:  # the discriminator tag adds no information
            continue
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "union_tag_invalid":
        return f"unknown platform (expected one of: {', '.join(PLATFORMS)})"
    if kind == "union_tag_not_found":
        return "missing key 'platform'"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")
