"""Korean search text: character bigrams for the index, phrases of bigrams for queries.

Korean attaches particles to words (주차장에, 주차를) and many useful words have two
syllables (주차, 소음, 민원), so word tokenizers miss them inside longer words
(불법주차). Each word of a comment is indexed as its overlapping character bigrams
(`불법주차` -> `불법 법주 주차`); a query word of n >= 2 characters becomes the
phrase of its n-1 consecutive bigrams, which matches exactly the comments that
contain that word anywhere inside a word. One-character words cannot be expressed
as bigrams and are matched with LIKE instead (inside the other filters).

Only letters and digits count (lower-cased, NFC); punctuation separates words.
The same function builds the SQLite FTS5 text and the PostgreSQL tsvector text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 40


def words(text: str) -> list[str]:
    """Lower-cased runs of letters and digits."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def word_bigrams(word: str) -> list[str]:
    """`불법주차` -> [`불법`, `법주`, `주차`]; a one-character word has none."""
    return [word[i : i + 2] for i in range(len(word) - 1)]


WORD_BREAK = "qqq"
"""Stands between words in the index so that no phrase matches across two words; it is
three characters long, so it never equals a query bigram."""


def index_text(text: str) -> str:
    """The space-separated bigrams of every word of `text` (what the index stores)."""
    groups = [_joined_bigrams(word) for word in words(text) if len(word) > 1]
    return f" {WORD_BREAK} ".join(groups)


@lru_cache(maxsize=65536)
def _joined_bigrams(word: str) -> str:
    # Residents reuse the same words over and over: caching saves most of the work.
    return " ".join(word_bigrams(word))


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search: phrases of bigrams (all must match) and one-character words."""

    phrases: tuple[tuple[str, ...], ...]
    singles: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """Nothing to search for."""
        return not self.phrases and not self.singles


def parse_query(text: str) -> SearchQuery:
    """Split a staff query into bigram phrases (words of >= 2 characters) and singles."""
    phrases: list[tuple[str, ...]] = []
    singles: list[str] = []
    for word in words(text)[:MAX_QUERY_WORDS]:
        word = word[:MAX_WORD_LENGTH]
        if len(word) == 1:
            singles.append(word)
        else:
            phrases.append(tuple(word_bigrams(word)))
    return SearchQuery(tuple(dict.fromkeys(phrases)), tuple(dict.fromkeys(singles)))


def fts5_match(query: SearchQuery) -> str:
    """The FTS5 MATCH expression: each phrase quoted, phrases ANDed."""
    return " AND ".join('"' + " ".join(phrase) + '"' for phrase in query.phrases)


def tsquery_text(query: SearchQuery) -> str:
    """The PostgreSQL `to_tsquery('simple', ...)` text: `a <-> b` phrases ANDed."""
    return " & ".join("(" + " <-> ".join(phrase) + ")" for phrase in query.phrases)
