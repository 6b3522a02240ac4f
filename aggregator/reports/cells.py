"""Cell values safe to open in a spreadsheet (OWASP ASVS 1.2.10, CWE-1236).

CSV has no cell types, so a spreadsheet decides what a field is when it opens the
file: a text field that could read as a formula gets a `'` in front (`neutralise`),
so Excel and LibreOffice show it as text instead of evaluating it. That is a field
whose first character, after any leading whitespace (spaces, tab, newline, CR, NBSP,
ideographic space, a BOM or a zero-width space), is `=`, `+`, `-` or `@` or their
full-width forms `＝ ＋ － ＠`, or that starts an array formula `{=`, or that starts with
a tab, CR, newline or NUL at all.

XLSX cells are typed: a string cell is text whatever it starts with, so the workbook
keeps the resident's text as written (`xml_text`) and never needs the apostrophe.
Both drop the control characters XML cannot hold. Numbers and dates are written as
numbers, so a negative number stays a number.
"""

from __future__ import annotations

import re

LEADING_BLANKS = r"[\s\ufeff\u200b\u2060]*"
"""Whitespace (str `\\s`: spaces, tab, newline, CR, NBSP, U+3000, ...), BOM, zero-widths."""
FORMULA_START = r"(?:[=+\-@\uff1d\uff0b\uff0d\uff20]|\{=)"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMULA_LIKE = re.compile(rf"^(?:{LEADING_BLANKS}{FORMULA_START}|[\t\r\n\0])")
"""A field a spreadsheet could read as a formula (or that starts with a control)."""


def neutralise(value: str) -> str:
    """A CSV field: the text with a leading `'` when a spreadsheet could read it as a
    formula, without the control characters XML cannot hold."""
    if FORMULA_LIKE.match(value) is not None:
        value = "'" + value
    return xml_text(value)


def xml_text(value: str) -> str:
    """A typed text cell: the text as written, without the control characters XML
    cannot hold (a string cell never evaluates, so no `'` is needed)."""
    if CONTROL.search(value) is None:
        return value
    return CONTROL.sub("", value)
