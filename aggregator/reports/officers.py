"""Per-officer figures of the monthly report (the office's internal version only).

For the month's answerable comments (숨김, 스팸, 답변 불요 and 정식민원 전환 left out),
counting the 1차 답변 and the 최종 답변 from the inbox that reached the resident:

- **answers written**: those the officer wrote;
- **answers approved**: those the officer approved that someone else wrote (an answer
  that needed no approval is approved by its own writer, which is not counted);
- **median first response**: business hours from a comment to the first inbox answer it
  got, over the comments whose first answer the officer wrote (None when none).

Pseudonymised reports leave the figure empty (`aggregator.reports.data`).
"""

from __future__ import annotations

import statistics
from array import array
from dataclasses import dataclass, field
from typing import Any

from aggregator.reports.rows import ReportRow, business_hours


@dataclass
class Officer:
    """One officer's tallies."""

    written: int = 0
    approved: int = 0
    first_hours: array[float] = field(default_factory=lambda: array("d"))

    def line(self, name: str) -> list[Any]:
        """[name, written, approved, median first-response hours or None]."""
        median = round(statistics.median(self.first_hours), 2) if self.first_hours else None
        return [name, self.written, self.approved, median]


class OfficerTally:
    """`by_officer`, tallied one report row at a time."""

    def __init__(self, timezone: str) -> None:
        self._timezone = timezone
        self._officers: dict[str, Officer] = {}

    def _officer(self, name: str) -> Officer:
        return self._officers.setdefault(name, Officer())

    def add(self, row: ReportRow) -> None:
        """Count one row's inbox answers."""
        if row.needs_no_answer:
            return
        for at, writer, approver in (
            (row.first_answer_posted_at, row.first_answer_by, row.first_answer_approved_by),
            (row.final_answer_posted_at, row.final_answer_by, row.final_answer_approved_by),
        ):
            if at is None:
                continue
            if writer:
                self._officer(writer).written += 1
            if approver and approver != writer:
                self._officer(approver).approved += 1
        first = row.first_answer()
        if first is not None and first[0]:
            writer, at = first
            same = at == row.first_reply_at and row.first_reply_hours is not None
            spent = row.first_reply_hours if same else None
            if spent is None:
                spent = business_hours(row.created_at, at, self._timezone)
            self._officer(writer).first_hours.append(spent)

    def figure(self) -> list[list[Any]]:
        """[officer, answers written, answers approved, median first-response business
        hours or None] per officer, most answers written first (then by name)."""
        lines = [officer.line(name) for name, officer in self._officers.items()]
        return sorted(lines, key=lambda line: (-line[1], line[0]))
