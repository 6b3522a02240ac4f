"""What the report's fonts can draw, and how wide it is.

The report draws in a Korean font (NanumGothic) with DejaVu Sans as a fallback for
what it lacks (emoji such as 😀, arrows, dingbats): matplotlib picks, character by
character, the first font of the family list that has a glyph. A character neither
font has is replaced by `PLACEHOLDER` before drawing, so the page never shows an
empty box and matplotlib never warns about a missing glyph. Invisible joiners and
variation selectors (the parts of 👍🏻 or ❤️ that only tune an emoji) are dropped.

`Fonts.width` measures text from the fonts' advance widths (no renderer), which is
what wrapping long lines inside the page margin needs, quickly, for thousands of lines.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

FALLBACK_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
PLACEHOLDER = "?"
DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
"""Format characters (zero-width joiners, BOM) and combining marks that no font draws on
their own; Hangul jamo are not among them (they are `Lo`)."""


def fallback_font() -> Path | None:
    """DejaVu Sans when installed (Debian's fonts-dejavu-core), else None."""
    return next((path for path in FALLBACK_CANDIDATES if path.is_file()), None)


class _Metrics:
    """One font's character map and advance widths (in em units)."""

    def __init__(self, path: Path) -> None:
        font = TTFont(str(path), lazy=True)
        try:
            self.cmap: dict[int, str] = dict(font.getBestCmap())
            self.advances = {name: advance for name, (advance, _) in font["hmtx"].metrics.items()}
            self.units = float(font["head"].unitsPerEm)
        finally:
            font.close()

    def advance(self, code: int) -> float | None:
        """The character's advance in em, None when the font has no glyph for it."""
        name = self.cmap.get(code)
        if name is None:
            return None
        return float(self.advances.get(name, 0)) / self.units


@lru_cache(maxsize=8)
def _metrics(path: Path) -> _Metrics:
    return _Metrics(path)


class Fonts:
    """The Korean font and its fallback, as the report draws them."""

    def __init__(self, korean: Path, fallback: Path | None = None) -> None:
        self.korean, self.fallback = korean, fallback
        self._chain = [_metrics(korean)] + ([_metrics(fallback)] if fallback else [])
        self._em: dict[str, float | None] = {}

    @property
    def paths(self) -> list[Path]:
        """The fonts in the order matplotlib tries them."""
        return [self.korean] + ([self.fallback] if self.fallback else [])

    def printable(self, text: str) -> str:
        """`text` with what no font can draw replaced (`PLACEHOLDER`) or dropped
        (joiners, variation selectors); line breaks and tabs become spaces."""
        out = []
        for char in text:
            if char in "\r\n\t":
                out.append(" ")
            elif unicodedata.category(char) in DROPPED_CATEGORIES or _selector(char):
                continue
            else:
                out.append(char if self._em_of(char) is not None else PLACEHOLDER)
        return "".join(out)

    def width(self, text: str, size: float) -> float:
        """The width of printable `text` at `size` points, in points."""
        return sum(self._em_of(char) or 0.5 for char in text) * size

    def _em_of(self, char: str) -> float | None:
        if char in self._em:
            return self._em[char]
        code = ord(char)
        em = next((a for m in self._chain if (a := m.advance(code)) is not None), None)
        if code < 0x20 or 0x7F <= code < 0xA0:
            em = None  # control characters have glyphs in some fonts, never on a page
        self._em[char] = em
        return em


def _selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0x1F3FB <= code <= 0x1F3FF


def wrap(fonts: Fonts, text: str, size: float, width: float) -> list[str]:
    """`text` (printable) broken into lines no wider than `width` points: at spaces
    where it can, inside a word (Korean breaks anywhere) where a word is too long."""
    lines: list[str] = []
    line, used = "", 0.0
    space = fonts.width(" ", size)
    for word in text.split(" "):
        wide = fonts.width(word, size)
        if line and used + space + wide <= width:
            line, used = f"{line} {word}", used + space + wide
            continue
        if line:
            lines.append(line)
        line, used = "", 0.0
        for char in word:
            step = fonts.width(char, size)
            if line and used + step > width:
                lines.append(line)
                line, used = "", 0.0
            line, used = line + char, used + step
    if line or not lines:
        lines.append(line)
    return [line.rstrip() for line in lines]
