"""What every platform's writer shares: text matching for read-back, common error shapes."""

from __future__ import annotations

from collections.abc import Callable

from connectors.common.reply import WriteError, WriteErrorKind

StaffMessage = Callable[[WriteErrorKind], str]
"""A platform's Korean sentence for each kind of write error."""


def same_text(found: str, sent: str) -> bool:
    """Whether a reply read back carries the text we sent (whitespace-trimmed, line ends
    normalised, as platforms store it)."""
    return _normal(found) == _normal(sent)


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def network_error(message: str, staff: StaffMessage) -> WriteError:
    """No usable answer: the write may have happened (read back before resending)."""
    return WriteError(WriteErrorKind.NETWORK, message, staff(WriteErrorKind.NETWORK))


def rate_limited(message: str, staff: StaffMessage, retry_after: float | None) -> WriteError:
    """Throttled: retry after `retry_after` seconds (never in a loop)."""
    kind = WriteErrorKind.RATE_LIMITED
    return WriteError(kind, message, staff(kind), retry_after_seconds=retry_after)
