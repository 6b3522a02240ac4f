"""One redaction of credentials, for URLs shown to people, error text and every log record.

Libraries log credentials at DEBUG: urllib3 the Graph token in request lines, tweepy
the bearer header, oauthlib and requests-oauthlib the X consumer key, access token and
signature (five records per signed request). A logger's filter sees only records made
on that logger, and a handler's filter only that handler's, so the redaction sits in
the log-record factory instead: every record of every logger is cleaned when it is
made, before any handler (including ones added later) sees it. It replaces each
registered secret value (also percent-encoded) and known credential shapes (token
query parameters, `Authorization` values, OAuth 1.0a parameters) with `REDACTED`.
`redact` cleans a message the same way; `redact_url` is how a URL is shown to people.

No dependency on the configuration: `aggregator.logging_setup` registers the configured
secrets; adapters register the tokens they are given.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

MASK = "REDACTED"
CREDENTIAL_SHAPES = (
    # token query/form parameters, plain or percent-encoded once (OAuth base strings)
    re.compile(
        r"(?i)\b((?:access_token|appsecret_proof|client_secret|fb_exchange_token|input_token"
        r"|refresh_token|client_key|resource_owner_key|oauth_[a-z_]+)(?:=|%3D))(?!REDACTED)[^&\s\"'<>,]+"
    ),
    # OAuth 1.0a header parameters, and oauthlib's ("oauth_x", "value") tuples
    re.compile(r"(?i)\b(oauth_[a-z_]+=\")[^\"]*"),
    re.compile(r"(?i)('oauth_[a-z_]+', ')[^']*"),
    # Authorization schemes (Bearer, Basic, OAuth header as a whole is covered above)
    re.compile(r"(?i)\b((?:Bearer|Basic)\s+)(?!REDACTED)[A-Za-z0-9._~+/=%-]+"),
    # API keys and tokens in a query string (`?key=` of Google APIs, `&token=`)
    re.compile(r"(?i)([?&](?:key|api_key|apikey|token|password)=)(?!REDACTED)[^&\s\"'<>,]+"),
)
MIN_SECRET_LENGTH = 6
"""Shorter configured values are not replaced (they would blank ordinary words)."""


class Redactor:
    """Cleans text of configured secret values and known credential shapes."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secrets: Iterable[str]) -> None:
        """Also redact these values (and their percent-encoded forms) from now on."""
        with self._lock:
            for secret in secrets:
                if len(secret) >= MIN_SECRET_LENGTH:
                    once = quote(secret, safe="")
                    self._secrets |= {secret, once, quote(once, safe="")}

    def clean(self, text: str) -> str:
        """`text` with every secret value and credential shape replaced by `REDACTED`."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        for shape in CREDENTIAL_SHAPES:
            text = shape.sub(lambda m: m.group(1) + MASK, text)
        return text


REDACTOR = Redactor()


class _RedactingFactory:
    """A log-record factory that hands out records with their text already redacted."""

    def __init__(self, inner: Any, redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own handling
            return record
        record.msg, record.args = self.redactor.clean(message), None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redactor.clean(text)
        return record


def install_redaction(redactor: Redactor = REDACTOR) -> None:
    """Make every log record pass through `redactor` when created (idempotent)."""
    current = logging.getLogRecordFactory()
    if not (isinstance(current, _RedactingFactory) and current.redactor is redactor):
        logging.setLogRecordFactory(_RedactingFactory(current, redactor))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without credential shapes, registered secrets and the given `secrets`."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return REDACTOR.clean(text)


def redact_url(url: str) -> str:
    """A URL as people see it (messages, run records): no query, fragment or user info.

    The query may carry tokens (`access_token`, `appsecret_proof`, `key`) or paging
    secrets, user info a password; the path alone says which endpoint failed.
    """
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
