"""The monthly figures: pure functions of one month's report rows (and the previous
month's, for the change). See `aggregator.reports.rows` for the definitions.

Every result is plain JSON data in a fixed order (lists of pairs, not dicts whose
order a database might change), so a closed month's snapshot renders identically.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.reports.rows import ReportRow
from aggregator.reports.topics import NounExtractor, top_topics
from aggregator.timeutil import month_bounds
from aggregator.workflow import STATUSES

UNASSIGNED = "미배정"
NOTABLE_LIMIT = 20


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def month_days(month: str, timezone: str) -> list[date]:
    """Every local day of the month."""
    start, end = month_bounds(month, timezone)
    first = start.astimezone(ZoneInfo(timezone)).date()
    last = (end - timedelta(seconds=1)).astimezone(ZoneInfo(timezone)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def headline(rows: Sequence[ReportRow]) -> dict[str, Any]:
    """The few numbers compared month to month."""
    answerable = [r for r in rows if not r.set_aside]
    decided = [r for r in answerable if r.deadline_met is not None]
    return {
        "comments": len(rows),
        "answered": sum(1 for r in answerable if r.answered),
        "two_way_rate": _rate(sum(1 for r in answerable if r.answered), len(answerable)),
        "median_first_reply_hours": _median([r.first_reply_hours for r in rows]),
        "median_final_answer_hours": _median([r.final_answer_hours for r in rows]),
        "compliance_rate": _rate(sum(1 for r in decided if r.deadline_met), len(decided)),
        "overdue": sum(1 for r in rows if r.overdue),
    }


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Current minus previous for every headline number both months have."""
    out: dict[str, Any] = {}
    for key, value in current.items():
        before = previous.get(key)
        out[key] = round(value - before, 4) if value is not None and before is not None else None
    return out


def per_day(rows: Sequence[ReportRow], month: str, timezone: str) -> dict[str, Any]:
    """Comments per platform per local day."""
    zone = ZoneInfo(timezone)
    days = month_days(month, timezone)
    platforms = sorted({r.platform for r in rows})
    counts = Counter((r.platform, r.created_at.astimezone(zone).date()) for r in rows)
    return {
        "days": [d.isoformat() for d in days],
        "series": [[p, [counts[(p, d)] for d in days]] for p in platforms],
    }


def by_platform(rows: Sequence[ReportRow]) -> list[list[Any]]:
    """[platform, comments, answered] per platform."""
    table = []
    for platform in sorted({r.platform for r in rows}):
        items = [r for r in rows if r.platform == platform]
        table.append([platform, len(items), sum(1 for r in items if r.answered)])
    return table


def by_department(rows: Sequence[ReportRow]) -> list[list[Any]]:
    """[department, comments, answered, met, missed, pending, overdue], most comments first."""
    groups: dict[str, list[ReportRow]] = {}
    for row in rows:
        groups.setdefault(row.department or UNASSIGNED, []).append(row)
    table = [
        [
            name,
            len(items),
            sum(1 for r in items if r.answered),
            sum(1 for r in items if r.deadline_met is True),
            sum(1 for r in items if r.deadline_met is False),
            sum(1 for r in items if r.deadline_met is None and not r.set_aside),
            sum(1 for r in items if r.overdue),
        ]
        for name, items in groups.items()
    ]
    return sorted(table, key=lambda line: (-line[1], line[0]))


def by_status(rows: Sequence[ReportRow]) -> list[list[Any]]:
    """[status, comments] for every status, in workflow order."""
    counts = Counter(r.status for r in rows)
    return [[s.value, counts[s.value]] for s in STATUSES]


def compliance(rows: Sequence[ReportRow]) -> dict[str, Any]:
    """Deadline outcomes: met, missed, pending, and the share met of those decided."""
    met = sum(1 for r in rows if r.deadline_met is True)
    missed = sum(1 for r in rows if r.deadline_met is False)
    pending = sum(1 for r in rows if r.deadline_met is None and not r.set_aside)
    return {"met": met, "missed": missed, "pending": pending, "rate": _rate(met, met + missed)}


def notable(rows: Sequence[ReportRow]) -> dict[str, list[int]]:
    """Ids of the overdue items (oldest first) and the notable ones: high priority or
    turned into a formal complaint."""
    overdue = [r.id for r in rows if r.overdue]
    flagged = [r.id for r in rows if r.priority == "높음" or r.status == "정식민원 전환"]
    return {"overdue": overdue, "notable": flagged[:NOTABLE_LIMIT]}


def compute(
    rows: Sequence[ReportRow],
    previous: Sequence[ReportRow],
    month: str,
    timezone: str,
    extractor: NounExtractor | None = None,
) -> dict[str, Any]:
    """Every figure of the monthly report."""
    current = headline(rows)
    before = headline(previous)
    topics = top_topics([r.text for r in rows if not r.set_aside], extractor=extractor)
    return {
        "headline": current,
        "previous": before,
        "change": change(current, before),
        "per_day": per_day(rows, month, timezone),
        "by_platform": by_platform(rows),
        "by_department": by_department(rows),
        "by_status": by_status(rows),
        "compliance": compliance(rows),
        "topics": [[word, count] for word, count in topics],
        **notable(rows),
    }
