"""Migration 0010 adds the answers outbox and templates, and takes them away again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from aggregator.db import alembic_config, create_db_engine, upgrade


def _tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0010_goes_down_and_up_keeping_older_data(db_url: str) -> None:
    assert {"answer", "answer_template"} <= _tables(db_url)
    command.downgrade(alembic_config(db_url), "0009")
    tables = _tables(db_url)
    assert not {"answer", "answer_template"} & tables
    assert {"comment", "review", "review_event"} <= tables
    upgrade(db_url)
    assert {"answer", "answer_template"} <= _tables(db_url)
