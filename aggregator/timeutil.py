"""Calendar arithmetic in the office's time zone (months for budgets and reports)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(moment: datetime, timezone: str) -> datetime:
    """The first instant (UTC) of the calendar month `moment` falls in, in `timezone`."""
    local = moment.astimezone(ZoneInfo(timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def month_bounds(month: str, timezone: str) -> tuple[datetime, datetime]:
    """`YYYY-MM` -> [start, end) as UTC instants, the month taken in `timezone`.

    Raises:
        ValueError: when `month` is not `YYYY-MM`, or its month is not 01 to 12.
    """
    match = MONTH.match(month)
    if match is None:
        raise ValueError(f"month must look like 2026-11, not {month!r}")
    year, number = int(match[1]), int(match[2])
    if not 1 <= number <= 12:
        raise ValueError(f"month {month!r} is out of range: the month must be 01 to 12")
    zone = ZoneInfo(timezone)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_of(moment: datetime, timezone: str) -> str:
    """The `YYYY-MM` that `moment` belongs to in `timezone`."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")


def korean_month(month: str) -> str:
    """`2026-11` -> `2026년 11월` (anything that is not `YYYY-MM` as it is)."""
    match = MONTH.match(month)
    return f"{match[1]}년 {int(match[2])}월" if match else month
