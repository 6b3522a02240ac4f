"""Progress of a report being made: rows read of how many, told to a callback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

Progress = Callable[[int, int], None]
"""Called with (rows read, rows in all) while a report's rows stream."""
T = TypeVar("T")
STEPS = 100
"""A report is told about at most this many times per pass (and at its end)."""


class Meter:
    """Counts the rows of a report's first pass over its rows and tells `report`.

    Writers may stream the rows more than once (the PDF looks up its listed cases
    again); only the first pass, which reads every row, is progress.
    """

    def __init__(self, report: Progress, total: int) -> None:
        self._report, self._total = report, total
        self._started = False

    def count(self, rows: Iterator[T]) -> Iterator[T]:
        """`rows` as they are, counted while this is the first pass."""
        if self._started:
            yield from rows
            return
        self._started = True
        done, step = 0, max(1, self._total // STEPS)
        self._report(0, self._total)
        for row in rows:
            done += 1
            if done % step == 0:
                self._report(done, max(done, self._total))
            yield row
        self._report(done, max(done, self._total))
