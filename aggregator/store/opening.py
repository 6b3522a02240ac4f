"""Opening the store from config: the one place that builds a `Store` for a process.

The CLI, the scheduler, the demo and the web server all open the database the same
way: an engine with our SQLite/PostgreSQL settings, refused unless the schema is at
the head migration, the config's routing rules applied to new comments, and the
pseudonym key that tombstones are HMACs under. (Tests build `Store` directly, with a
fake clock and only the options they test.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from aggregator.connector import Clock
from aggregator.db import create_db_engine, require_current_schema
from aggregator.routing import Router
from aggregator.store import Store, utc_now

if TYPE_CHECKING:
    from aggregator.config import Settings

__all__ = ["open_engine", "open_store", "privacy_key"]


def open_engine(url: str) -> Engine:
    """An engine for `url`, checked to be at the head migration (`DatabaseError` if not)."""
    engine = create_db_engine(url)
    try:
        require_current_schema(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


def privacy_key(settings: Settings) -> str | None:
    """The key tombstones are HMACs under: the pseudonym key, when configured."""
    key = settings.reports.pseudonym_key
    return key.value if key is not None and key.value else None


def open_store(settings: Settings, *, url: str | None = None, clock: Clock = utc_now) -> Store:
    """The store on the configured database with the config's routing and pseudonym key.

    Args:
        settings: the loaded config.
        url: another database than `database.url` (the demo passes its own file).
        clock: where "now" comes from (the demo runs staff on the sandbox's clock).

    Raises:
        DatabaseError: the database is empty, behind or ahead of this version's schema.
    """
    return Store(
        open_engine(url or settings.database_url()),
        clock=clock,
        router=Router(settings.routing_rules),
        privacy_key=privacy_key(settings),
    )
