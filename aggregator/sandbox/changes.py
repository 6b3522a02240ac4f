"""Changes made to a world's comments and posts from a sandbox moment on (tests, writes).

Shared by the Instagram and YouTube worlds: a deletion, an edit or a hiding takes effect
at the moment given (or always, without one), so a world asked about an earlier moment
still shows the item as it was, and the worlds' memos stay right while time moves.
Items are named by their platform id (a comment's, a media's, a video's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

ALWAYS = datetime(1970, 1, 1, tzinfo=UTC)
"""The moment of a change given without one: it holds at every time."""


class Changes:
    """Deletions, edits and hidings by item id, each with the moment it takes effect.

    Args:
        on_change: called after every change (the world drops its memos).
    """

    def __init__(self, on_change: Callable[[], None] = lambda: None) -> None:
        self._on_change = on_change
        self._lock = threading.Lock()
        self._deleted: dict[str, datetime] = {}
        self._edits: dict[str, list[tuple[datetime, str]]] = {}
        self._hidden: dict[str, list[tuple[datetime, bool]]] = {}

    def delete(self, node: str, at: datetime | None = None) -> None:
        """From `at` on, `node` is gone (with its replies, where the world says so)."""
        with self._lock:
            self._deleted[node] = at or ALWAYS
        self._on_change()

    def edit(self, node: str, text: str, at: datetime) -> None:
        """From `at` on, `node` reads `text` (and shows `at` as its edit time)."""
        with self._lock:
            self._edits.setdefault(node, []).append((at, text))
            self._edits[node].sort(key=lambda edit: edit[0])
        self._on_change()

    def hide(self, node: str, hidden: bool = True, at: datetime | None = None) -> None:
        """From `at` on (always, without it), `node` is hidden, or shown again."""
        with self._lock:
            self._hidden.setdefault(node, []).append((at or ALWAYS, hidden))
            self._hidden[node].sort(key=lambda change: change[0])
        self._on_change()

    def deleted(self, node: str, at: datetime) -> bool:
        """Whether `node` is deleted at `at`."""
        with self._lock:
            when = self._deleted.get(node)
        return when is not None and when <= at

    def edited(self, node: str, at: datetime) -> tuple[datetime, str] | None:
        """(edit time, text) of the last edit of `node` made by `at`, or None."""
        with self._lock:
            edits = [edit for edit in self._edits.get(node, ()) if edit[0] <= at]
        return edits[-1] if edits else None

    def hidden(self, node: str, at: datetime) -> bool | None:
        """Whether `node` is hidden at `at`; None when no hiding was changed by then."""
        with self._lock:
            changes = [change for change in self._hidden.get(node, ()) if change[0] <= at]
        return changes[-1][1] if changes else None
