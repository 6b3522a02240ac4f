"""An answer as it will appear on its platform, and the platform's length limit.

Each platform declares its rule once (`connectors.spec.AnswerRule` on its spec's
`answering`); these pure functions apply it, mirrored by `aggregator/web/static/answers.js`
(the live counter, which reads the same rule from the answer box's `data-*`), so the
count staff see while typing is the count the server checks:

- `x_weighted` (X): a reply carries the resident's @mention (`mention`), so the text shown
  is `@handle text` and the count includes it. The count is twitter-text v3's weighted
  length of the NFC text: code points U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and
  U+2032-U+2037 weigh 1, every other code point 2 (Hangul and CJK), an emoji sequence
  (ZWJ sequence, skin tone, flag, keycap, variation selector) 2 as a whole, a URL 23
  whatever its length; at most 280.
- `chars`: code points (Facebook 8,000, Instagram 2,200, YouTube 10,000).
- `bytes`: UTF-8 bytes (WordPress 65,525: its `comment_content` column).
- Platforms without a declared rule (Naver Blog, Tistory, Pinterest, hand-entered
  comments' platforms): posted by hand, no limit the product knows of (`MANUAL`).

URLs are found as twitter-text finds them, simplified: with `http(s)://`, or a domain
under a generic TLD or a two-letter country code (without a scheme, a bare
`name.cc` needs a path, as twitter-text requires).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from aggregator.answers.states import AnswerError
from connectors.registry import PLATFORMS
from connectors.spec import AnswerRule

X_URL_WEIGHT = 23
LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
"""Code points X counts as one; everything else counts two (twitter-text v3 config)."""
GENERIC_TLDS = frozenset({
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "asia",
    "app", "dev", "io", "xyz", "site", "online", "shop", "blog", "news", "kim", "seoul",
    "busan", "korea",
})  # fmt: skip
"""Generic TLDs a bare domain may end in (any two letters stand for a country code)."""
URL = re.compile(
    r"(?<![A-Za-z0-9@$#_.\-/])"
    r"(https?://)?"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+([A-Za-z]{2,}))"
    r"(?::[0-9]{1,5})?"
    r"(/[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%|]*)?"
)
URL_END = re.compile(r"[^A-Za-z0-9=_#/+\-]+$")
"""Trailing punctuation that ends a sentence, not the URL."""
ZWJ = 0x200D
VARIATION = (0xFE0E, 0xFE0F)
KEYCAP = 0x20E3
SKIN_TONES = (0x1F3FB, 0x1F3FF)
TAGS = (0xE0020, 0xE007F)
REGIONAL = (0x1F1E6, 0x1F1FF)
TEXT_STYLE_EMOJI = frozenset({0x00A9, 0x00AE})
"""Emoji only with U+FE0F after them (otherwise the copyright and registered signs)."""


Rule = AnswerRule
"""How one platform shows and limits an answer (declared on its platform spec)."""


def _declared(platform: str) -> Rule:
    answering = PLATFORMS[platform].answering
    assert answering is not None, f"{platform} declares no answer rule"
    return answering.rule


X = _declared("twitter")
FACEBOOK = _declared("facebook")
WORDPRESS = _declared("blog")
MANUAL = Rule("manual", "직접 게시", None)
LONGEST_INPUT = max(
    MANUAL.input_max,
    *(s.answering.rule.input_max for s in PLATFORMS.values() if s.answering is not None),
)
"""The longest answer any platform's answer box takes (characters)."""


@dataclass(frozen=True)
class Preview:
    """An answer as the resident will see it, and its count under the platform's rule."""

    rule: Rule
    shown: str
    length: int

    @property
    def over(self) -> bool:
        """The platform would refuse it."""
        return self.rule.limit is not None and self.length > self.rule.limit

    @property
    def message(self) -> str | None:
        """The Korean refusal naming count and limit, or None when it fits."""
        if not self.over:
            return None
        rule = self.rule
        return (
            f"{rule.label} 답변이 너무 깁니다: {self.length:,}{rule.unit} "
            f"(최대 {rule.limit:,}{rule.unit})"
        )


def rule_for(platform: str, external_id: str) -> Rule:
    """The rule for a comment of `platform` (its spec's `answering`, for the comments it
    applies to: WordPress's `wp:` ids on the blog platform), else `MANUAL`."""
    spec = PLATFORMS.get(platform)
    answering = spec.answering if spec is not None else None
    if answering is None or not answering.applies_to(external_id):
        return MANUAL
    return answering.rule


def preview(rule: Rule, text: str, handle: str | None = None) -> Preview:
    """`text` as it will appear under `rule` (after the resident's @mention where the
    rule says replies carry one: X)."""
    shown = unicodedata.normalize("NFC", text)
    mention = (handle or "").strip().lstrip("@")
    if rule.mention and mention:
        shown = f"@{mention} {shown}"
    return Preview(rule, shown, measure(rule, shown))


def check(rule: Rule, text: str, handle: str | None = None) -> Preview:
    """The preview; `AnswerError` with the count and the limit when it is too long."""
    shown = preview(rule, text, handle)
    if shown.message is not None:
        raise AnswerError(shown.message)
    return shown


def measure(rule: Rule, shown: str) -> int:
    """The count the platform limits."""
    if rule.measure == "x_weighted":
        return x_weighted_length(shown)
    if rule.measure == "bytes":
        return len(shown.encode("utf-8"))
    return len(shown)


def x_weighted_length(text: str) -> int:
    """twitter-text v3's weighted length of `text` (NFC first)."""
    text = unicodedata.normalize("NFC", text)
    urls = dict(url_spans(text))
    total, i = 0, 0
    while i < len(text):
        if i in urls:
            total, i = total + X_URL_WEIGHT, urls[i]
            continue
        end = emoji_end(text, i)
        if end > i:
            total, i = total + 2, end
            continue
        total, i = total + _weight(ord(text[i])), i + 1
    return total


def url_spans(text: str) -> list[tuple[int, int]]:
    """Where the URLs X would link in `text` start and end (trailing punctuation left
    out)."""
    found = []
    for match in URL.finditer(text):
        scheme, host, tld, path = match.group(1), match.group(2), match.group(3), match.group(4)
        two_letter = len(tld) == 2
        if not two_letter and tld.lower() not in GENERIC_TLDS:
            continue
        if not scheme and not path and two_letter and host.count(".") == 1:
            continue
        trimmed = URL_END.search(match.group(0)) if path else None
        end = match.end() - (len(trimmed.group(0)) if trimmed else 0)
        found.append((match.start(), end))
    return found


def emoji_end(text: str, start: int) -> int:
    """Where the emoji sequence starting at `start` ends (`start` when there is none)."""
    first = ord(text[start])
    if _in(first, REGIONAL):
        pair = start + 1 < len(text) and _in(ord(text[start + 1]), REGIONAL)
        return start + (2 if pair else 1)
    if text[start] in "0123456789#*":
        end = start + 1 + (_at(text, start + 1) == VARIATION[1])
        return end + 1 if _at(text, end) == KEYCAP else start
    end = _element_end(text, start)
    while end > start and _at(text, end) == ZWJ:
        after = _element_end(text, end + 1)
        if after == end + 1:
            break
        end = after
    return end


def _element_end(text: str, start: int) -> int:
    """The end of one pictograph with its modifiers, or `start` when none begins there."""
    if start >= len(text) or not _pictographic(ord(text[start])):
        return start
    end = start + 1
    if _at(text, end) in VARIATION:
        end += 1
    elif ord(text[start]) in TEXT_STYLE_EMOJI:
        return start
    if _in(_at(text, end), SKIN_TONES):
        end += 1
    while _in(_at(text, end), TAGS):
        end += 1
    return end


def _pictographic(code: int) -> bool:
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2190 <= code <= 0x2BFF
        or code in TEXT_STYLE_EMOJI
        or code in (0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299)
    )


def _weight(code: int) -> int:
    return 1 if any(low <= code <= high for low, high in LIGHT_RANGES) else 2


def _at(text: str, index: int) -> int:
    return ord(text[index]) if index < len(text) else -1


def _in(code: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= code <= bounds[1]
