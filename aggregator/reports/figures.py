"""The monthly figures, tallied one report row at a time (a month of 100,000 comments
is never held in memory). See `aggregator.reports.rows` for the definitions.

Every result is plain JSON data in a fixed order (lists of pairs, not dicts whose
order a database might change), so a closed month's snapshot renders identically.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.reports.rows import ReportRow
from aggregator.reports.topics import count_mentions, ranked
from aggregator.timeutil import month_bounds
from aggregator.workflow import STATUSES

UNASSIGNED = "미배정"
NOTABLE_LIMIT = 20
FORMAL_COMPLAINT = "정식민원 전환"
HIGH_PRIORITY = "높음"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def month_days(month: str, timezone: str) -> list[date]:
    """Every local day of the month."""
    start, end = month_bounds(month, timezone)
    first = start.astimezone(ZoneInfo(timezone)).date()
    last = (end - timedelta(seconds=1)).astimezone(ZoneInfo(timezone)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Current minus previous for every headline number both months have."""
    out: dict[str, Any] = {}
    for key, value in current.items():
        before = previous.get(key)
        out[key] = round(value - before, 4) if value is not None and before is not None else None
    return out


@dataclass
class Outcomes:
    """Deadline outcomes of a group of rows: [comments, answered, met, missed, pending,
    overdue]."""

    counts: list[int] = field(default_factory=lambda: [0] * 6)

    def add(self, row: ReportRow) -> None:
        """Count one row."""
        c = self.counts
        c[0] += 1
        c[1] += row.first_reply_at is not None
        if row.deadline_met is True:
            c[2] += 1
        elif row.deadline_met is False:
            c[3] += 1
        elif not row.needs_no_answer:
            c[4] += 1
        c[5] += row.overdue


@dataclass
class Headline:
    """The few numbers compared month to month, tallied row by row."""

    comments: int = 0
    answerable: int = 0
    answered: int = 0
    decided: int = 0
    met: int = 0
    overdue: int = 0
    first_hours: list[float] = field(default_factory=list)
    final_hours: list[float] = field(default_factory=list)

    def add(self, row: ReportRow) -> None:
        """Count one row."""
        self.comments += 1
        if not row.needs_no_answer:
            self.answerable += 1
            self.answered += row.first_reply_at is not None
        if row.deadline_met is not None:
            self.decided += 1
            self.met += row.deadline_met
        self.overdue += row.overdue
        if row.first_reply_hours is not None:
            self.first_hours.append(row.first_reply_hours)
        if row.final_answer_hours is not None:
            self.final_hours.append(row.final_answer_hours)

    def figures(self) -> dict[str, Any]:
        """The headline as the report shows it."""
        return {
            "comments": self.comments,
            "answered": self.answered,
            "two_way_rate": _rate(self.answered, self.answerable),
            "median_first_reply_hours": _median(self.first_hours),
            "median_final_answer_hours": _median(self.final_hours),
            "compliance_rate": _rate(self.met, self.decided),
            "overdue": self.overdue,
        }


class Tally:
    """Every figure of one month, from its rows added one by one in report order."""

    def __init__(self, month: str, timezone: str) -> None:
        self.month, self.timezone = month, timezone
        self._zone = ZoneInfo(timezone)
        self.headline = Headline()
        self._per_day: Counter[tuple[str, date]] = Counter()
        self._platforms: dict[str, list[int]] = {}
        self._departments: dict[str, Outcomes] = {}
        self._statuses: Counter[str] = Counter()
        self._overall = Outcomes()
        self._overdue: list[int] = []
        self._notable: list[int] = []
        self._topics: Counter[str] = Counter()

    def add(self, row: ReportRow, nouns: str | None = None) -> None:
        """Count one row; `nouns` are its analysed nouns (space-separated), if any."""
        self.headline.add(row)
        self._per_day[(row.platform, row.created_at.astimezone(self._zone).date())] += 1
        platform = self._platforms.setdefault(row.platform, [0, 0])
        platform[0] += 1
        platform[1] += row.first_reply_at is not None
        self._departments.setdefault(row.department or UNASSIGNED, Outcomes()).add(row)
        self._statuses[row.status] += 1
        self._overall.add(row)
        if row.overdue:
            self._overdue.append(row.id)
        if row.priority == HIGH_PRIORITY or row.status == FORMAL_COMPLAINT:
            self._notable.append(row.id)
        if nouns and not row.set_aside:
            count_mentions(self._topics, nouns.split())

    def figures(self, previous: dict[str, Any]) -> dict[str, Any]:
        """Every figure of the monthly report; `previous` is last month's headline."""
        current = self.headline.figures()
        return {
            "headline": current,
            "previous": previous,
            "change": change(current, previous),
            "per_day": self._per_day_figure(),
            "by_platform": [[p, n, a] for p, (n, a) in sorted(self._platforms.items())],
            "by_department": self._department_figure(),
            "by_status": [[s.value, self._statuses[s.value]] for s in STATUSES],
            "compliance": self._compliance_figure(),
            "topics": self._topic_figure(),
            "overdue": list(self._overdue),
            "notable": self._notable[:NOTABLE_LIMIT],
        }

    def _per_day_figure(self) -> dict[str, Any]:
        days = month_days(self.month, self.timezone)
        return {
            "days": [d.isoformat() for d in days],
            "series": [[p, [self._per_day[(p, d)] for d in days]] for p in sorted(self._platforms)],
        }

    def _department_figure(self) -> list[list[Any]]:
        table = [[name, *o.counts] for name, o in self._departments.items()]
        return sorted(table, key=lambda line: (-line[1], line[0]))

    def _compliance_figure(self) -> dict[str, Any]:
        _n, _answered, met, missed, pending, _overdue = self._overall.counts
        return {"met": met, "missed": missed, "pending": pending, "rate": _rate(met, met + missed)}

    def _topic_figure(self) -> list[list[Any]]:
        return [[word, count] for word, count in ranked(self._topics)]
