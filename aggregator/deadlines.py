"""Deadlines in business days: weekends and Korean public holidays do not count.

The district answers within N business days (config `review.deadline_business_days`,
default 3). A comment that arrives at any time on day D is due at the end (24:00,
office time zone) of the Nth business day after D. Holidays come from the
`holidays` package (South Korea, including substitute holidays).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _korean_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KR", years=year))


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a Korean public holiday."""
    return day.weekday() < 5 and day not in _korean_holidays(day.year)


def add_business_days(day: date, count: int) -> date:
    """The `count`-th business day after `day` (`day` itself never counts)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def deadline_for(created_at: datetime, business_days: int, timezone: str) -> datetime:
    """When an answer to a comment written at `created_at` is due (aware UTC)."""
    local_day = created_at.astimezone(ZoneInfo(timezone)).date()
    return _deadline_of_day(local_day, business_days, timezone)


@lru_cache(maxsize=4096)
def _deadline_of_day(local_day: date, business_days: int, timezone: str) -> datetime:
    """The deadline of every comment written on `local_day` (a month's report asks for
    the same few dozen days 100,000 times)."""
    due_day = add_business_days(local_day, business_days)
    end = datetime.combine(due_day + timedelta(days=1), time(0, 0), tzinfo=ZoneInfo(timezone))
    return end.astimezone(UTC)


def overdue_cutoff(now: datetime, business_days: int, timezone: str) -> datetime:
    """Comments created before this instant are past their deadline at `now`.

    Deadlines grow with creation time, so "overdue" is one comparison on `created_at`,
    which an index serves: the cutoff is the start of the latest local day whose
    deadline has passed, plus one day.
    """
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    # walk back until a creation day whose deadline has already passed
    while deadline_for(datetime.combine(day, time(12), tzinfo=zone), business_days, timezone) > now:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)


def business_days_left(deadline: datetime, now: datetime, timezone: str) -> int:
    """Whole business days from today until the deadline's day (negative when overdue)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    due = (deadline.astimezone(zone) - timedelta(seconds=1)).date()
    if due < today:
        return -sum(1 for n in range((today - due).days) if is_business_day(due + timedelta(n + 1)))
    return sum(1 for n in range((due - today).days) if is_business_day(today + timedelta(n + 1)))
