"""Migrations: `db upgrade` builds the schema the models describe, on both back ends."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from aggregator import models  # noqa: F401  (registers the tables)
from aggregator.db import (
    DatabaseError,
    create_db_engine,
    head_revision,
    include_in_autogenerate,
    require_current_schema,
    upgrade,
)


def test_migration_head_matches_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_in_autogenerate}
            ),
            SQLModel.metadata,
        )
    assert diff == []


def test_upgrade_is_idempotent_and_reaches_head(db_url: str) -> None:
    upgrade(db_url)
    engine = create_db_engine(db_url)
    require_current_schema(engine)
    engine.dispose()


def test_an_empty_database_asks_for_db_upgrade(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/empty.db")
    with pytest.raises(
        DatabaseError, match=f"needs {head_revision()}: run `aggregator db upgrade`"
    ):
        require_current_schema(engine)
    engine.dispose()
