"""Alembic environment: runs our migrations against the configured URL."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from aggregator import models  # noqa: F401  (registers the tables)
from aggregator.db import create_db_engine, include_in_autogenerate

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Run migrations in a transaction on a connection of our own engine."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_name=include_in_autogenerate,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations_online()
