"""Pseudonymised authors (PIPA Art. 3(7), 28-2): a keyed HMAC of who wrote a comment.

The key comes from the environment (config `reports.pseudonym_key`), never from the
database or the export, so a report's reader cannot reverse or recompute the
pseudonyms. The same author gets the same pseudonym within a report (and across
reports made with the same key); another key gives unrelated pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

PREFIX = "주민-"
DIGITS = 10

Pseudonymizer = Callable[[str], str]


def pseudonymizer(key: str) -> Pseudonymizer:
    """A function from an author key (`platform:id`) to its pseudonym under `key`.

    Raises:
        ValueError: when the key is shorter than 16 characters.
    """
    if len(key) < 16:
        raise ValueError("the pseudonym key must be at least 16 characters long")
    secret = key.encode("utf-8")

    def pseudonym(author_key: str) -> str:
        digest = hmac.new(secret, author_key.encode("utf-8"), hashlib.sha256).hexdigest()
        return PREFIX + digest[:DIGITS]

    return pseudonym
