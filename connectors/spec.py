"""What a platform declares about itself, once: `PlatformSpec` and its `StreamSpec`s.

Each `connectors/<platform>/spec.py` holds one `SPEC`; `connectors.registry` lists them,
and config validation, the CLI, the web, manual entry, the sandbox's config writer and the
contract tests all read the platform from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from aggregator.settings_base import AccountBase

Write = Literal["reply", "hide"]
WRITES: frozenset[str] = frozenset({"reply", "hide"})
ORDERS = ("asc", "desc", "none")
Measure = Literal["chars", "bytes", "x_weighted"]
"""How a platform counts an answer: code points, UTF-8 bytes, twitter-text v3 weights."""
ReplyUnder = Literal["comment", "top_level", "wordpress"]
INPUT_MAX = 8000
"""The answer box's `maxlength` (characters) unless a platform allows more characters."""


@dataclass(frozen=True)
class AnswerRule:
    """How a platform counts and limits an answer's text: the server's check
    (`aggregator.answers.preview`) and the live counter (`answers.js`) both follow it."""

    key: str
    """The rule's name in the page (`data-rule`): `x`, `facebook`, `wordpress`, ..."""
    label: str
    """The platform's word in a refusal (`페이스북 답변이 너무 깁니다 ...`)."""
    limit: int | None
    """The most the platform takes, in `measure`; None: no limit known."""
    measure: Measure = "chars"
    unit: str = "자"
    """The unit staff read after the count (`자`, `바이트`, `자(가중치)`)."""
    mention: bool = False
    """The reply shows the resident's `@handle ` before the text, and it counts (X)."""

    @property
    def input_max(self) -> int:
        """The answer box's `maxlength`: the limit when counted in characters and above
        `INPUT_MAX`, else `INPUT_MAX` (staff may type past a lower limit and see it)."""
        if self.measure == "chars" and self.limit is not None:
            return max(INPUT_MAX, self.limit)
        return INPUT_MAX


@dataclass(frozen=True)
class Answering:
    """How answers to residents work on a platform that takes them by API."""

    rule: AnswerRule
    reply_under: ReplyUnder
    """Where a reply goes: under the resident's comment itself (X), under its top-level
    comment (two-level threads: Facebook, Instagram, YouTube), or under WordPress's numbered
    comment of a numbered post (`wp:{host}:comment:{n}`)."""
    id_prefix: str | None = None
    """Only comments whose `external_id` starts with this take API answers (the blog
    platform: WordPress's `wp:`); the others are copied by hand."""

    def applies_to(self, external_id: str) -> bool:
        """Whether a comment with this id is answered under this rule."""
        return self.id_prefix is None or external_id.startswith(self.id_prefix)


@dataclass(frozen=True)
class StreamSpec:
    """One kind of record a platform gives, and how it is read."""

    name: str
    """`posts`, `comments`, ..."""
    primary_key: tuple[str, ...]
    """The record fields that identify it, e.g. `("platform", "external_id")`."""
    cursor_field: str | None
    """The record field the cursor follows (`created_at`); None: every run reconciles all."""
    order: str
    """The order the platform returns records in: `asc`, `desc` or `none`."""

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise ValueError(f"stream {self.name}: order {self.order!r} is not one of {ORDERS}")
        if not self.primary_key:
            raise ValueError(f"stream {self.name}: primary_key names no field")


@dataclass(frozen=True)
class PlatformSpec:
    """A platform as the rest of the program knows it."""

    name: str
    """The `platform:` value of config.yaml and of every stored record (`facebook`)."""
    label: str
    """The Korean word staff read (`페이스북`)."""
    settings: type[AccountBase]
    """The pydantic model of one account's settings (its `platform` is `Literal[name]`)."""
    factory: str
    """`module:Class` of the connector (`connectors.facebook.connector:FacebookConnector`)."""
    comments_readable: bool
    """False when comments can only be entered by hand (Pinterest)."""
    writes: frozenset[str]
    """What answers can do on the platform: a subset of `{"reply", "hide"}`."""
    streams: tuple[StreamSpec, ...]
    writer: str | None = None
    """`module:Class` of the `ReplyWriter` when `writes` is not empty."""
    usage: str | None = None
    """`module:function(account, cursors) -> str | None`: the line `aggregator status`
    shows for what the account has spent of a budget its cursors count (a daily quota);
    None: the platform counts nothing beyond the month's reads and cost."""
    health: str | None = None
    """`module:function(account, cursors, now) -> AccountFlag | None`: a health state the
    account's cursors put it in besides its runs (`aggregator.connector.AccountFlag`: a
    refused write token, a token about to expire); None: its runs alone tell its health."""
    answering: Answering | None = None
    """How answers are counted and targeted; None: copied by hand, no limit known."""
    sandbox: str | None = None
    """`module:attribute` of the platform's `aggregator.sandbox.platform.SandboxPlatform`
    (its sandbox accounts and their variables); None: `aggregator.sandbox.<name>:SANDBOX`."""
    commands: str | None = None
    """`module:attribute` of a Typer app with the platform's own commands, added to the CLI
    as `aggregator <name> ...` (such as Instagram's `refresh-token`); they live in
    `aggregator/`, as they read the config and the store; None: the platform has none."""

    def __post_init__(self) -> None:
        unknown = set(self.writes) - WRITES
        if unknown:
            raise ValueError(f"platform {self.name}: unknown writes {sorted(unknown)}")
        if bool(self.writes) != (self.writer is not None):
            raise ValueError(f"platform {self.name}: give a writer exactly when writes is set")
        declared = self.settings.model_fields.get("platform")
        if declared is None or get_args(declared.annotation) != (self.name,):
            raise ValueError(
                f"platform {self.name}: its settings model's platform must be "
                f"Literal[{self.name!r}] (config tells the accounts apart by it)"
            )
