"""The Korean search index: character bigrams of each comment, maintained in Python.

SQLite: a contentless FTS5 table `comment_search(grams)` (unicode61 tokenizer over
space-separated bigrams), rowid = comment id. PostgreSQL: a table
`comment_search(comment_id, grams tsvector)` with a GIN index, filled with tsvector
literals built in Python (`tsvector_text`; rows written by migration 0005 came from
`to_tsvector('simple', ...)`, which matches the same queries). Both are written by the
batch upsert for new and changed comments only, in the same transaction, without
triggers; a query word of n >= 2 characters is the phrase of its bigrams (see
`aggregator.search_text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.search_text import (
    SearchQuery,
    fts5_match,
    index_text,
    tsquery_text,
    tsvector_text,
)
from aggregator.store.bulk_insert import executemany

SEARCH = sa.table("comment_search", sa.column("comment_id"), sa.column("grams"))


class IndexedText(NamedTuple):
    """A comment whose text is (re)indexed: its id, new text and the text indexed before.

    `text` None: the comment leaves the index (a resident's comment that now reads as
    the district's own). A named tuple: an ingest makes one per new comment, and a
    frozen dataclass's `__init__` cost a few microseconds each."""

    comment_id: int
    text: str | None
    old_text: str | None = None


def indexed(by_account_owner: bool) -> bool:
    """Whether a comment is in the index: only residents' comments are, because search
    only ever looks for inbox items (`inbox_query.conditions` leaves the district's own
    comments out), and the district's replies were a fifth of an ingest's index work."""
    return not by_account_owner


def index_comments(conn: Connection, items: Sequence[IndexedText]) -> None:
    """Add new comments to the index and replace changed ones (one statement per kind)."""
    if not items:
        return
    if conn.dialect.name == "postgresql":
        _index_postgresql(conn, items)
        return
    # a contentless FTS5 table forgets a row given the tokens it indexed
    executemany(
        conn,
        "INSERT INTO comment_search (comment_search, rowid, grams) VALUES ('delete', ?, ?)",
        [(i.comment_id, index_text(i.old_text)) for i in items if i.old_text is not None],
    )
    executemany(
        conn,
        "INSERT INTO comment_search (rowid, grams) VALUES (?, ?)",
        [(item.comment_id, index_text(item.text)) for item in items if item.text is not None],
    )


_PG_INDEX = (
    "INSERT INTO comment_search (comment_id, grams) "
    "SELECT id, g::tsvector FROM unnest(%b::integer[], %b::text[]) AS u(id, g) "
    "ON CONFLICT (comment_id) DO UPDATE SET grams = excluded.grams"
)
_PG_INDEX_ROW = (  # for a driver other than psycopg (3), which `%b` needs
    "INSERT INTO comment_search (comment_id, grams) VALUES (:id, CAST(:grams AS tsvector)) "
    "ON CONFLICT (comment_id) DO UPDATE SET grams = excluded.grams"
)


def _index_postgresql(conn: Connection, items: Sequence[IndexedText]) -> None:
    """One statement for the whole batch (two binary arrays), so the server plans it once."""
    leaving = [item.comment_id for item in items if item.text is None]
    if leaving:
        delete_postgresql(conn, leaving)
    grams = {i.comment_id: tsvector_text(i.text) for i in items if i.text is not None}
    if not grams:
        return
    if conn.dialect.driver != "psycopg":
        conn.execute(sa.text(_PG_INDEX_ROW), [{"id": i, "grams": g} for i, g in grams.items()])
        return
    conn.exec_driver_sql(_PG_INDEX, (list(grams), list(grams.values())))


def delete_postgresql(conn: Connection, ids: Sequence[int]) -> int:
    """PostgreSQL: remove these comments' index rows; return how many there were."""
    deleted = conn.execute(
        sa.text("DELETE FROM comment_search WHERE comment_id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        ),
        {"ids": list(ids)},
    )
    return int(deleted.rowcount)


def matching_ids(conn: Connection, query: SearchQuery) -> sa.Select[Any]:
    """A SELECT of the ids of comments matching every bigram phrase of the query."""
    if conn.dialect.name == "postgresql":
        return (
            sa.select(sa.literal_column("comment_id", sa.Integer))
            .select_from(sa.text("comment_search"))
            .where(sa.text("grams @@ CAST(:tsq AS tsquery)").bindparams(tsq=tsquery_text(query)))
        )
    return (
        sa.select(sa.literal_column("rowid", sa.Integer))
        .select_from(sa.text("comment_search"))
        .where(sa.text("comment_search MATCH :fts").bindparams(fts=fts5_match(query)))
    )


def matches_one(
    conn: Connection, query: SearchQuery, comment_id: sa.ColumnElement[int]
) -> sa.ColumnElement[bool]:
    """EXISTS: the comment `comment_id` matches the query (probes the index by id)."""
    if conn.dialect.name == "postgresql":
        probe = sa.text("comment_search.grams @@ CAST(:tsq AS tsquery)").bindparams(
            tsq=tsquery_text(query)
        )
        key: sa.ColumnElement[Any] = sa.literal_column("comment_search.comment_id")
    else:
        probe = sa.text("comment_search MATCH :fts").bindparams(fts=fts5_match(query))
        key = sa.literal_column("comment_search.rowid")
    return sa.exists(
        sa.select(sa.literal(1))
        .select_from(sa.text("comment_search"))
        .where(probe, key == comment_id)
    )


def hits_among(conn: Connection, query: SearchQuery, ids: Sequence[int]) -> set[int]:
    """Which of the given comment ids match the query.

    PostgreSQL probes each row by primary key (a tsvector check per row is cheap).
    SQLite asks FTS5 once for the matches inside the ids' rowid range (FTS5 seeks its
    doclists by rowid, whereas probing row by row would re-read a common bigram's whole
    doclist for every row) and keeps those among `ids`.
    """
    if not ids:
        return set()
    if conn.dialect.name == "postgresql":
        comment = sa.table("comment", sa.column("id", sa.Integer))
        probe = sa.select(comment.c.id).where(
            comment.c.id.in_(list(ids)), matches_one(conn, query, comment.c.id)
        )
        return {int(i) for i in conn.execute(probe).scalars()}
    found = conn.execute(
        sa.text(
            "SELECT rowid FROM comment_search WHERE comment_search MATCH :fts "
            "AND rowid BETWEEN :low AND :high"
        ),
        {"fts": fts5_match(query), "low": min(ids), "high": max(ids)},
    ).scalars()
    wanted = set(ids)
    return {int(i) for i in found if i in wanted}


def rebuild(conn: Connection, chunk: int = 5000) -> int:
    """Drop every indexed row and index all residents' comments again; return how many."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("DELETE FROM comment_search"))
    else:
        conn.execute(sa.text("INSERT INTO comment_search (comment_search) VALUES ('delete-all')"))
    last, total = 0, 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, text, by_account_owner FROM comment WHERE id > :last "
                "ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": chunk},
        ).all()
        if not rows:
            return total
        residents = [IndexedText(int(r.id), r.text) for r in rows if indexed(r.by_account_owner)]
        index_comments(conn, residents)
        last, total = int(rows[-1].id), total + len(residents)
