"""A month's report data: its rows, streamed (from the store, or from a closed month's
snapshot), and its figures.

A month can hold 100,000 comments, so rows are never held in memory whole: `rows` is
an iterable that streams them again on every pass. An open month's figures are
tallied while its rows stream; asking for them before a full pass makes one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from aggregator.reports.figures import Tally
from aggregator.reports.pseudonyms import Pseudonymizer
from aggregator.reports.rows import ReportRow


class ReportError(Exception):
    """A report cannot be made as asked; the message says why (the command line shows
    it), `korean` says it on the web pages."""

    def __init__(self, message: str, korean: str | None = None) -> None:
        super().__init__(message)
        self.korean = korean or message


class RowStream(Protocol):
    """A month's rows in report order (each iteration streams them anew), and its figures."""

    def __iter__(self) -> Iterator[ReportRow]: ...

    def figures(self) -> dict[str, Any]:
        """Every figure of the month (after a full pass, without another)."""
        ...


class FrozenRows:
    """A closed month's rows, read from its snapshot, with its frozen figures."""

    def __init__(self, source: Callable[[], Iterator[str]], figures: dict[str, Any]) -> None:
        self._source, self._figures = source, figures

    def __iter__(self) -> Iterator[ReportRow]:
        for text in self._source():
            yield ReportRow.from_json(json.loads(text))

    def figures(self) -> dict[str, Any]:
        return self._figures


class LiveRows:
    """An open month's rows as `source` streams them from the store; the figures are
    tallied on the way (`finish` adds what the rows cannot tell: last month, topics)."""

    def __init__(
        self,
        source: Callable[[Tally], Iterator[ReportRow]],
        new_tally: Callable[[], Tally],
        finish: Callable[[Tally], dict[str, Any]],
    ) -> None:
        self._source, self._new_tally, self._finish = source, new_tally, finish
        self._figures: dict[str, Any] | None = None

    def __iter__(self) -> Iterator[ReportRow]:
        tally = self._new_tally()
        yield from self._source(tally)
        if self._figures is None:
            self._figures = self._finish(tally)

    def figures(self) -> dict[str, Any]:
        if self._figures is None:
            for _row in self:
                pass
        assert self._figures is not None
        return self._figures


class PseudonymizedRows:
    """Another stream's rows with every author replaced by their pseudonym."""

    def __init__(self, inner: RowStream, pseudonym: Pseudonymizer) -> None:
        self._inner = inner
        self._pseudonym = lru_cache(maxsize=65_536)(pseudonym)

    def __iter__(self) -> Iterator[ReportRow]:
        pseudonym = self._pseudonym
        for row in self._inner:
            yield row._replace(author=pseudonym(row.author_key), author_key="")

    def figures(self) -> dict[str, Any]:
        """The inner figures without the per-officer ones (the office's internal version
        only)."""
        figures = self._inner.figures()
        return {**figures, "by_officer": []} if "by_officer" in figures else figures


class CountedRows:
    """Another stream's rows, counting those of its last full pass: how many rows a file
    written from them holds (a closed month can hold fewer rows than its frozen figures
    count, after a privacy deletion)."""

    def __init__(self, inner: RowStream) -> None:
        self._inner = inner
        self.count = 0

    def __iter__(self) -> Iterator[ReportRow]:
        count = 0
        for row in self._inner:
            count += 1
            yield row
        self.count = count

    def figures(self) -> dict[str, Any]:
        return self._inner.figures()


@dataclass(frozen=True)
class ReportData:
    """Everything a report file shows; `as_of` is when the figures were taken."""

    month: str
    timezone: str
    as_of: datetime
    rows: RowStream
    closed_at: datetime | None = None
    closed_by: str | None = None
    pseudonymized: bool = False

    @property
    def figures(self) -> dict[str, Any]:
        """Every figure of the month (streams the rows once if they have not been)."""
        return self.rows.figures()

    def header(self) -> str:
        """The frozen form of everything but the rows (JSON, keys sorted)."""
        body = {
            "month": self.month,
            "timezone": self.timezone,
            "as_of": self.as_of.isoformat(),
            "figures": self.figures,
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    def frozen_rows(self) -> Iterator[tuple[int, str]]:
        """(comment id, frozen JSON text) of every row, in report order."""
        for row in self.rows:
            yield row.id, json.dumps(row.to_json(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_snapshot(
        cls, snapshot: dict[str, Any], rows: Callable[[], Iterator[str]]
    ) -> ReportData:
        """A closed month's data from its snapshot row and its frozen rows."""
        body = json.loads(snapshot["payload"])
        return cls(
            month=body["month"],
            timezone=body["timezone"],
            as_of=datetime.fromisoformat(body["as_of"]),
            rows=FrozenRows(rows, body["figures"]),
            closed_at=snapshot["closed_at"],
            closed_by=snapshot["closed_by"],
        )

    def pseudonymize(self, pseudonym: Pseudonymizer) -> ReportData:
        """The same data with every author replaced by their pseudonym."""
        return replace(self, rows=PseudonymizedRows(self.rows, pseudonym), pseudonymized=True)

    def rows_by_id(self, ids: list[int]) -> dict[int, ReportRow]:
        """The rows of these comment ids (one pass over the rows)."""
        wanted = set(ids)
        return {row.id: row for row in self.rows if row.id in wanted}
