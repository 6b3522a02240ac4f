"""Engines and transactions: SQLite (WAL, busy timeout, BEGIN IMMEDIATE) and PostgreSQL.

Write transactions go through `write_transaction`, which on SQLite starts with
`BEGIN IMMEDIATE`: the write lock is taken up front, so a transaction never has to
upgrade a read lock (the upgrade is what fails with "database is locked" even with a
busy timeout). Readers use plain deferred transactions and, in WAL mode, never wait
for the writer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:  # alembic is imported where used: ~10 MB no engine-only process needs
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
IMMEDIATE = "aggregator_begin_immediate"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be opened or is not at the expected schema version."""


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for a SQLAlchemy URL, with our SQLite settings where it applies."""
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # psycopg prepares a statement after 5 runs and keeps its generic plan; a long
    # backfill then keeps a plan made when the table was empty (a re-sync measured 14x
    # slower). Batch upserts gain nothing from prepared plans: never prepare.
    psycopg3 = sa.engine.make_url(url).drivername == "postgresql+psycopg"
    connect_args = {"prepare_threshold": None} if psycopg3 else {}
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _ensure_sqlite_dir(url: str) -> None:
    database = sa.engine.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (see `_on_begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside a write transaction; commits on success, rolls back on error."""
    with engine.connect() as connection:
        connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            yield connection


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reading (deferred transaction, never blocks the writer in WAL)."""
    with engine.connect() as connection:
        yield connection


def include_in_autogenerate(name: str | None, type_: str, _parents: Any) -> bool:
    """Leave the search index out of model comparisons: it is built by raw DDL per back
    end (an FTS5 virtual table and its shadow tables on SQLite, tsvector on PostgreSQL)."""
    return not (type_ == "table" and (name or "").startswith("comment_search"))


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic config pointing at our migrations and `url` (no alembic.ini needed)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@dataclass(frozen=True)
class Upgrade:
    """The schema a database was at before `upgrade` (None: empty) and after it."""

    before: str | None
    after: str | None

    def describe(self) -> str:
        """What happened, for a person: created, upgraded or already up to date."""
        if self.before is None:
            return f"database created (schema {self.after})"
        if self.before == self.after:
            return f"database already up to date (schema {self.after})"
        return f"database upgraded from schema {self.before} to {self.after}"


def upgrade(url: str, revision: str = "head") -> Upgrade:
    """Create the database or migrate it in place to `revision`."""
    from alembic import command

    before = _revision_at(url)
    command.upgrade(alembic_config(url), revision)
    return Upgrade(before, _revision_at(url))


def _revision_at(url: str) -> str | None:
    engine = create_db_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest migration shipped with this version of the code."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise DatabaseError("no migrations found")
    return head


def known_revisions() -> set[str]:
    """Every migration shipped with this version of the code."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {script.revision for script in scripts.walk_revisions()}


def require_current_schema(engine: Engine) -> None:
    """Raise `DatabaseError` with the fix when the database is not at the head migration."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is not None and current not in known_revisions():
        raise DatabaseError(
            f"database is at schema {current}, newer than this version knows (up to {head}):"
            " run a newer version of the aggregator"
        )
    found = "is empty (no schema yet)" if current is None else f"is at schema {current}"
    raise DatabaseError(f"database {found}, this version needs {head}: run `aggregator db upgrade`")
