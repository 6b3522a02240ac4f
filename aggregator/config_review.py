"""Config sections of the review inbox: `review`, `answers`, `web` and `routing_rules`.

Kept apart from `config.py` (which holds the accounts) and included by `Settings`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from aggregator.workflow import DEFAULT_NO_ANSWER_REASONS


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewSection(_Section):
    """Deadlines and claim locks of the review workflow."""

    deadline_business_days: Annotated[int, Field(ge=1, le=30)] = 3
    """Answers are due this many business days (weekends, Korean holidays skipped) after
    the day a comment was written."""
    claim_minutes: Annotated[int, Field(ge=1, le=8 * 60)] = 15
    """A claim ("I am working on this") lapses after this long."""
    no_answer_reasons: tuple[Annotated[str, Field(min_length=1, max_length=30)], ...] = (
        DEFAULT_NO_ANSWER_REASONS
    )
    """The reasons staff choose from when they close an item as 답변 불요."""

    @field_validator("no_answer_reasons")
    @classmethod
    def _distinct_reasons(cls, reasons: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(reason.strip() for reason in reasons)
        if not cleaned:
            raise ValueError("give at least one reason")
        if any(not reason for reason in cleaned):
            raise ValueError("a reason is empty")
        repeated = sorted({r for r in cleaned if cleaned.count(r) > 1})
        if repeated:
            raise ValueError(f"reasons listed twice: {', '.join(repeated)}")
        return cleaned


class AnswersSection(_Section):
    """Answering residents from the inbox: approval and the sending worker's retries."""

    require_approval: bool = True
    """A department officer's answer waits for the communications office's approval."""
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    """Attempts (rate limits, network errors) before an answer is marked failed."""
    retry_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 5
    """The first retry's delay; each later one waits twice as long."""
    office_phone: Annotated[str, Field(max_length=40)] = ""
    """The {전화번호} of answers from a comment without a department (the office's number)."""
    phones: dict[str, Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=dict
    )
    """{전화번호} per department (`departments` names); office_phone for the others."""

    def phone_for(self, department: str | None) -> str:
        """The number an answer about `department`'s work gives residents ("" if none)."""
        return self.phones.get(department or "", self.office_phone)


class WebSection(_Section):
    """The inbox web server: sessions, login throttling, cookies, proxies."""

    session_idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 60
    session_max_hours: Annotated[int, Field(ge=1, le=72)] = 12
    max_failed_logins: Annotated[int, Field(ge=1, le=100)] = 5
    """Failed logins in a row after which the account is locked for `lockout_minutes`."""
    lockout_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    """`auto`: cookies are Secure when the request came over https."""
    trust_proxy_headers: bool = False
    """Take the client IP from X-Forwarded-For (only behind your own reverse proxy)."""
    page_size: Annotated[int, Field(ge=10, le=200)] = 50
    public_url: HttpUrl | None = None
    """The inbox's address as staff reach it (e.g. `https://sns.hanbit-gu.example`): the
    links in notifications and digests start with it."""


class RoutingRule(_Section):
    """Keywords or a pattern in a comment -> suggested department, tags, priority or spam."""

    name: str
    keywords: list[str] = Field(default_factory=list)
    """Any of these words (case-insensitive, anywhere in the text) matches."""
    pattern: str | None = None
    """A Python regular expression (searched, case-insensitive)."""
    department: str | None = None
    tags: list[str] = Field(default_factory=list)
    priority: Literal["높음", "보통", "낮음"] | None = None
    spam: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return pattern

    @model_validator(mode="after")
    def _says_something(self) -> RoutingRule:
        if not self.keywords and self.pattern is None:
            raise ValueError("give keywords or a pattern")
        if not (self.department or self.tags or self.priority or self.spam):
            raise ValueError("give at least one of department, tags, priority or spam")
        return self


def check_rule_departments(rules: list[RoutingRule], departments: list[str]) -> None:
    """Raise `ValueError` when a rule names a department that is not configured."""
    known = set(departments)
    for rule in rules:
        if rule.department is not None and known and rule.department not in known:
            raise ValueError(f"rule {rule.name!r}: unknown department {rule.department!r}")
