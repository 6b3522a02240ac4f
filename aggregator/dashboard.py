"""The dashboard's time windows (pure): today, due today, due on the next business day
(D-1) and overdue, in the office's time zone with the business-day rules of
`aggregator.deadlines`.

A derived deadline is the end of the Nth business day after the day a comment was
written, and it never decreases with the creation day. So the comments due on one day
were all written in one span of days, and each window is a span of creation times
(plus, for the rare explicit deadlines, a span of deadlines): the inbox filters by the
same spans the dashboard counts (`aggregator.store.inbox_query.DueWindow`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aggregator.deadlines import add_business_days, overdue_cutoff
from aggregator.store.inbox_query import DueWindow

WINDOWS = ("overdue", "today", "tomorrow", "open")
"""The due filters, as the inbox's `due=` parameter takes them."""
_TICK = timedelta(microseconds=1)


def local_midnight(day: date, timezone: str) -> datetime:
    """The start of a local day, as aware UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def first_day_due_after(day: date, business_days: int) -> date:
    """The first creation day whose deadline falls after `day`."""
    created = day - timedelta(days=2 * business_days + 14)
    while add_business_days(created, business_days) > day:  # long holidays: look further back
        created -= timedelta(days=7)
    while add_business_days(created, business_days) <= day:
        created += timedelta(days=1)
    return created


def due_windows(now: datetime, business_days: int, timezone: str) -> dict[str, DueWindow]:
    """The windows of `WINDOWS` at `now`: overdue (the deadline has passed), due today,
    due on the next business day (D-1: on a Friday, Monday's), and every open item."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    next_business = add_business_days(today, 1)
    cutoff = overdue_cutoff(now, business_days, timezone)
    due_today_end = local_midnight(first_day_due_after(today, business_days), timezone)
    due_next_start = local_midnight(
        first_day_due_after(next_business - timedelta(days=1), business_days), timezone
    )
    due_next_end = local_midnight(first_day_due_after(next_business, business_days), timezone)
    tomorrow = local_midnight(today + timedelta(days=1), timezone)
    next_start = local_midnight(next_business, timezone)
    next_end = local_midnight(next_business + timedelta(days=1), timezone)
    return {
        "overdue": DueWindow(created_to=cutoff, due_to=now),
        "today": DueWindow(
            created_from=cutoff, created_to=max(cutoff, due_today_end), due_from=now,
            due_to=tomorrow + _TICK,
        ),
        "tomorrow": DueWindow(
            created_from=due_next_start, created_to=due_next_end,
            due_from=next_start + _TICK, due_to=next_end + _TICK,
        ),
        "open": DueWindow(),
    }  # fmt: skip


def today_start(now: datetime, timezone: str) -> datetime:
    """The start of today in the office's time zone (aware UTC)."""
    return local_midnight(now.astimezone(ZoneInfo(timezone)).date(), timezone)
