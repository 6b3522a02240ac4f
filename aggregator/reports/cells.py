"""Cell values safe to open in a spreadsheet (OWASP ASVS 1.2.10, CWE-1236).

A text cell whose first character (after leading spaces) is `=`, `+`, `-`, `@`, a
tab, a carriage return or a NUL, or that starts an array formula `{=`, gets a `'`
in front, so Excel and LibreOffice show it as text instead of evaluating it. Only
text columns go through here: numbers and dates are written as numbers, so a
negative number stays a number. Control characters XML cannot hold are dropped.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNSAFE = re.compile(r"^[ \u3000]*(?:[=+\-@\t\r\0]|\{=)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Anything `neutralise` would change: one search decides for the many safe cells."""


def neutralise(value: str) -> str:
    """The text with a leading `'` when a spreadsheet could read it as a formula."""
    if UNSAFE.search(value) is None:
        return value
    stripped = value.lstrip(" \u3000")
    if value.startswith(TRIGGERS) or stripped.startswith(TRIGGERS) or stripped.startswith("{="):
        value = "'" + value
    return CONTROL.sub("", value.replace("\0", ""))
