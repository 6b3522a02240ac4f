"""The contract between the sync engine and a platform connector.

A connector is built from its account settings and a `SyncContext` (HTTP client,
clock, reconcile flag, month-to-date usage). Given
the cursors it stored earlier (stream name -> JSON value), `pull` yields `Batch`es
page by page. It never touches the database: the sync engine stores each batch
together with its cursor updates in one transaction. The typed errors and run statuses
live in `aggregator.errors` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from aggregator.errors import (
    AuthExpired,
    BudgetExhausted,
    ConnectorError,
    DeadlineExceeded,
    FetchError,
    NeedsConfiguration,
    ParseError,
    PermissionMissing,
    RateLimited,
    RunStatus,
)
from aggregator.http import HttpClient
from aggregator.records import Batch, JSONValue

__all__ = [
    "AccountFlag",
    "AuthExpired",
    "Batch",
    "BudgetExhausted",
    "Clock",
    "Connector",
    "ConnectorError",
    "ConnectorFactory",
    "DailyUnits",
    "DeadlineExceeded",
    "FetchError",
    "JSONValue",
    "NeedsConfiguration",
    "ParseError",
    "PermissionMissing",
    "RateLimited",
    "Reservation",
    "RunStatus",
    "SyncContext",
    "Usage",
]

Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime (injected so tests are deterministic)."""


@dataclass(frozen=True)
class Usage:
    """What an account has read and spent so far this month (for budgets)."""

    units_read: int = 0
    cost: float = 0.0


@dataclass(frozen=True)
class AccountFlag:
    """A health state an account's stored cursors put it in, besides what its runs say
    (a write token the platform refused, a token near or past the end of its life): what a
    platform spec's `health` function answers, and `aggregator.health` weighs."""

    state: str
    """A state of `aggregator.health`: a problem (`needs_reauth`) or a warning
    (`token_expiring`)."""
    detail: str
    """What is wrong and what to renew, in English for the administrator."""


@dataclass(frozen=True)
class Reservation:
    """The answer to a `DailyUnits.reserve`."""

    granted: bool
    used: int
    """Units counted on the day in the shared streams (with these units when granted)."""


class DailyUnits(Protocol):
    """An account's daily unit counts in the store, shared by its sync and its answers
    worker (YouTube's quota): units are reserved atomically before a call, so two
    processes racing for the last units cannot both be granted them."""

    def reserve(
        self, stream: str, day: str, units: int, limit: int, shared: Sequence[str]
    ) -> Reservation:
        """Count `units` on `stream` for `day` if the counts of `shared` (and `stream`)
        for `day` plus `units` stay within `limit`; otherwise record nothing."""
        ...

    def release(self, stream: str, day: str, units: int) -> None:
        """Give back `units` reserved on `stream` for `day` but not spent."""
        ...


@dataclass(frozen=True)
class SyncContext:
    """What a connector gets besides its account settings."""

    http: HttpClient
    clock: Clock
    reconcile: bool = False
    """Re-read the whole reconcile window to find edits and deletions (slower, rarer)."""
    month_usage: Usage = field(default_factory=Usage)
    """Reads and cost of this account earlier this calendar month (budget checks)."""
    units: DailyUnits | None = None
    """The account's daily units in the store, for connectors that share a daily quota
    with the answers worker (YouTube); None outside a stored sync."""


class Connector(Protocol):
    """What every platform connector provides."""

    platform: ClassVar[str]

    def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        """Yield batches of new or changed records, newest state last.

        Args:
            cursors: the stream cursors stored by earlier runs (empty on the first run).
        """
        ...


ConnectorFactory = Callable[[Any, SyncContext], Connector]
"""Builds a connector from (account settings, sync context)."""
