"""What connectors emit: normalized, immutable records of posts and comments.

Connectors map each platform's payloads to these records; the store keeps them.
Every datetime is timezone-aware UTC; every record keeps its raw payload so it can
be re-parsed later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

JSONValue = Any
"""A value that `json.dumps` accepts (kept loose on purpose: payloads are foreign)."""


Platform = str
"""A registered platform's name (`connectors.registry.PLATFORMS`: "blog", "facebook", ...)."""


class CommentKind(StrEnum):
    """How a resident's message relates to the district's content."""

    COMMENT = "comment"
    REPLY = "reply"
    MENTION = "mention"


def text_hash(*parts: str | None) -> str:
    """Return a short stable hash of the given texts (edits change it, re-syncs do not)."""
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8"))
    return digest.hexdigest()[:32]


def require_utc(value: datetime, what: str) -> datetime:
    """Return `value` converted to UTC; reject naive datetimes with a message naming `what`."""
    if value.tzinfo is UTC:  # what every mapping gives (no copy: one per record stored)
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One of the district's own posts (a blog entry, a page post, a tweet, a pin)."""

    platform: Platform
    external_id: str
    created_at: datetime
    text: str
    title: str | None = None
    url: str | None = None
    author_id: str | None = None
    author_name: str | None = None
    updated_at: datetime | None = None
    comment_count: int | None = None
    metrics: Mapping[str, int] = field(default_factory=dict)
    hidden_upstream: bool = False
    raw: Mapping[str, JSONValue] = field(default_factory=dict)
    source_url: str | None = None
    comments_readable: bool = True
    """False where the platform gives a comment count but no comment text (Pinterest):
    a rising count then opens a "check this post" item for staff."""

    def __post_init__(self) -> None:
        if not self.external_id:
            raise ValueError(f"{self.platform} post without an external id")
        object.__setattr__(self, "created_at", require_utc(self.created_at, "post created_at"))
        if self.updated_at is not None:
            object.__setattr__(self, "updated_at", require_utc(self.updated_at, "updated_at"))

    @property
    def content_hash(self) -> str:
        """Hash of the user-visible content; a change means a new revision."""
        return text_hash(self.title, self.text)


@dataclass(frozen=True, slots=True)
class CommentRecord:
    """A resident's comment, reply or mention, or the district's own reply to one."""

    platform: Platform
    external_id: str
    created_at: datetime
    text: str
    kind: CommentKind = CommentKind.COMMENT
    post_external_id: str | None = None
    parent_external_id: str | None = None
    author_id: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    permalink: str | None = None
    metrics: Mapping[str, int] = field(default_factory=dict)
    hidden_upstream: bool = False
    by_account_owner: bool = False
    raw: Mapping[str, JSONValue] = field(default_factory=dict)
    source_url: str | None = None

    def __post_init__(self) -> None:
        if not self.external_id:
            raise ValueError(f"{self.platform} comment without an external id")
        object.__setattr__(self, "created_at", require_utc(self.created_at, "comment created_at"))

    @property
    def content_hash(self) -> str:
        """Hash of the comment text; a change means a new revision."""
        return text_hash(self.text)


@dataclass(frozen=True, slots=True)
class Presence:
    """Every item upstream within a scope, read completely in this run.

    The store marks stored items of the scope that are not listed as deleted upstream
    (never hard-deleted) and clears the mark of listed items that had it. Three scopes:
    all comments of one post (`post_external_id`); all posts created at or after `since`
    (the connector's reconcile window), or with `standalone` the comments that belong
    to no post (Facebook visitor posts) created since then; or the posts and comments
    `checked` one by one (a lookup by id), of which those not in `ids` are gone.

    A post's scope may list `partial_threads`: top-level comments whose replies were not
    all read (YouTube threads carry 5 replies at most). Their stored replies are left as
    they are; deletions are marked among the other comments only.
    """

    ids: frozenset[str]
    post_external_id: str | None = None
    since: datetime | None = None
    standalone: bool = False
    checked: frozenset[str] | None = None
    partial_threads: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        scopes = (self.post_external_id, self.since, self.checked)
        if sum(scope is not None for scope in scopes) != 1:
            raise ValueError(
                "a Presence scope is one post's comments, items since a time, or checked ids"
            )
        if self.standalone and self.since is None:
            raise ValueError("a standalone Presence scope needs `since`")
        if self.partial_threads and self.post_external_id is None:
            raise ValueError("partial threads belong to one post's Presence scope")
        if self.since is not None:
            object.__setattr__(self, "since", require_utc(self.since, "presence since"))


@dataclass(frozen=True, slots=True)
class Batch:
    """One page of records and the cursor state that covers it.

    The sync engine stores the records and applies `cursor_updates` in one
    transaction. A connector reading a newest-first stream puts the stream's new
    cursor only on the batch that completes the window, so a crash mid-window
    never moves the cursor past unread pages.
    """

    stream: str
    posts: tuple[PostRecord, ...] = ()
    comments: tuple[CommentRecord, ...] = ()
    cursor_updates: Mapping[str, JSONValue] = field(default_factory=dict)
    api_calls: int = 0
    warnings: tuple[str, ...] = ()
    presence: tuple[Presence, ...] = ()
    units_read: int = 0
    """Billable items read for this batch (X: posts read); 0 where reads are free."""
    cost: float = 0.0
    """Estimated cost of this batch's calls in the account's budget currency."""

    @property
    def is_empty(self) -> bool:
        """True when the batch carries no records and no cursor change."""
        return not (self.posts or self.comments or self.cursor_updates or self.presence)
