"""Answering residents on their platform: the contract between the outbox and each platform.

The outbox (`aggregator.answers`) owns states, approval and exactly-once; a `ReplyWriter`
only talks to one platform: post one reply, find a reply it may already have posted (after
a crash between the platform's acceptance and our commit), hide or unhide a comment. A
platform without a write API, or an account without a write token, has no writer: staff
copy the answer and confirm it by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from aggregator.connector import DailyUnits
from aggregator.records import JSONValue


class WriteErrorKind(StrEnum):
    """Why a write failed, as staff and the outbox must tell the cases apart."""

    PERMISSION = "permission"
    """The token lacks write rights (Graph 10/200, X 403 Unsupported Authentication)."""
    AUTH = "auth"
    """The token is invalid or expired (Graph 190, X 401, WordPress 401)."""
    TARGET_GONE = "target_gone"
    """The resident's comment or post was deleted."""
    RESTRICTED = "restricted"
    """The author restricted replies (X), or the comment cannot be hidden (Facebook can_hide)."""
    DUPLICATE = "duplicate"
    """The platform refused an identical text (X 403 duplicate, WordPress 409)."""
    SPAM = "spam"
    """Blocked as spam or abuse (Graph 368)."""
    RATE_LIMITED = "rate_limited"
    """Too many requests: retry after `retry_after_seconds` (never in a loop)."""
    CLOSED = "closed"
    """Comments are closed on the post (WordPress)."""
    NETWORK = "network"
    """No answer or a 5xx: the write may or may not have happened; read back first."""
    INVALID = "invalid"
    """The platform refused the request itself (too long, bad parameter)."""
    BUDGET = "budget"
    """The call would exceed the account's API budget: refused before calling, tried again
    at `WriteError.retry_at` (YouTube: when the daily quota resets) or, without one, when
    the next month begins (X's monthly budget)."""


RETRYABLE = frozenset({WriteErrorKind.RATE_LIMITED, WriteErrorKind.NETWORK})
"""Kinds worth another attempt later; the others need a person."""


class WriteError(Exception):
    """A write the platform refused or that could not be confirmed.

    `message` is the admin's exact cause (no secrets); `staff_message` is one Korean sentence
    for the inbox.
    """

    def __init__(
        self,
        kind: WriteErrorKind,
        message: str,
        staff_message: str,
        retry_after_seconds: float | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.staff_message = staff_message
        self.retry_after_seconds = retry_after_seconds
        self.retry_at = retry_at
        """When a `BUDGET` refusal may be tried again (UTC); None: next month."""


@dataclass(frozen=True)
class ReplyTarget:
    """The resident's comment to answer, as the platform names it."""

    account: str
    """Our account name (config)."""
    comment_external_id: str
    """Our `comment.external_id` of the resident's comment."""
    platform_comment_id: str
    """The platform's id to reply under: Graph comment id (a reply's top-level comment for
    replies, as Graph threads are two levels deep), X tweet id, WordPress comment id."""
    platform_post_id: str | None = None
    """The platform's id of the post (WordPress needs it to post a reply comment)."""
    author_handle: str | None = None
    """The resident's handle (X: the @mention a reply carries)."""


@dataclass(frozen=True)
class PostedReply:
    """A reply the platform holds."""

    platform_id: str
    """The platform's id of the reply."""
    external_id: str
    """Our `external_id` for it, as the sync will store it when it reads the reply back, so
    the synced comment is linked to its outbox row instead of showing as a second answer."""
    url: str | None = None
    """A link to the reply where the platform gives one."""


@runtime_checkable
class MeteredWriter(Protocol):
    """A writer whose calls cost money against the account's monthly budget (X)."""

    spent: float
    """USD of this writer's calls so far (the caller charges it to the month)."""
    spent_before: float
    """What the account's month had spent besides this writer's calls (set by the caller);
    a call whose price would take `spent_before + spent` over the budget is refused with
    `WriteErrorKind.BUDGET` before it is made."""


SaveCursor = Callable[[str, JSONValue], None]
"""Stores one cursor stream's value for the writer's account (the caller's store)."""


@runtime_checkable
class QuotaWriter(Protocol):
    """A writer whose calls spend units of a daily quota its account's reads share
    (YouTube): the caller tells it what the stored cursors say was spent today, and how to
    store its own count, which the writer does before each call (a kill -9 between the
    call and the caller's commit never leaves the quota under-counted)."""

    def open_quota(
        self,
        cursors: Mapping[str, JSONValue],
        clock: Callable[[], datetime],
        save: SaveCursor,
        units: DailyUnits | None = None,
    ) -> None:
        """Start from the account's stored cursors (the reads' and the writes' spend today),
        telling the day by `clock` and storing the writes' count with `save`; with `units`
        (the store's daily units) each call's units are reserved there atomically."""
        ...

    def quota_cursor(self) -> tuple[str, JSONValue] | None:
        """The writes' cursor stream and value (None: nothing spent since opened)."""
        ...


@runtime_checkable
class AuthRecheck(Protocol):
    """A writer that keeps a refusal of its credentials in its account's cursors (YouTube's
    `needs_reauth`) and can try new credentials without writing anything."""

    def recheck_auth(self) -> None:
        """Once per worker run, after `open_quota`: try the configured credentials when the
        stored refusal was of others (the account's health then clears, or names the new
        refusal); never raises."""
        ...


class ReplyWriter(Protocol):
    """One account's write operations on its platform."""

    can_hide: bool
    """Whether `set_hidden` is supported on this platform."""

    def post_reply(self, target: ReplyTarget, text: str) -> PostedReply:
        """Post `text` as the district's reply to `target`; raise `WriteError` on failure."""
        ...

    def find_reply(self, target: ReplyTarget, text: str, since: datetime) -> PostedReply | None:
        """The district's reply to `target` with this text (whitespace-trimmed) posted at or
        after `since` (UTC), or None; raise `WriteError` when the platform cannot be read."""
        ...

    def set_hidden(self, target: ReplyTarget, hidden: bool) -> None:
        """Hide (or unhide) the resident's comment on the platform; raise `WriteError`."""
        ...
