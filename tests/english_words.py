"""Find English words a staff member would read on a page (the Korean-UI check).

`english_words(html)` returns the English words in what a browser shows: text nodes
and the attributes people read (placeholder, title, aria-label, alt, button values),
outside <script>/<style>. Not counted: text residents wrote (elements with a class in
`RESIDENT_CLASSES`), URLs, identifiers (words joined to digits, `_`, `-`, `.`, `@`,
`:`), single letters (keyboard keys) and the names in `ALLOWED`. Run it over any page:
`assert english_words(response.text) == []`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

ALLOWED = frozenset(
    {
        # products and platforms
        "Facebook", "X", "WordPress", "Naver", "Pinterest", "Tistory", "Instagram",
        "YouTube", "Excel", "Slack",
        # file formats and abbreviations Korean offices write in Latin letters
        "CSV", "XLSX", "PDF", "HTML", "SNS", "KST", "ID", "URL", "IP", "SMTP", "UTF",
        "BOM", "PIPA", "MOIS",
    }
)  # fmt: skip
RESIDENT_CLASSES = frozenset({"text", "author", "subject", "tag", "resident", "verbatim"})
"""Elements holding what residents (or the platform) wrote, or data shown verbatim (a
generated password): never our words."""
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                  "meta", "source", "track", "wbr"})  # fmt: skip
URL = re.compile(r"(?:https?|javascript|data|mailto):\S*", re.IGNORECASE)
WORD = re.compile(r"(?<![\w@./:#\-'])[A-Za-z]{2,}(?![\w@./:\-'])")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.seen: list[str] = []

    @property
    def hidden(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        skip = tag in ("script", "style") or bool(classes & RESIDENT_CLASSES)
        if not (self.hidden or skip):
            self.seen += [values[name] or "" for name in READ_ATTRIBUTES if values.get(name)]
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.seen.append(values.get("value") or "")
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.seen.append(data)


def english_words(page: str, allowed: Iterable[str] = ()) -> list[str]:
    """The English words a reader of `page` (HTML or plain text) would see."""
    reader = _Reader()
    reader.feed(page)
    reader.close()
    ok = ALLOWED | set(allowed)
    found: list[str] = []
    for text in reader.seen:
        for word in WORD.findall(URL.sub(" ", text)):
            if word not in ok and word not in found:
                found.append(word)
    return found
