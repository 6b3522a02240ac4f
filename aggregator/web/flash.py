"""Results a redirect shows once more: why each item of a bulk action was refused.

The bulk form redirects back to the list (so a reload never repeats the action); the
refusals, one reason per item, wait here under a random token for the user who asked,
for a few minutes. The redirect carries the counts as well, so the list still says
"처리 2건, 처리하지 못함 1건" if the server restarted in between.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

Refusals = list[tuple[int, str]]
KEEP = timedelta(minutes=10)
MAX_ENTRIES = 500


@dataclass
class _Entry:
    user: str
    at: datetime
    refused: Refusals


@dataclass
class BulkResults:
    """Refusals of recent bulk actions, by token; bounded in age and number."""

    _entries: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, user: str, now: datetime, refused: Refusals) -> str:
        """Keep `refused` for `user`; the token to ask for it with."""
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._drop_old(now)
            self._entries[token] = _Entry(user, now, list(refused))
        return token

    def get(self, token: str | None, user: str, now: datetime) -> Refusals | None:
        """The refusals under `token` if they are `user`'s and still kept."""
        with self._lock:
            entry = self._entries.get(token or "")
        if entry is None or entry.user != user or now - entry.at > KEEP:
            return None
        return entry.refused

    def _drop_old(self, now: datetime) -> None:
        for token in [t for t, e in self._entries.items() if now - e.at > KEEP]:
            del self._entries[token]
        while len(self._entries) >= MAX_ENTRIES:
            del self._entries[next(iter(self._entries))]


def grouped(refused: Refusals) -> list[tuple[str, list[int]]]:
    """Refusals by reason, in the order reasons first appear: (reason, item ids)."""
    groups: dict[str, list[int]] = {}
    for comment_id, reason in refused:
        groups.setdefault(reason, []).append(comment_id)
    return list(groups.items())
