"""Run statuses and the typed errors that end a sync run with one of them.

Its own module so that `aggregator.http` (which raises `FetchError`, `RateLimited` and
`DeadlineExceeded`) and `aggregator.connector` (the connector protocol, which re-exports
these names) need not import each other.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar


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
