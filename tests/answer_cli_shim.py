"""`python -m tests.answer_cli_shim answers send ...`: the real `aggregator` command with
`connectors.writers` standing for the test platform's writer (`tests.answer_platform`)."""

from __future__ import annotations

import sys
import types

from tests import answer_platform

module = types.ModuleType("connectors.writers")
module.writer_for = answer_platform.writer_for  # type: ignore[attr-defined]
sys.modules["connectors.writers"] = module

from aggregator.cli import app  # noqa: E402

app(prog_name="aggregator")
