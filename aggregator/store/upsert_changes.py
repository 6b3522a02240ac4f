"""What one upsert batch changes: which records are new, changed or unchanged, and the
revisions that keep each replaced text.

One SELECT reads the stored state of a batch's keys (`existing_rows`); `classify` splits
the batch against it (keeping links and values an earlier, richer payload gave), and
`write_revisions` copies every text about to be replaced into `content_revision`.
Used by `aggregator.store.upsert`, in the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.store.bulk_insert import convert_row, plain_columns
from aggregator.store.tables import REVISION
from aggregator.store.value_sets import one_of

Row = dict[str, Any]

LAST_SEEN_REFRESH = timedelta(hours=24)
"""An unchanged item's `last_seen_at` is rewritten at most this often."""


@dataclass
class Counts:
    """How many records of one kind were new, updated or unchanged."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        """Add another count into this one."""
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


def existing_rows(
    conn: Connection, table: sa.Table, rows: list[dict[str, Any]], fields: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Stored state of the batch's keys, by external id (one query)."""
    if not rows:
        return {}
    wanted = [c for c in fields if c in table.c]
    columns = [table.c[c] for c in ("id", "external_id", "content_hash", "content_seen_at",
                                    "last_seen_at", "created_at", *wanted)]  # fmt: skip
    selected, converters = plain_columns(conn, columns)
    query = sa.select(*selected).where(
        table.c.platform == rows[0]["platform"],
        one_of(conn, table.c.external_id, [row["external_id"] for row in rows]),
    )
    names = [c.key for c in columns]
    found = (
        dict(zip(names, convert_row(row, converters), strict=True)) for row in conn.execute(query)
    )
    return {row["external_id"]: row for row in found}


def classify(
    rows: list[dict[str, Any]],
    existing: dict[str, dict[str, Any]],
    compared: Sequence[str],
    now: datetime,
) -> tuple[Counts, list[Row], list[tuple[Row, Row]], list[Row]]:
    """Split rows into counts, rows to write, (old, new) pairs whose text changed, and the
    rows inserted or changed (the rows to write less those only seen again)."""
    counts = Counts()
    writes: list[Row] = []
    changed: list[tuple[Row, Row]] = []
    modified: list[Row] = []
    for row in rows:
        old = existing.get(row["external_id"])
        if old is not None:
            _keep_known_links(row, old)
        if old is None:
            counts.new += 1
            writes.append(row)
            modified.append(row)
        elif old["content_hash"] != row["content_hash"]:
            counts.updated += 1
            changed.append((old, row))
            writes.append(row)
            modified.append(row)
        elif any(old[f] != row[f] for f in compared):
            counts.updated += 1
            writes.append({**row, "content_seen_at": old["content_seen_at"]})
            modified.append(row)
        else:
            counts.unchanged += 1
            if now - old["last_seen_at"] >= LAST_SEEN_REFRESH:
                writes.append({**row, "content_seen_at": old["content_seen_at"]})
    return counts, writes, changed, modified


def _keep_known_links(row: dict[str, Any], old: dict[str, Any]) -> None:
    """Keep what an earlier, richer payload told us and this one does not.

    The same comment can arrive from feeds that know its parent and from feeds that
    do not (WordPress RSS vs Atom); a link, once known, is not forgotten. The first
    stored `created_at` is kept too (undated entries would otherwise move), and a
    post's comment count and metrics when a source without them (an RSS feed instead
    of the API) reads it.
    """
    row["created_at"] = old["created_at"]
    if "parent_external_id" not in row:
        if row.get("comment_count") is None and old.get("comment_count") is not None:
            row["comment_count"] = old["comment_count"]
        if not row["metrics"] and old.get("metrics"):
            row["metrics"] = old["metrics"]
        return
    if row["parent_external_id"] is None and old["parent_external_id"] is not None:
        row["parent_external_id"], row["kind"] = old["parent_external_id"], old["kind"]
    if row["post_external_id"] is None and old["post_external_id"] is not None:
        row["post_external_id"] = old["post_external_id"]
    if row["post_id"] is None:
        row["post_id"] = old["post_id"]


def write_revisions(
    conn: Connection,
    item_type: str,
    changed: list[tuple[dict[str, Any], dict[str, Any]]],
    now: datetime,
) -> None:
    """Keep each replaced text as a revision before the row is overwritten."""
    if not changed:
        return
    revisions = [
        {
            "item_type": item_type,
            "item_id": old["id"],
            "title": old.get("title"),
            "text": old["text"],
            "content_hash": old["content_hash"],
            "seen_from": old["content_seen_at"],
            "replaced_at": now,
        }
        for old, _new in changed
    ]
    conn.execute(sa.insert(REVISION), revisions)
