"""Top topics of a month: the most frequent Korean nouns in residents' comments.

Each comment's nouns are found once and stored (`aggregator.reports.topic_index`);
the monthly figures only count them. Nouns come from kiwipiepy (its model ships as
the `kiwipiepy_model` PyPI package, so it works offline), tags NNG and NNP, two
characters or more, minus a short stop list. Without kiwipiepy the fallback takes
Hangul words of two or more syllables and strips common particles from their ends:
cruder, but it still surfaces 주차, 쓰레기.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

log = logging.getLogger(__name__)

STOPWORDS = frozenset(
    {
        "구청",
        "구청장",
        "주민",
        "감사",
        "부탁",
        "문의",
        "확인",
        "요청",
        "생각",
        "정도",
        "오늘",
        "이번",
    }
)
NOUN_TAGS = frozenset({"NNG", "NNP"})
HANGUL_WORD = re.compile(r"[가-힣]{2,}")
PARTICLES = (
    "에서는", "으로는", "에게서", "까지", "부터", "에서", "으로", "에게", "께서",
    "은", "는", "이", "가", "을", "를", "에", "의", "도", "로", "와", "과", "만",
)  # fmt: skip

NounExtractor = Callable[[Sequence[str]], Iterable[list[str]]]


def default_extractor() -> NounExtractor:
    """kiwipiepy's nouns, or the fallback where kiwipiepy is missing."""
    return _kiwi_extractor() or fallback_nouns


def nouns_text(nouns: Iterable[str]) -> str:
    """A comment's nouns as stored: distinct, sorted, space-separated."""
    return " ".join(sorted(set(nouns)))


@lru_cache(maxsize=1)
def _kiwi_extractor() -> NounExtractor | None:
    try:
        from kiwipiepy import Kiwi
    except ImportError:  # pragma: no cover - kiwipiepy is a dependency
        log.warning("kiwipiepy is not installed: topics use the simple fallback")
        return None
    kiwi = Kiwi()

    def nouns(texts: Sequence[str]) -> Iterable[list[str]]:
        for tokens in kiwi.tokenize(list(texts)):
            yield [t.form for t in tokens if t.tag in NOUN_TAGS and len(t.form) >= 2]

    return nouns


def fallback_nouns(texts: Sequence[str]) -> Iterable[list[str]]:
    """Hangul words with a trailing particle stripped (no morphological analysis)."""
    for text in texts:
        words = []
        for word in HANGUL_WORD.findall(text):
            for particle in PARTICLES:
                if word.endswith(particle) and len(word) - len(particle) >= 2:
                    word = word[: -len(particle)]
                    break
            words.append(word)
        yield words


TOPIC_LIMIT = 15


def count_mentions(counts: Counter[str], nouns: Iterable[str]) -> None:
    """Add one comment's nouns to `counts`: each noun once, stop words left out."""
    counts.update(set(nouns) - STOPWORDS)


def ranked(counts: Counter[str], limit: int = TOPIC_LIMIT) -> list[tuple[str, int]]:
    """The `limit` most mentioned nouns with their counts (ties by word)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def top_topics(
    texts: Sequence[str], limit: int = TOPIC_LIMIT, extractor: NounExtractor | None = None
) -> list[tuple[str, int]]:
    """The `limit` most frequent nouns with how many comments mention each (ties by word)."""
    extract = extractor or default_extractor()
    counts: Counter[str] = Counter()
    for nouns in extract(texts):
        count_mentions(counts, nouns)
    return ranked(counts, limit)
