"""search index of the masked text: personal data is no longer indexed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:00:00

Until now each comment's whole text was indexed, so a search for a fragment of a
phone number found the comment whose list entry shows it masked. The index now holds
the text outside its personal data (`aggregator.search_text.searchable_words`). Only
comments holding personal data index differently, so only their entries are replaced
(SQLite's contentless FTS5 table forgets an entry given exactly the tokens it indexed:
the whole-text ones, made here as the code before did). Downgrade puts them back.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from aggregator import pii
from aggregator.search_text import (
    WORD_BREAK,
    index_text,
    tsvector_text,
    word_bigrams,
    words,
)

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000


def _whole_text_grams(text: str) -> str:
    """What the index held before 0009: the bigrams of every word of the whole text."""
    groups = [" ".join(word_bigrams(word)) for word in words(text) if len(word) > 1]
    return f" {WORD_BREAK} ".join(groups)


def _with_personal_data(conn: Connection) -> list[tuple[int, str]]:
    """(id, text) of the comments whose text holds personal data, read in chunks."""
    found: list[tuple[int, str]] = []
    last = 0
    while True:
        rows = conn.execute(
            sa.text("SELECT id, text FROM comment WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": CHUNK},
        ).all()
        if not rows:
            return found
        found += [(int(r.id), r.text) for r in rows if pii.find(r.text)]
        last = int(rows[-1].id)


def _reindex(masked: bool) -> None:
    """Replace the entries of comments with personal data: masked (upgrade) or whole."""
    conn = op.get_bind()
    rows = _with_personal_data(conn)
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        statement = (
            "UPDATE comment_search SET grams = CAST(:grams AS tsvector) WHERE comment_id = :id"
            if masked
            else "UPDATE comment_search SET grams = to_tsvector('simple', :grams) "
            "WHERE comment_id = :id"
        )
        new = tsvector_text if masked else _whole_text_grams
        conn.execute(sa.text(statement), [{"id": i, "grams": new(text)} for i, text in rows])
        return
    old, new = (_whole_text_grams, index_text) if masked else (index_text, _whole_text_grams)
    conn.execute(
        sa.text(
            "INSERT INTO comment_search (comment_search, rowid, grams) "
            "VALUES ('delete', :id, :grams)"
        ),
        [{"id": i, "grams": old(text)} for i, text in rows],
    )
    conn.execute(
        sa.text("INSERT INTO comment_search (rowid, grams) VALUES (:id, :grams)"),
        [{"id": i, "grams": new(text)} for i, text in rows],
    )


def upgrade() -> None:
    _reindex(masked=True)


def downgrade() -> None:
    _reindex(masked=False)
