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

from aggregator.pii import mask

log = logging.getLogger(__name__)

STOPWORDS = frozenset(
    {
        # greetings, thanks and politeness
        "안녕", "감사", "수고", "부탁", "죄송", "실례", "인사", "말씀", "고생", "다행",
        # titles and the office itself
        "담당자", "담당", "공무원", "직원", "주무관", "팀장", "과장", "국장", "구청장", "구청",
        "구민", "주민", "시민", "관계자", "선생", "여러분", "청장",
        # the civic boilerplate of asking and answering
        "전화", "연락", "문의", "민원", "확인", "답변", "답장", "요청", "질문", "내용", "관련",
        "해결", "처리", "검토", "조치", "안내", "부분", "사항", "경우", "문제", "의견", "건의",
        # time and vague words
        "생각", "정도", "오늘", "이번", "지금", "요즘", "매번", "계속", "때문", "정말", "진짜",
        "우리", "저희", "이거", "그거", "무엇", "하루", "사람", "지난번",
        # where to look it up
        "누리집", "홈페이지", "링크", "게시물", "댓글",
    }
)  # fmt: skip
"""Built-in stop words: greetings, titles and the words every civic comment uses, so the
top topics are what residents write about (`reports.topic_stop_words` adds more). The
fallback keeps whole words, so it also needs their common inflected forms."""
STOP_FORMS = frozenset(
    {
        "안녕하세요", "감사합니다", "감사해요", "수고하세요", "수고하십니다", "부탁드립니다",
        "부탁드려요", "문의드립니다", "확인해", "확인해주세요", "답변해", "연락주세요",
        "죄송합니다", "궁금합니다",
    }
)  # fmt: skip
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
    # Without the default (Wikipedia proper nouns) and multi-word dictionaries the model
    # takes ~270 MB instead of ~530 MB; common nouns, all the topics need, are unchanged.
    # One analysis thread: a background job, it leaves the other cores to the web server.
    kiwi = Kiwi(num_workers=1, load_default_dict=False, load_multi_dict=False)

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


def stop_words(extra: Iterable[str] = ()) -> frozenset[str]:
    """The built-in stop words and forms plus the configured `extra` ones."""
    return STOPWORDS | STOP_FORMS | frozenset(word.strip() for word in extra)


def count_mentions(
    counts: Counter[str], nouns: Iterable[str], stop: frozenset[str] | None = None
) -> set[str]:
    """Add one comment's nouns to `counts`, each noun once, stop words left out; return
    the nouns counted."""
    counted = set(nouns) - (STOPWORDS | STOP_FORMS if stop is None else stop)
    counts.update(counted)
    return counted


def ranked(counts: Counter[str], limit: int = TOPIC_LIMIT) -> list[tuple[str, int]]:
    """The `limit` most mentioned nouns with their counts (ties by word)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def top_topics(
    texts: Sequence[str],
    limit: int = TOPIC_LIMIT,
    extractor: NounExtractor | None = None,
    stop: frozenset[str] | None = None,
) -> list[tuple[str, int]]:
    """The `limit` most frequent nouns with how many comments mention each (ties by word)."""
    extract = extractor or default_extractor()
    counts: Counter[str] = Counter()
    for nouns in extract(texts):
        count_mentions(counts, nouns, stop)
    return ranked(counts, limit)


SAMPLE_CHARS = 80
"""A topic's sample comment is at most this long (ellipses included)."""
SAMPLE_SOURCE = 200
"""Comments up to this long are preferred as samples; a longer one is kept cut short."""


def _cut(text: str) -> str:
    """A long text's first `SAMPLE_SOURCE` characters without the last, possibly cut,
    word (so no half of a phone number escapes the masking)."""
    head = text[:SAMPLE_SOURCE]
    return head.rsplit(maxsplit=1)[0] if " " in head.strip() else head


def sample_text(text: str, word: str, limit: int = SAMPLE_CHARS) -> str:
    """`text` with personal data masked, on one line, as a window of at most `limit`
    characters around the first place `word` occurs (ellipses where cut)."""
    line = " ".join(mask(text).split())
    if len(line) <= limit:
        return line
    at = max(0, line.find(word) - 20)
    if at == 0:
        return line[: limit - 1] + "…"
    window = line[at : at + limit - 2]
    return "…" + window + ("…" if at + len(window) < len(line) else "")


class TopicSamples:
    """One comment per noun to show as its topic's sample: the first comment of report
    order that mentions it, preferring comments of at most `SAMPLE_SOURCE` characters.
    Holds one text per distinct noun (the month's vocabulary), never the month."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._short: set[str] = set()

    def add(self, nouns: Iterable[str], text: str) -> None:
        """Offer one comment's text as the sample of each of its (counted) nouns."""
        short = len(text) <= SAMPLE_SOURCE
        for noun in nouns:
            if noun in self._short:
                continue
            if short:
                self._texts[noun] = text
                self._short.add(noun)
            elif noun not in self._texts:
                self._texts[noun] = _cut(text)

    def sample(self, word: str) -> str:
        """The masked sample of `word` (empty when no comment mentioned it)."""
        text = self._texts.get(word)
        return sample_text(text, word) if text else ""
