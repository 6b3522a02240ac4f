"""The operating sections of `config.yaml`: database, http, sync, alerts, scheduler,
reports and privacy.

Each is a strict model (unknown keys are errors) with its limits and defaults; `Settings`
(`aggregator.config`) holds one of each. The review, answers and web sections are in
`aggregator.config_review`, notifications in `aggregator.config_notify`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, HttpUrl, ValidationInfo, field_validator

from aggregator.net_guard import IPNetwork, parse_networks
from aggregator.settings_base import Schedule, Secret, Strict

DEFAULT_SQLITE_PATH = "data/aggregator.db"
MAX_APPROVAL_TITLES, MAX_APPROVAL_TITLE = 5, 6


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
