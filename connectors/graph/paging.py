"""Paging helpers shared by the Graph API connectors (the Facebook Page, Instagram).

Graph lists newest first, so a run's closing cursor updates (watermarks, the comment
state of the posts it listed) hold only once the whole run is stored: `hold_last` adds
them to the run's last batch. `is_last` tells the last page of an edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace

from aggregator.records import Batch, JSONValue, Presence
from connectors.graph.api import GraphPage

Closing = tuple[Mapping[str, JSONValue], tuple[Presence, ...]]
"""The cursor updates and presence scopes added to a run's last batch."""


def hold_last(batches: Iterator[Batch], closing: Callable[[], Closing]) -> Iterator[Batch]:
    """Yield `batches`, adding the run's closing cursor updates to the last one.

    A batch is last only once the next page proved not to exist, so each is held until
    the next arrives (one page of look-ahead). When the run fails midway, the held batch
    is still yielded (without the closing updates) so that it is stored.
    """
    held: Batch | None = None
    try:
        for batch in batches:
            if held is not None:
                yield held
            held = batch
    except Exception:
        if held is not None:
            yield held
        raise
    if held is not None:
        updates, presence = closing()
        yield replace(
            held,
            cursor_updates={**held.cursor_updates, **updates},
            presence=held.presence + presence,
        )


def is_last(page: GraphPage, asked: Mapping[str, str] | None) -> bool:
    """No `paging.next`, or a `next` that asks for the same page again (no progress)."""
    return page.following is None or (not page.data and page.following == asked)
