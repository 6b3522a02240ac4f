"""The contract between the sync engine and a platform connector, and its typed errors.

A connector is built from its account settings and a `SyncContext` (HTTP client,
clock, reconcile flag, month-to-date usage). Given
the cursors it stored earlier (stream name -> JSON value), `pull` yields `Batch`es
page by page. It never touches the database: the sync engine stores each batch
together with its cursor updates in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from aggregator.records import Batch, JSONValue

if TYPE_CHECKING:
    from aggregator.http import HttpClient

Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime (injected so tests are deterministic)."""


class RunStatus:
    """The outcomes a sync run can end with (stored in `sync_run.status`)."""

    RUNNING = "running"
    OK = "ok"
    WARNING = "ok_with_warnings"
    FAILED = "failed"
    PARSE_ERROR = "parse_error"
    NEEDS_REAUTH = "needs_reauth"
    PERMISSION_MISSING = "permission_missing"
    THROTTLED = "throttled"
    BUDGET_EXHAUSTED = "budget_exhausted"
    DEADLINE = "deadline_exceeded"
    INTERRUPTED = "interrupted"
    NEEDS_CONFIGURATION = "needs_configuration"
    """A secret's environment variable is unset: nothing was read."""
    ABANDONED = "abandoned"
    """Its process died (SIGKILL, crash, forced exit): closed when its lock was found dead."""

    SUCCESSFUL: ClassVar[frozenset[str]] = frozenset({OK, WARNING})
    UNFINISHED: ClassVar[frozenset[str]] = frozenset({RUNNING, INTERRUPTED, ABANDONED})
    """The run stopped before reading everything: the account is due at once."""


class ConnectorError(Exception):
    """A failure the connector understood; `status` becomes the run's status."""

    status: ClassVar[str] = RunStatus.FAILED


class NeedsConfiguration(ConnectorError):
    """The account cannot run as configured (an unset token variable); names what to set."""

    status = RunStatus.NEEDS_CONFIGURATION

    @classmethod
    def unset(cls, variables: Collection[str]) -> NeedsConfiguration:
        """The error for unset environment variables."""
        names = sorted(set(variables))
        which = f"variables {', '.join(names)} are" if len(names) > 1 else f"variable {names[0]} is"
        return cls(f"environment {which} not set: set it where the sync runs, then sync again")


class FetchError(ConnectorError):
    """The source could not be fetched (network error, HTTP error, oversized body)."""


class ParseError(ConnectorError):
    """The source answered with something that is not a valid payload."""

    status = RunStatus.PARSE_ERROR


class AuthExpired(ConnectorError):
    """The token is invalid or expired: an administrator must re-authorise."""

    status = RunStatus.NEEDS_REAUTH


class PermissionMissing(ConnectorError):
    """The token lacks a permission the connector needs."""

    status = RunStatus.PERMISSION_MISSING


class RateLimited(ConnectorError):
    """The platform throttles us longer than this run may wait; resume next run."""

    status = RunStatus.THROTTLED

    def __init__(self, message: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class BudgetExhausted(ConnectorError):
    """The next call would exceed the configured API budget."""

    status = RunStatus.BUDGET_EXHAUSTED


class DeadlineExceeded(ConnectorError):
    """The run's overall deadline passed."""

    status = RunStatus.DEADLINE


@dataclass(frozen=True)
class Usage:
    """What an account has read and spent so far this month (for budgets)."""

    units_read: int = 0
    cost: float = 0.0


@dataclass(frozen=True)
class SyncContext:
    """What a connector gets besides its account settings."""

    http: HttpClient
    clock: Clock
    reconcile: bool = False
    """Re-read the whole reconcile window to find edits and deletions (slower, rarer)."""
    month_usage: Usage = field(default_factory=Usage)
    """Reads and cost of this account earlier this calendar month (budget checks)."""


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
