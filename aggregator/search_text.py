"""Korean search text: character bigrams for the index, phrases of bigrams for queries.

Korean attaches particles to words (주차장에, 주차를) and many useful words have two
syllables (주차, 소음, 민원), so word tokenizers miss them inside longer words
(불법주차). Each word of a comment is indexed as its overlapping character bigrams
(`불법주차` -> `불법 법주 주차`); a query word of n >= 2 characters becomes the
phrase of its n-1 consecutive bigrams, which matches exactly the comments that
contain that word anywhere inside a word. One-character words cannot be expressed
as bigrams and are matched with LIKE instead (inside the other filters).

Only letters and digits count (lower-cased, NFC); punctuation separates words.

Personal data is never indexed: the index holds the text as the inbox shows it, masked
(`aggregator.pii`), with each piece of personal data a word break, so no query (a
fragment of a phone number, a road name of an address) can confirm what the list hides.
One-digit query words, which `LIKE` would match inside the unmasked text, are ignored.
SQLite's FTS5 text and PostgreSQL's tsvector and tsquery literals are all built here,
from the same bigrams, so the index and the queries always agree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from aggregator import pii

_WORD = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 40


def words(text: str) -> list[str]:
    """Lower-cased runs of letters and digits."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def searchable_words(text: str) -> list[str]:
    """The words of `text` outside its personal data (what the index may hold)."""
    parts = pii.unmasked_parts(text)
    if len(parts) == 1:
        return words(text)
    return words(" ".join(parts))


def word_bigrams(word: str) -> list[str]:
    """`불법주차` -> [`불법`, `법주`, `주차`]; a one-character word has none."""
    return [word[i : i + 2] for i in range(len(word) - 1)]


WORD_BREAK = "qqq"
"""Stands between words in the index so that no phrase matches across two words; it is
three characters long, so it never equals a query bigram."""


def index_text(text: str) -> str:
    """The space-separated bigrams of every word of `text` outside its personal data
    (what the index stores)."""
    groups = [_joined_bigrams(word) for word in searchable_words(text) if len(word) > 1]
    return f" {WORD_BREAK} ".join(groups)


@lru_cache(maxsize=65536)
def _joined_bigrams(word: str) -> str:
    # Residents reuse the same words over and over: caching saves most of the work.
    return " ".join(word_bigrams(word))


MAX_POSITION = 16383
"""The largest word position a PostgreSQL tsvector keeps (later words share it)."""
MAX_POSITIONS = 255
"""How many positions of one lexeme `to_tsvector` keeps (the first ones)."""


def tsvector_text(text: str) -> str:
    """The PostgreSQL tsvector literal of `text`: each bigram with its position (personal
    data left out, as in `index_text`).

    It is what `to_tsvector('simple', index_text(text))` stores, minus the word-break
    lexeme: its position stays empty, so a phrase still never spans two words. Built
    here because the server's `to_tsvector` parsing cost ten times what reading this
    literal does (a third of an ingest batch), and the break was one more index entry
    for almost every comment. The server merges a lexeme's repeated entries.
    """
    parts: list[str] = []
    position = 1
    for word in searchable_words(text):
        if len(word) > 1:
            parts.append(_positioned(word, position))
            position += len(word)  # its bigrams, then the empty position
    if position > MAX_POSITIONS:  # long texts only: cap as `to_tsvector` does
        return _capped(" ".join(parts))
    return " ".join(parts)


@lru_cache(maxsize=65536)
def _positioned(word: str, first: int) -> str:
    # A common word at a common place (the first words of a comment) repeats often.
    return " ".join(f"{_lexeme(gram)}:{first + i}" for i, gram in enumerate(word_bigrams(word)))


def _capped(literal: str) -> str:
    positions: dict[str, list[int]] = {}
    for entry in literal.split(" "):
        lexeme, _, at = entry.rpartition(":")
        positions.setdefault(lexeme, []).append(min(int(at), MAX_POSITION))
    return " ".join(
        f"{lexeme}:{','.join(map(str, list(dict.fromkeys(found))[:MAX_POSITIONS]))}"
        for lexeme, found in positions.items()
    )


def _lexeme(gram: str) -> str:
    """A quoted tsvector/tsquery lexeme (bigrams hold no quotes, but never trust that)."""
    return "'" + gram.replace("\\", "\\\\").replace("'", "''") + "'"


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
            if not word.isdigit():  # a digit could match inside masked personal data
                singles.append(word)
        else:
            phrases.append(tuple(word_bigrams(word)))
    return SearchQuery(tuple(dict.fromkeys(phrases)), tuple(dict.fromkeys(singles)))


def fts5_match(query: SearchQuery) -> str:
    """The FTS5 MATCH expression: each phrase quoted, phrases ANDed."""
    return " AND ".join('"' + " ".join(phrase) + '"' for phrase in query.phrases)


def tsquery_text(query: SearchQuery) -> str:
    """The PostgreSQL tsquery literal: `'a' <-> 'b'` phrases ANDed (see `tsvector_text`)."""
    return " & ".join(
        "(" + " <-> ".join(_lexeme(gram) for gram in phrase) + ")" for phrase in query.phrases
    )
