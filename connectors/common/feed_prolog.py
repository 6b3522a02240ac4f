"""What comes before a feed's root element, checked before feedparser reads it.

Whitespace before the XML declaration (a common WordPress theme bug that would make
feedparser fall back to its loose parser) is dropped, silently: staff cannot fix it. Any
feed whose prolog declares entities or references an external DTD (billion laughs, XXE)
is refused: only a bare `<!DOCTYPE name>` is accepted. This scan is stricter than
defusedxml (which this project does not use) and, unlike an expat-based check, also
covers the malformed feeds that feedparser reads with its loose parser.
"""

from __future__ import annotations

import codecs
import re

from aggregator.connector import ParseError

_HARMLESS_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[^\s\[\]<>\"']+\s*>", re.IGNORECASE)


def strip_leading_whitespace(data: bytes) -> bytes:
    """Drop whitespace before the XML declaration (a common WordPress theme/plugin bug)."""
    stripped = data.lstrip(b" \t\r\n")
    return stripped if stripped.startswith(b"<?xml") else data


def check_prolog(data: bytes) -> None:
    """Reject entity declarations, internal DTD subsets and external DTDs.

    Scans everything before the root element, skipping the XML declaration,
    processing instructions and comments. Only `<!DOCTYPE name>` is allowed.

    Raises:
        ParseError: naming what was found; nothing has been parsed or fetched.
    """
    pos = 3 if data.startswith(codecs.BOM_UTF8) else 0
    while (lt := data.find(b"<", pos)) >= 0:
        if data.startswith(b"<?", lt):
            pos = _after(data, b"?>", lt + 2)
        elif data.startswith(b"<!--", lt):
            pos = _after(data, b"-->", lt + 4)
        elif data.startswith(b"<!", lt):
            pos = _check_declaration(data, lt)
        elif _is_name_start(data[lt + 1 : lt + 2]):
            return
        else:
            pos = lt + 1


def _check_declaration(data: bytes, lt: int) -> int:
    head = data[lt : lt + 9].upper()
    if head.startswith(b"<![CDATA["):
        return _after(data, b"]]>", lt + 9)
    if head.startswith(b"<!DOCTYPE"):
        harmless = _HARMLESS_DOCTYPE.match(data, lt)
        if harmless:
            return harmless.end()
        raise ParseError("feed declares a DTD (entities or an external DTD): refused, not parsed")
    if head.startswith(b"<!ENTITY"):
        raise ParseError("feed declares XML entities: refused, not parsed")
    raise ParseError("feed has an unexpected markup declaration before its root element")


def _after(data: bytes, marker: bytes, start: int) -> int:
    end = data.find(marker, start)
    return len(data) if end < 0 else end + len(marker)


def _is_name_start(char: bytes) -> bool:
    return bool(char) and (char.isalpha() or char in b"_:" or char[0] >= 0x80)
