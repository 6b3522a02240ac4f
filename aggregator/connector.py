"""The contract between the sync engine and a platform connector, and its typed errors.

A connector is built from its account settings, an HTTP client and a clock. Given
the cursors it stored earlier (stream name -> JSON value), `pull` yields `Batch`es
page by page. It never touches the database: the sync engine stores each batch
together with its cursor updates in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar, Protocol

from aggregator.records import Batch, JSONValue

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

    SUCCESSFUL: ClassVar[frozenset[str]] = frozenset({OK, WARNING})


class ConnectorError(Exception):
    """A failure the connector understood; `status` becomes the run's status."""

    status: ClassVar[str] = RunStatus.FAILED


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


class Connector(Protocol):
    """What every platform connector provides."""

    platform: ClassVar[str]

    def pull(self, cursors: Mapping[str, JSONValue]) -> Iterator[Batch]:
        """Yield batches of new or changed records, newest state last.

        Args:
            cursors: the stream cursors stored by earlier runs (empty on the first run).
        """
        ...


ConnectorFactory = Callable[[Any, Any, Clock], Connector]
"""Builds a connector from (account settings, HTTP client, clock)."""
