"""Where tests find payloads: our own fixtures, and the recorded samples outside the project.

`tests/fixtures/<platform>/` holds small payloads we wrote ourselves (invented Korean
content, the recorded payloads' structure and keys), so mapping tests run everywhere.
`../shared/samples/` holds real recordings that stay outside the project; a test that
needs one calls `recorded(...)`, which skips with the path when the folder is missing on
a developer's machine and fails in CI (where `CI` is set), so no CI run passes by skipping.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
"""The recorded samples (`../shared/samples` beside the checkout)."""
FIXTURES = Path(__file__).resolve().parent / "fixtures"
"""Our own scrubbed fixtures, one folder per platform."""


def recorded(*parts: str) -> Path:
    """The recorded sample at `../shared/samples/<parts>`; skip (fail in CI) when missing."""
    path = SAMPLES.joinpath(*parts)
    if path.exists():
        return path
    message = f"recorded sample {path} not found (../shared/samples is outside the project)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must provide it", pytrace=False)
    pytest.skip(message)


def recorded_json(*parts: str) -> Any:
    """A recorded JSON sample, parsed (see `recorded`)."""
    return json.loads(recorded(*parts).read_text(encoding="utf-8"))


def fixture(*parts: str) -> Path:
    """Our fixture at `tests/fixtures/<parts>`; it is part of the project, so it must exist."""
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"fixture {path} is missing from tests/fixtures")
    return path


def fixture_json(*parts: str) -> Any:
    """One of our JSON fixtures, parsed."""
    return json.loads(fixture(*parts).read_text(encoding="utf-8"))
