"""Logging for the CLI and the scheduler, with every configured secret redacted.

The redaction itself (the log-record factory, credential shapes, `redact`, `redact_url`)
is `aggregator.redaction`, re-exported here; this module registers the secrets of the
configuration with it and sets up the handlers.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from aggregator.config import Secret, Settings
from aggregator.redaction import (
    CREDENTIAL_SHAPES,
    MASK,
    REDACTOR,
    Redactor,
    install_redaction,
    redact,
    redact_url,
)

__all__ = [
    "CREDENTIAL_SHAPES",
    "MASK",
    "REDACTOR",
    "Redactor",
    "configure_logging",
    "install_redaction",
    "protect_secrets",
    "redact",
    "redact_url",
    "secret_values",
]


def configure_logging(verbose: bool) -> None:
    """Logs go to stderr, INFO with `verbose` else WARNING; urllib3 at WARNING; redacted."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    install_redaction()


def protect_secrets(settings: Settings) -> None:
    """Redact every secret of `settings` from all later log records."""
    install_redaction()
    REDACTOR.add(secret_values(settings))


def secret_values(settings: Settings) -> list[str]:
    """Every secret value in `settings`: `{env: ...}` secrets and the database password."""
    values = [value for value in _secrets_in(settings) if value]
    password = sa.engine.make_url(settings.database_url()).password
    return values + ([str(password)] if password else [])


def _secrets_in(value: Any) -> Iterator[str]:
    if isinstance(value, Secret):
        yield value.value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _secrets_in(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secrets_in(item)
