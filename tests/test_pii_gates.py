"""`pii.find` skips a kind's pattern when the text lacks what every match of it holds
(`pii.NEEDS`): the findings must be exactly those of running every pattern."""

from __future__ import annotations

import random

from aggregator import pii

PIECES = (
    "0", "1", "2", "5", "9", "01", "010", "02", "031", "900101", "1234567", "3833", "-",
    " ", ".", ")", "@", "a", "Z", "_", "%", "+", "com", "kr", "로", "길", "동", "번", "번지",
    "호", "한빛", "중앙", "가", "주민", "\u3000", "\n", "원", ",",
)  # fmt: skip


def every_pattern(text: str) -> list[pii.Finding]:
    """The findings without any gate (the patterns in order, never overlapping)."""
    found: list[pii.Finding] = []
    for kind, pattern in pii.PATTERNS.items():
        for match in pattern.finditer(text):
            start, end = match.span()
            if not any(start < e and s < end for s, e in ((f.start, f.end) for f in found)):
                found.append(pii.Finding(kind, start, end))
    return sorted(found, key=lambda f: f.start)


def test_the_gates_never_change_a_finding() -> None:
    rng = random.Random(20261206)
    texts = ["".join(rng.choices(PIECES, k=rng.randint(1, 24))) for _ in range(30_000)]
    texts += [
        "제 번호 010-0195-9871 입니다", "900101 - 1234567", "02)2670-3114", "kim.a@x.co.kr",
        "한빛로 12", "한빛로12번길 3-1 101동 1203호", "미리내동 123-4 번지", "한빛로\u30001",
    ]  # fmt: skip
    found_any = 0
    for text in texts:
        expected = every_pattern(text)
        assert pii.find(text) == expected, text
        found_any += bool(expected)
    assert found_any > 1000  # the corpus does hold personal data of every sort
    kinds = {f.kind for text in texts for f in every_pattern(text)}
    assert kinds == set(pii.PATTERNS)
