"""A feed body's encoding, made UTF-8 before feedparser reads it.

Korean legacy encodings (EUC-KR and its superset CP949, however labelled), UTF-16/32 and
EBCDIC are transcoded to UTF-8, because feedparser turns CP949-only syllables in a feed
labelled EUC-KR into windows-1252 mojibake; a body that is not valid in its encoding (a
cut or damaged body) is refused rather than decoded into mojibake.
"""

from __future__ import annotations

import codecs
import logging
import re

from aggregator.connector import ParseError

log = logging.getLogger(__name__)

KOREAN_LEGACY = frozenset(
    {"euc-kr", "euckr", "euc_kr", "cp949", "ms949", "uhc", "windows-949", "x-windows-949"}
    | {"ks_c_5601-1987", "ks_c_5601", "ksc5601", "ksc_5601", "korean", "ks_x_1001"}
)
_SIGNATURES = (
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"\x4c\x6f\xa7\x94", "cp037"),
)
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_TEXT_DECL_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")


def normalise_encoding(content: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """Transcode UTF-16/32, EBCDIC and Korean legacy encodings to UTF-8; check UTF-8.

    A feed labelled EUC-KR (or any CP949 alias) by its `Content-Type` charset or XML
    declaration is decoded as CP949 (a superset), unless the bytes are valid UTF-8.
    A feed labelled UTF-8 (or not labelled at all) must be valid UTF-8. Other feeds are
    returned unchanged for feedparser's own detection.

    Returns:
        The (possibly new) bytes and `Content-Type`.

    Raises:
        ParseError: the bytes are not valid in the feed's encoding (a cut or damaged
            body): refused rather than decoded into mojibake or replacement characters.
    """
    source = _source_encoding(content, content_type)
    if source is None:
        _check_utf8(content, content_type)
        return content, content_type
    text = _decoded(content, source)
    text = _TEXT_DECL_ENCODING.sub(r'\1"utf-8"', text.lstrip("\ufeff"), count=1)
    log.debug("transcoded feed from %s to utf-8", source)
    return text.encode("utf-8"), _with_utf8_charset(content_type)


def _source_encoding(content: bytes, content_type: str | None) -> str | None:
    for signature, encoding in _SIGNATURES:
        if content.startswith(signature):
            return encoding
    labels = {_charset(content_type), _xml_declared_encoding(content)}
    if not labels & KOREAN_LEGACY:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "cp949"
    return "utf-8-sig"


def _decoded(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(_undecodable(encoding, exc)) from None


def _check_utf8(content: bytes, content_type: str | None) -> None:
    label = _charset(content_type) or _xml_declared_encoding(content) or "utf-8"
    if label.replace("_", "-") in ("utf-8", "utf8"):
        _decoded(content, "utf-8")


def _undecodable(encoding: str, exc: UnicodeDecodeError) -> str:
    shown = "UTF-8" if encoding.startswith("utf-8") else encoding
    return (
        f"feed is not valid {shown} (bad bytes at offset {exc.start}; a cut or damaged "
        "body): refused, nothing stored"
    )


def _charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'").lower()
    return None


def _xml_declared_encoding(content: bytes) -> str | None:
    match = _XML_DECL_ENCODING.match(content[:512].lstrip(codecs.BOM_UTF8))
    return match.group(1).decode("ascii").lower() if match else None


def _with_utf8_charset(content_type: str | None) -> str:
    media = (content_type or "application/xml").split(";", 1)[0].strip() or "application/xml"
    return f"{media}; charset=utf-8"
