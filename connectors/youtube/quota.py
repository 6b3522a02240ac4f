"""The daily quota's write side: answers and moderation spend the units reads spend.

Google charges one daily quota per project (PLATFORMS-WRITE.md §6.7): list calls 1 unit
a page, `comments.insert` and `comments.setModerationStatus` 50 each; the day ends at
midnight Pacific time. The reader counts its units in the `quota` cursor
(`connectors.youtube.api.Quota`); the answers worker counts its own in the separate
`quota_writes` cursor, so neither overwrites the other's count:

    quota_writes: {"day": "YYYY-MM-DD" (Pacific), "units": n}

Both sides reserve a call's units before it is made: in the store, `reserve` counts the
units only if `reads + writes + units` stays within the account's `daily_quota`, in one
short transaction that locks the account, so a sync and the worker running together
cannot overshoot the quota (`aggregator.store.daily_units`, `DailyUnits`). A write's 50
units stay spent whatever Google answers ("All API requests, including invalid requests,
incur a quota cost of at least one point", PLATFORMS-WRITE.md §6.7); they are given back
only when the request never left (the run deadline passed before it was sent). A read
reserves its worst case (the call and its retries) and gives back the attempts not made.
A write refused for the quota is tried again `RESET_DELAY` after the next Pacific
midnight (`next_reset`), when Google's count starts again.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from aggregator.records import JSONValue
from connectors.youtube.api import QUOTA_WRITES, QUOTA_ZONE, SHARED, quota_day, units_of_day

__all__ = ["QUOTA_WRITES", "SHARED", "next_reset", "units_on", "writes_cursor"]
WRITE_COST = 50
"""Units of `comments.insert` and `comments.setModerationStatus`."""
LIST_COST = 1
RESET_DELAY = timedelta(minutes=5)
"""How long after Pacific midnight a write refused for the quota is tried again."""


def units_on(value: JSONValue, now: datetime) -> int:
    """The units a stored `{"day", "units"}` cursor counts for today (0 for another day)."""
    return units_of_day(value, quota_day(now))


def writes_cursor(now: datetime, units: int) -> dict[str, JSONValue]:
    """The `quota_writes` cursor for `units` spent today."""
    return {"day": quota_day(now), "units": units}


def next_reset(now: datetime) -> datetime:
    """`RESET_DELAY` after the next midnight Pacific time, in UTC."""
    local = now.astimezone(QUOTA_ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), QUOTA_ZONE)
    return (midnight + RESET_DELAY).astimezone(UTC)
