"""`config.yaml` -> typed, validated settings.

Unknown keys are errors; secrets are only ever references to environment variables
(`{env: NAME}`), resolved at load time and redacted whenever the config is shown. An
account's token whose variable is unset is no error: that account `missing_secrets()`
and cannot sync, everything else works (`config check` lists it).
`AGGREGATOR_DATABASE_URL` overrides the configured database.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    AfterValidator,
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
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

DATABASE_ENV = "AGGREGATOR_DATABASE_URL"
CONFIG_ENV = "AGGREGATOR_CONFIG"
DEFAULT_CONFIG_PATH = Path("config.yaml")
DEFAULT_SQLITE_PATH = "data/aggregator.db"
ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """The configuration is invalid; the message names each key and what is wrong."""


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
    """Settings every account has."""

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


class BlogAccount(AccountBase):
    """A blog read from its feeds: Naver Blog, WordPress, Tistory or any RSS/Atom feed."""

    platform: Literal["blog"]
    flavor: Literal["naver", "wordpress", "tistory", "rss"] = "rss"
    feed_url: HttpUrl
    comments_feed_url: HttpUrl | None = None
    per_post_comment_feeds: bool = True
    """WordPress: also read each post's own comments when its comment count changes."""
    comments_api: Literal["auto", "rest", "feeds"] = "auto"
    """WordPress: read a post's comments by REST (`/wp-json/wp/v2/comments`), by its comment
    feed, or `auto`: REST where the site offers it, else the feed."""
    owner_names: tuple[str, ...] = ()
    """Author names the district's staff reply under (besides the posts' authors)."""
    write_username: str | None = None
    """WordPress: the user (an Editor) whose Application Password posts answers."""
    write_app_password: OptionalAccountSecret = None
    """WordPress: that user's Application Password; unset: answers are copied by hand."""

    @model_validator(mode="after")
    def _write_credentials_for_wordpress_only(self) -> BlogAccount:
        for key in ("write_username", "write_app_password"):
            if key in self.model_fields_set and self.flavor != "wordpress":
                raise ValueError(
                    f"{key}: only WordPress blogs take answers by API (this one is "
                    f"{self.flavor}); remove the key"
                )
        if ("write_app_password" in self.model_fields_set) != (self.write_username is not None):
            raise ValueError("write_username and write_app_password go together; give both")
        return self

    @model_validator(mode="after")
    def _comments_only_where_feeds_exist(self) -> BlogAccount:
        if self.comments_feed_url is not None and self.flavor in ("naver", "tistory"):
            raise ValueError(
                f"comments_feed_url: {self.flavor} blogs have no comment feed; remove the key"
            )
        if self.comments_api == "rest" and self.flavor != "wordpress":
            raise ValueError(
                f"comments_api: rest is for WordPress blogs only (this one is {self.flavor})"
            )
        return self


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


AnyAccount = BlogAccount | FacebookAccount | TwitterAccount | PinterestAccount
Account = Annotated[AnyAccount, Field(discriminator="platform")]
PLATFORMS = ("blog", "facebook", "twitter", "pinterest")


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
    """Monthly reports: the pseudonym key and the font of the charts and the PDF."""

    pseudonym_key: Secret | None = None
    """HMAC key of the authors' pseudonyms (e.g. `{env: AGGREGATOR_PSEUDONYM_KEY}`);
    never stored in the database or an export. Pseudonymised exports need it."""
    font_path: Path | None = None
    """A Korean TrueType font; default: NanumGothic from Debian's `fonts-nanum`."""
    topics_schedule: Schedule = Schedule(interval_minutes=30)
    """When `scheduler.py` analyses new comments' nouns for the monthly topics (job
    `topics`; `aggregator topics update` does the same from cron)."""
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
