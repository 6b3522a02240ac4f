"""Personal data inside comment text: detect and mask it.

Residents write their mobile number, resident registration number, e-mail or home
address into public comments. Lists show such text masked; the full text is shown
only on request, and that request is written to the access log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PATTERNS: dict[str, re.Pattern[str]] = {
    "주민등록번호": re.compile(r"(?<!\d)\d{2}[01]\d[0-3]\d\s?-?\s?[1-8]\d{6}(?!\d)"),
    "휴대전화": re.compile(r"(?<!\d)01[016789][\s.-]?\d{3,4}[\s.-]?\d{4}(?!\d)"),
    "전화번호": re.compile(r"(?<!\d)0(?:2|[3-6][1-5])[\s.)-]?\d{3,4}[\s.-]?\d{4}(?!\d)"),
    "이메일": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    "주소": re.compile(
        r"[가-힣]{1,10}(?:로|길)(?:\s?\d{1,4}번?길)?\s?\d{1,4}(?:-\d{1,4})?"
        r"(?:\s?\d{1,4}동)?(?:\s?\d{1,5}호)?"
        r"|[가-힣]{1,10}동\s?\d{1,5}(?:-\d{1,5})?\s?번지"
    ),
}
"""Kinds of personal data, most specific first (a resident number is no phone number)."""

_MAY_HOLD = re.compile(r"[\d@]")
"""Every kind needs a digit, or an @ (e-mail): most comments have neither and are done."""

NEEDS: dict[str, re.Pattern[str]] = {
    "주민등록번호": re.compile(r"\d{6}"),
    "휴대전화": re.compile(r"\d{4}"),
    "전화번호": re.compile(r"\d{4}"),
    "이메일": re.compile(r"@"),
    "주소": re.compile(r"[로길동]\s?\d"),
}
"""What every match of each kind contains (a run of digits, an @, a road or 동 and its
number): a text without it is not searched for that kind. A sync indexes each new
comment's text outside its personal data, and most texts with a digit (a price, a
date) hold none of these, so most of the patterns' searches are skipped."""


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and where it is in the text."""

    kind: str
    start: int
    end: int


def find(text: str) -> list[Finding]:
    """Every piece of personal data in `text`, in order, never overlapping."""
    if not _MAY_HOLD.search(text):
        return []
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS.items():
        if not NEEDS[kind].search(text):
            continue
        for match in pattern.finditer(text):
            span = match.span()
            if not any(span[0] < end and start < span[1] for start, end in taken):
                taken.append(span)
                found.append(Finding(kind, *span))
    return sorted(found, key=lambda f: f.start)


def mask(text: str) -> str:
    """The text with each piece of personal data replaced by `[kind 가림]`."""
    findings = find(text)
    if not findings:
        return text
    parts = _between(text, findings)
    masked = (part + f"[{found.kind} 가림]" for part, found in zip(parts, findings, strict=False))
    return "".join(masked) + parts[-1]


def unmasked_parts(text: str) -> list[str]:
    """The text between its pieces of personal data (what the masked text still shows)."""
    return _between(text, find(text))


def _between(text: str, findings: list[Finding]) -> list[str]:
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        position = finding.end
    parts.append(text[position:])
    return parts


def kinds(text: str) -> list[str]:
    """The kinds of personal data found, without duplicates (for a badge in lists)."""
    return list(dict.fromkeys(f.kind for f in find(text)))
