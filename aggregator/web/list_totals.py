"""The total and overdue count of a filtered inbox list, shown above it.

Counting is capped (`TOTALS_CAP`: above it the list says "1,000건 이상"), so a count
never walks a million rows; the whole list and a one-status list take their exact total
from the status counts instead. Counts are kept for `KEEP` per filter and viewer scope;
a review change made through the web forgets every kept count, so staff see their own
change at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aggregator.store.inbox_repo import InboxFilter, Scope

TOTALS_CAP = 1_000
KEEP = timedelta(seconds=20)
MAX_KEPT = 256

Totals = tuple[tuple[int, bool], tuple[int, bool]]
"""(count, exact) of all items and of overdue items."""
Key = tuple[InboxFilter, Scope]


@dataclass
class TotalsCache:
    """Totals per (filter, scope), each kept for `KEEP`, at most `MAX_KEPT`."""

    _kept: OrderedDict[Key, tuple[datetime, Totals]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: Key, now: datetime, count: Callable[[], Totals]) -> Totals:
        """The kept totals of `key`, or `count()` kept from now on."""
        with self._lock:
            found = self._kept.get(key)
        if found is not None and now - KEEP <= found[0] <= now:
            return found[1]
        totals = count()
        with self._lock:
            self._kept[key] = (now, totals)
            self._kept.move_to_end(key)
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)
        return totals

    def forget(self) -> None:
        """Drop every kept count (after a review change)."""
        with self._lock:
            self._kept.clear()
