"""Free text typed or imported by staff: length limits and control characters.

One place says what a stored free-text value may hold, so every entry path (CLI, CSV
import, web forms) refuses or cleans the same things: C0 control characters (NUL,
ESC, ...) and DEL are never stored; only multi-line fields keep tab and line breaks
(CRLF and CR become LF, as browsers send CRLF from a textarea).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MULTI_LINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"[\t\n\r]+")


def normalise(value: str, multiline: bool) -> str:
    """`value` stripped, with CRLF and CR turned into LF in a multi-line field."""
    value = value.strip()
    return value.replace("\r\n", "\n").replace("\r", "\n") if multiline else value


@dataclass(frozen=True)
class TextProblem:
    """Why a value may not be stored: too long (`length` over `limit`) or holding the
    control character `code` at `position` (1-based)."""

    limit: int
    length: int = 0
    code: int | None = None
    position: int = 0

    @property
    def english(self) -> str:
        """The problem in English (CLI messages)."""
        if self.code is None:
            return f"is longer than {self.limit} characters ({self.length})"
        return f"contains the control character U+{self.code:04X} at position {self.position}"

    @property
    def korean(self) -> str:
        """The problem in Korean (web pages)."""
        if self.code is None:
            return f"{self.limit}자를 넘습니다 ({self.length}자)"
        return f"{self.position}번째 글자에 쓸 수 없는 제어 문자(U+{self.code:04X})가 있습니다"


def check(value: str, limit: int, multiline: bool = False) -> TextProblem | None:
    """What is wrong with `value` (already normalised), or None when it may be stored."""
    if len(value) > limit:
        return TextProblem(limit, length=len(value))
    control = (MULTI_LINE_CONTROL if multiline else SINGLE_LINE_CONTROL).search(value)
    if control is not None:
        return TextProblem(limit, code=ord(control.group()), position=control.start() + 1)
    return None


def problem(value: str, limit: int, multiline: bool = False) -> str | None:
    """What is wrong with `value` (already normalised), in English, or None."""
    found = check(value, limit, multiline)
    return found.english if found else None


def clean(value: str, limit: int, multiline: bool = False) -> str:
    """`value` normalised, without the control characters it may not hold, cut at `limit`."""
    value = normalise(value, multiline)
    if not multiline:
        value = LINE_BREAKS.sub(" ", value)
    pattern = MULTI_LINE_CONTROL if multiline else SINGLE_LINE_CONTROL
    return pattern.sub("", value).strip()[:limit]
