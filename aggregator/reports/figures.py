"""The monthly figures, tallied one report row at a time (a month of 100,000 comments
is never held in memory). See `aggregator.reports.rows` for the definitions.

Every result is plain JSON data in a fixed order (lists of pairs, not dicts whose
order a database might change), so a closed month's snapshot renders identically.
"""

from __future__ import annotations

import statistics
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.reports.officers import OfficerTally
from aggregator.reports.rows import ReportRow
from aggregator.reports.topics import TopicSamples, count_mentions, ranked, stop_words
from aggregator.timeutil import month_bounds
from aggregator.workflow import STATUSES

UNASSIGNED = "미배정"
NOTABLE_LIMIT = 20
FORMAL_COMPLAINT = "정식민원 전환"
HIGH_PRIORITY = "높음"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def hours() -> array[float]:
    """A compact list of business hours (8 bytes each, not a float object each)."""
    return array("d")


def month_days(month: str, timezone: str) -> list[date]:
    """Every local day of the month."""
    start, end = month_bounds(month, timezone)
    first = start.astimezone(ZoneInfo(timezone)).date()
    last = (end - timedelta(seconds=1)).astimezone(ZoneInfo(timezone)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Current minus previous for every headline number both months have; every change
    is None when the previous month has no comments (there is nothing to compare)."""
    out: dict[str, Any] = {}
    compared = bool(previous.get("comments"))
    for key, value in current.items():
        before = previous.get(key)
        known = compared and value is not None and before is not None
        out[key] = round(value - before, 4) if known else None
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
class ResponseTimes:
    """Business hours to the first reply and to the final answer of a group's answerable
    rows (숨김, 스팸, 답변 불요 and 정식민원 전환 are outside them)."""

    first: array[float] = field(default_factory=hours)
    final: array[float] = field(default_factory=hours)

    def add(self, row: ReportRow) -> None:
        """Count one row."""
        if row.needs_no_answer:
            return
        if row.first_reply_hours is not None:
            self.first.append(row.first_reply_hours)
        if row.final_answer_hours is not None:
            self.final.append(row.final_answer_hours)

    def medians(self) -> list[float | None]:
        """[median first-reply hours, median final-answer hours] (None when none)."""
        return [_median(self.first), _median(self.final)]


@dataclass
class Headline:
    """The few numbers compared month to month, tallied row by row."""

    comments: int = 0
    answerable: int = 0
    answered: int = 0
    decided: int = 0
    met: int = 0
    overdue: int = 0
    times: ResponseTimes = field(default_factory=ResponseTimes)

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
        self.times.add(row)

    def figures(self) -> dict[str, Any]:
        """The headline as the report shows it."""
        return {
            "comments": self.comments,
            "answered": self.answered,
            "two_way_rate": _rate(self.answered, self.answerable),
            "median_first_reply_hours": _median(self.times.first),
            "median_final_answer_hours": _median(self.times.final),
            "compliance_rate": _rate(self.met, self.decided),
            "overdue": self.overdue,
        }


class Tally:
    """Every figure of one month, from its rows added one by one in report order."""

    def __init__(self, month: str, timezone: str, topic_stop_words: Iterable[str] = ()) -> None:
        self.month, self.timezone = month, timezone
        self._zone = ZoneInfo(timezone)
        self._stop = stop_words(topic_stop_words)
        self.headline = Headline()
        self._platform_times: dict[str, ResponseTimes] = {}
        self._department_times: dict[str, ResponseTimes] = {}
        self._officers = OfficerTally(timezone)
        self._samples = TopicSamples()
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
        department = row.department or UNASSIGNED
        self._departments.setdefault(department, Outcomes()).add(row)
        self._platform_times.setdefault(row.platform, ResponseTimes()).add(row)
        self._department_times.setdefault(department, ResponseTimes()).add(row)
        self._officers.add(row)
        self._statuses[row.status] += 1
        self._overall.add(row)
        if row.overdue:
            self._overdue.append(row.id)
        if row.priority == HIGH_PRIORITY or row.status == FORMAL_COMPLAINT:
            self._notable.append(row.id)
        if nouns and not row.set_aside:
            self._samples.add(count_mentions(self._topics, nouns.split(), self._stop), row.text)

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
            "response_times": self._response_time_figure(),
            "by_officer": self._officers.figure(),
            "topics": self._topic_figure(),
            "topic_samples": self._topic_sample_figure(),
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

    def _response_time_figure(self) -> dict[str, list[list[Any]]]:
        """Median first-reply and final-answer business hours by platform and by
        department (the departments in the order of the department figure)."""
        departments = [line[0] for line in self._department_figure()]
        return {
            "by_platform": [
                [name, *self._platform_times[name].medians()]
                for name in sorted(self._platform_times)
            ],
            "by_department": [
                [name, *self._department_times[name].medians()] for name in departments
            ],
        }

    def _topic_figure(self) -> list[list[Any]]:
        return [[word, count] for word, count in ranked(self._topics)]

    def _topic_sample_figure(self) -> list[list[str]]:
        return [[word, self._samples.sample(word)] for word, _count in ranked(self._topics)]
