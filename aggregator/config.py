"""`config.yaml` -> typed, validated settings.

Unknown keys are errors; secrets are only ever references to environment variables
(`{env: NAME}`), resolved at load time and redacted whenever the config is shown. An
account's token whose variable is unset is no error: that account `missing_secrets()`
and cannot sync, everything else works (`config check` lists it).
`AGGREGATOR_DATABASE_URL` overrides the configured database. An account's keys are its
platform's settings model (`connectors/<platform>/settings.py`), chosen by `platform:`
among the platforms of `connectors.registry`.
"""

from __future__ import annotations

import ipaddress
import operator
import os
from collections.abc import Mapping
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import (
    AnyUrl,
    Field,
    HttpUrl,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from aggregator.config_notify import NotificationsSection
from aggregator.config_review import (
    AnswersSection,
    ReviewSection,
    RoutingRule,
    WebSection,
    check_rule_departments,
)
from aggregator.http import address_policy
from aggregator.net_guard import IPNetwork, parse_networks
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
DEFAULT_SQLITE_PATH = "data/aggregator.db"
MAX_APPROVAL_TITLES, MAX_APPROVAL_TITLE = 5, 6


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


class DatabaseSettings(Strict):
    """Where the store lives: a SQLite file path or a SQLAlchemy URL."""

    url: str = DEFAULT_SQLITE_PATH


class HttpSection(Strict):
    """Limits for every outbound request."""

    connect_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10
    read_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 60
    max_body_bytes: Annotated[int, Field(ge=1024)] = 5 * 1024 * 1024
    retries: Annotated[int, Field(ge=0, le=10)] = 2
    user_agent: str = "district-sns-aggregator/0.1"
    allow_private_networks: list[str] | None = None
    """CIDR networks (e.g. 127.0.0.0/8 for the sandbox, an intranet blog's 10.0.0.0/8) that
    requests may reach although private or local; all others are refused (SSRF guard)."""

    @field_validator("allow_private_networks")
    @classmethod
    def _cidr_networks(cls, values: list[str] | None) -> list[str] | None:
        parse_networks(values or ())
        return values

    def allowed_networks(self) -> tuple[IPNetwork, ...] | None:
        """`allow_private_networks` as networks; None when not configured (none allowed)."""
        if self.allow_private_networks is None:
            return None
        return parse_networks(self.allow_private_networks)


class SyncSection(Strict):
    """How one sync run behaves."""

    run_deadline_seconds: Annotated[int, Field(ge=1, le=6 * 3600)] = 900


class EmailAlerts(Strict):
    """Alerts by e-mail through an SMTP server."""

    smtp_host: str
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    starttls: bool = True
    username: str | None = None
    password: Secret | None = None
    sender: str
    recipients: Annotated[list[str], Field(min_length=1)]


class AlertsSection(Strict):
    """When and where to raise alerts about accounts and the scheduler."""

    email: EmailAlerts | None = None
    webhook_url: HttpUrl | None = None
    failing_after: Annotated[int, Field(ge=1, le=100)] = 3
    """Consecutive failed runs after which an account counts as failing."""
    stale_after_intervals: Annotated[float, Field(ge=1.5, le=100)] = 3
    """No success for this many schedule intervals: the account is stale."""
    skipped_runs: Annotated[int, Field(ge=1, le=100)] = 3
    """Consecutive skipped scheduler runs of one job that raise an alert."""


class SchedulerSection(Strict):
    """How `scheduler.py` runs its jobs."""

    max_workers: Annotated[int, Field(ge=1, le=16)] = 2
    misfire_grace_seconds: Annotated[int, Field(ge=1, le=24 * 3600)] = 600
    shutdown_timeout_seconds: Annotated[int, Field(ge=1, le=600)] = 30
    lease_seconds: Annotated[int, Field(ge=30, le=3600)] = 120
    """A scheduler that stops renewing its lease for this long counts as gone."""
    health_check_minutes: Annotated[int, Field(ge=1, le=1440)] = 5


class ReportsSection(Strict):
    """Monthly reports: the pseudonym key, the font of the charts and the PDF, and the
    PDF/HTML document's cover (office, department, 결재란)."""

    pseudonym_key: Secret | None = None
    """HMAC key of the authors' pseudonyms (e.g. `{env: AGGREGATOR_PSEUDONYM_KEY}`);
    never stored in the database or an export. Pseudonymised exports need it."""
    font_path: Path | None = None
    """A Korean TrueType font; default: NanumGothic from Debian's `fonts-nanum`."""
    topics_schedule: Schedule = Schedule(interval_minutes=30)
    """When `scheduler.py` analyses new comments' nouns for the monthly topics (job
    `topics`; `aggregator topics update` does the same from cron)."""
    output_dir: Path = Path("data/reports")
    """Where the web's report files are kept until downloaded (relative to the config
    file; created 0700, files 0600): they hold residents' comments."""
    keep_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 24
    """A report file made for the web is removed this many hours after it was made."""

    office_name: Annotated[str, Field(min_length=1, max_length=30)] = "○○구청"
    """The office named on the PDF/HTML report's cover (e.g. 한빛구청)."""
    department: Annotated[str, Field(max_length=30)] = ""
    """The department writing the report, on its cover as 작성 부서 (e.g. 홍보담당관)."""
    approval_titles: list[str] = Field(default_factory=list)
    """The 결재란's boxes, left to right (e.g. [담당, 팀장, 과장]); empty: no 결재란."""

    @field_validator("office_name", "department")
    @classmethod
    def _one_line(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value and info.field_name == "office_name":
            raise ValueError("must name the office (e.g. 한빛구청), not be blank")
        if any(not c.isprintable() for c in value):
            raise ValueError("must be one line of printable text (no tabs or line breaks)")
        return value

    @field_validator("approval_titles")
    @classmethod
    def _approval_boxes(cls, titles: list[str]) -> list[str]:
        if len(titles) > MAX_APPROVAL_TITLES:
            raise ValueError(
                f"at most {MAX_APPROVAL_TITLES} titles fit the 결재란, not {len(titles)}"
            )
        for title in titles:
            if not title.strip() or len(title.strip()) > MAX_APPROVAL_TITLE:
                raise ValueError(
                    f"each title must be 1 to {MAX_APPROVAL_TITLE} characters, not {title!r}"
                )
            if any(not c.isprintable() for c in title):
                raise ValueError(f"title {title!r} must be printable text without line breaks")
        stripped = [t.strip() for t in titles]
        if len(set(stripped)) != len(stripped):
            raise ValueError(f"titles must differ from each other: {stripped}")
        return stripped

    topic_stop_words: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list
    )
    """Words left out of the monthly topics besides the built-in greetings, titles and
    civic boilerplate (`aggregator.reports.topics.STOPWORDS`), e.g. `[한빛, 동네]`."""


class PrivacySection(Strict):
    """PIPA retention of residents' personal data (comments, authors, notes on them)."""

    retention_days: Annotated[int, Field(ge=1, le=36_500)] = 1095
    """Comments (and everything derived from them) older than this many days are
    destroyed by `aggregator privacy purge` and the scheduler's daily `privacy-purge`
    job. Set by the district's privacy policy; it may be shorter than the access log's
    legal minimum of 2 years, which this setting does not touch (the access log is
    kept at least 2 years whatever it says)."""


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


def forbidden_account_urls(settings: Settings) -> list[str]:
    """One line per account URL whose host is a literal private or local address not allowed."""
    policy = address_policy(settings.http.allowed_networks())
    problems = []
    for index, account in enumerate(settings.accounts):
        for key, value in account:
            host = value.host if isinstance(value, AnyUrl) else None
            reason = policy.problem(host.strip("[]")) if host and _is_ip(host) else None
            if reason:
                where = f"accounts[{index}] ({account.name}).{key}"
                problems.append(f"{where}: {host} in {value} is {reason}")
    return problems


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


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


def redacted_dump(settings: Settings) -> dict[str, Any]:
    """The resolved settings as plain data, secrets shown only as their variable name."""
    unset = {name for a in settings.accounts for name in a.missing_secrets().values()}
    data: dict[str, Any] = _redact(settings.model_dump(mode="json", exclude={"base_dir"}), unset)
    return data


def _redact(value: Any, unset: set[str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"env"}:
            state = "not set" if value["env"] in unset else "set, hidden"
            return f"${value['env']} ({state})"
        return {k: _redact(v, unset) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, unset) for v in value]
    return value
