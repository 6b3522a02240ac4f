"""Shared fixtures: migrated databases on SQLite and PostgreSQL, stores, clocks.

PostgreSQL tests run when `AGGREGATOR_TEST_PG_URL` points at a server where the
test user may create databases (`scripts/pg-test-server.sh` starts one); without
it they skip, unless `CI` is set, where a missing server is an error.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator import http, http_retry
from aggregator.db import create_db_engine, upgrade
from aggregator.store import Store

pytest_plugins = ["tests.fixtures_sandbox", "tests.fixtures_web", "tests.fixtures_notify"]

PG_URL_ENV = "AGGREGATOR_TEST_PG_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to silently skip PostgreSQL in CI."""
    if os.environ.get("CI") and not os.environ.get(PG_URL_ENV):
        raise pytest.UsageError(f"CI is set but {PG_URL_ENV} is not: PostgreSQL tests would skip")


@pytest.fixture(autouse=True, scope="session")
def _local_servers_allowed() -> Iterator[None]:
    """`HttpSettings()` may reach 127.0.0.1, where the sandbox and test servers listen.

    The one place the suite relaxes the SSRF guard; other loopback and private addresses
    stay forbidden unless a test allows them.
    """
    before = http.DEFAULT_ALLOWED_NETWORKS
    http.DEFAULT_ALLOWED_NETWORKS = (ipaddress.ip_network("127.0.0.1/32"),)
    yield
    http.DEFAULT_ALLOWED_NETWORKS = before


@pytest.fixture(autouse=True, scope="session")
def _exact_backoff() -> Iterator[None]:
    """Backoff waits without jitter unless a test's `HttpSettings` asks for it, so waits
    asserted are exact (the jitter itself is tested in tests/test_http_policy.py)."""
    before = http_retry.DEFAULT_JITTER
    http_retry.DEFAULT_JITTER = 0.0
    yield
    http_retry.DEFAULT_JITTER = before


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    engine = create_db_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL template database; skips when no server is configured."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_URL_ENV} (see scripts/pg-test-server.sh)")
    name = f"agg_tmpl_{uuid.uuid4().hex[:8]}"
    _admin(base, f'CREATE DATABASE "{name}"')
    url = _with_database(base, name)
    upgrade(url)
    yield name
    _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin(base: str, statement: str) -> None:
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on each back end."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    base = os.environ[PG_URL_ENV]
    name = f"agg_test_{uuid.uuid4().hex[:10]}"
    _admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _with_database(base, name)
    _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite database (for SQLite-only behaviour)."""
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: sa.Engine, clock: FakeClock) -> Store:
    return Store(engine, clock=clock)
