"""A month's report data: rows and figures, live or frozen in a snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aggregator.reports.pseudonyms import Pseudonymizer
from aggregator.reports.rows import ReportRow


class ReportError(Exception):
    """A report cannot be made as asked; the message says why (shown to staff)."""


@dataclass(frozen=True)
class ReportData:
    """Everything a report file shows; `as_of` is when the figures were taken."""

    month: str
    timezone: str
    as_of: datetime
    rows: tuple[ReportRow, ...]
    figures: dict[str, Any]
    closed_at: datetime | None = None
    closed_by: str | None = None
    pseudonymized: bool = False

    def payload(self) -> str:
        """The frozen form stored when a month is closed (JSON, keys sorted)."""
        body = {
            "month": self.month,
            "timezone": self.timezone,
            "as_of": self.as_of.isoformat(),
            "rows": [row.to_json() for row in self.rows],
            "figures": self.figures,
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> ReportData:
        """A closed month's data from its snapshot row."""
        body = json.loads(snapshot["payload"])
        return cls(
            month=body["month"],
            timezone=body["timezone"],
            as_of=datetime.fromisoformat(body["as_of"]),
            rows=tuple(ReportRow.from_json(r) for r in body["rows"]),
            figures=body["figures"],
            closed_at=snapshot["closed_at"],
            closed_by=snapshot["closed_by"],
        )

    def pseudonymize(self, pseudonym: Pseudonymizer) -> ReportData:
        """The same data with every author replaced by their pseudonym."""
        rows = tuple(replace(r, author=pseudonym(r.author_key), author_key="") for r in self.rows)
        return replace(self, rows=rows, pseudonymized=True)

    def row(self, row_id: int) -> ReportRow | None:
        """The row of one comment id."""
        return next((r for r in self.rows if r.id == row_id), None)
