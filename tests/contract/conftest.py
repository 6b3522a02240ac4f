"""Fixtures of the contract suite: one case per parameter, harnesses on fresh databases."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aggregator.sandbox import Sandbox
from tests.contract.cases import CASES, ContractCase
from tests.contract.harness import Harness

HarnessFactory = Callable[[], Harness]


@pytest.fixture(params=CASES, ids=[c.id for c in CASES])
def case(request: pytest.FixtureRequest) -> ContractCase:
    """Each platform's way of being read, in turn."""
    param: ContractCase = request.param
    return param


@pytest.fixture
def open_harness(
    case: ContractCase, sandbox: Sandbox, sqlite_template: Path, tmp_path: Path
) -> Iterator[HarnessFactory]:
    """Harnesses for `case` against `sandbox`, each on its own fresh SQLite database."""
    opened: list[Harness] = []

    def factory() -> Harness:
        path = tmp_path / f"contract-{len(opened)}.db"
        shutil.copy(sqlite_template, path)
        opened.append(Harness.open(case, sandbox, f"sqlite:///{path}"))
        return opened[-1]

    yield factory
    for harness in opened:
        harness.close()


@pytest.fixture
def harness(open_harness: HarnessFactory) -> Harness:
    """One harness for `case` on a fresh database."""
    return open_harness()
