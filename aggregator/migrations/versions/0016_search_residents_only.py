"""search index of residents' comments only: the district's own comments leave it

Revision ID: 0016_search_residents_only
Revises: 0015_report_jobs
Create Date: 2026-12-06 03:00:00

Search only ever looks for inbox items, and the inbox never lists the district's own
comments (`aggregator.store.inbox_query.conditions`), so indexing them was work every
ingest did for nothing (a fifth of the sandbox's comments). From now on only residents'
comments are indexed (`aggregator.store.search.indexed`); this removes the district's
entries already there (SQLite's contentless FTS5 table forgets an entry given exactly
the tokens it indexed: `index_text` of the stored text, as privacy deletion does).
Downgrade indexes them again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from aggregator.search_text import index_text, tsvector_text

revision: str = "0016_search_residents_only"
down_revision: str | None = "0015_report_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000


def _district_comments(conn: Connection) -> list[tuple[int, str]]:
    """(id, text) of the district's own comments, read in chunks of ids."""
    found: list[tuple[int, str]] = []
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, text FROM comment WHERE by_account_owner AND id > :last "
                "ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": CHUNK},
        ).all()
        if not rows:
            return found
        found += [(int(r.id), r.text) for r in rows]
        last = int(rows[-1].id)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                "DELETE FROM comment_search USING comment "
                "WHERE comment.id = comment_search.comment_id AND comment.by_account_owner"
            )
        )
        return
    rows = _district_comments(conn)
    for first in range(0, len(rows), CHUNK):
        conn.execute(
            sa.text(
                "INSERT INTO comment_search (comment_search, rowid, grams) "
                "VALUES ('delete', :id, :grams)"
            ),
            [{"id": i, "grams": index_text(text)} for i, text in rows[first : first + CHUNK]],
        )


def downgrade() -> None:
    conn = op.get_bind()
    rows = _district_comments(conn)
    for first in range(0, len(rows), CHUNK):
        chunk = rows[first : first + CHUNK]
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "INSERT INTO comment_search (comment_id, grams) "
                    "VALUES (:id, CAST(:grams AS tsvector))"
                ),
                [{"id": i, "grams": tsvector_text(text)} for i, text in chunk],
            )
        else:
            conn.execute(
                sa.text("INSERT INTO comment_search (rowid, grams) VALUES (:id, :grams)"),
                [{"id": i, "grams": index_text(text)} for i, text in chunk],
            )
