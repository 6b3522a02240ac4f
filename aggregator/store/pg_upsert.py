"""The PostgreSQL batch upsert as one `INSERT ... SELECT FROM unnest(...)` per batch.

SQLAlchemy's executemany sends one `INSERT ... ON CONFLICT` per row. The engine never
prepares statements (see `aggregator.db`), so the server parsed and planned the
24-column upsert once per row, and SQLAlchemy processed every row's parameters one by
one: together about three quarters of an ingest batch's time. Here each column travels
as one array, converted by SQLAlchemy's own bind processor for that column (so the
stored values are the ones SQLAlchemy's statement stores), and the server plans one
statement per batch. `RETURNING` gives the ids, saving the query that looked them up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class PgPlan:
    """The upsert as driver SQL, with each column's bind processor looked up once."""

    sql: str
    keys: tuple[str, ...]
    processors: tuple[Converter | None, ...]
    constants: tuple[Any, ...]
    """Bound values of the Python-side scalar defaults of the columns rows leave out."""

    def parameters(self, rows: Sequence[dict[str, Any]]) -> tuple[Any, ...]:
        """The defaults' values, then one list per column (in the statement's order)."""
        arrays: list[list[Any]] = []
        for key, process in zip(self.keys, self.processors, strict=True):
            values = [row[key] for row in rows]
            arrays.append(values if process is None else [process(v) for v in values])
        return (*self.constants, *arrays)

    def execute(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
        """Upsert `rows` (unique keys); return the stored id of each, by external id."""
        result = conn.exec_driver_sql(self.sql, self.parameters(rows))
        return {str(key): int(value) for key, value in result}


class _Unmodelled(Exception):
    """A column that `pg_plan` cannot send as an array the way SQLAlchemy binds it."""


@lru_cache(maxsize=64)
def pg_plan(
    dialect: sa.Dialect, table: sa.Table, keys: tuple[str, ...], update_columns: tuple[str, ...]
) -> PgPlan | None:
    """The upsert of `table` on `(platform, external_id)` as one unnest statement, or None
    (use SQLAlchemy's) when a column has a default or type this does not reproduce, or
    the driver is not psycopg (3), whose `%b` binary parameters this uses."""
    quote = dialect.identifier_preparer.quote
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update_columns)
    tail = (
        f" ON CONFLICT ({quote('platform')}, {quote('external_id')}) DO UPDATE SET {updates}"
        f" RETURNING {quote('external_id')}, {quote('id')}"
    )
    return pg_insert_plan(dialect, table, keys, tail)


@lru_cache(maxsize=64)
def pg_insert_plan(
    dialect: sa.Dialect, table: sa.Table, keys: tuple[str, ...], tail: str = ""
) -> PgPlan | None:
    """`INSERT INTO table (keys) SELECT FROM unnest(one array per key)` + `tail` (an
    `ON CONFLICT` / `RETURNING` clause), or None as for `pg_plan`."""
    if dialect.driver != "psycopg":
        return None
    if any(c.onupdate is not None or c.server_onupdate is not None for c in table.c):
        return None
    try:
        arrays = [f"%b::{_array_type(dialect, table.c[key])}" for key in keys]
        defaults = _defaults(dialect, table, keys)
    except _Unmodelled:
        return None
    quote = dialect.identifier_preparer.quote
    names = [*keys, *(name for name, _, _ in defaults)]
    columns = ", ".join(quote(table.c[n].name) for n in names)
    aliases = ", ".join(f"c{i}" for i in range(len(keys)))
    selected = ", ".join([f"u.c{i}" for i in range(len(keys))] + [d for _, d, _ in defaults])
    # Only the schema's own (quoted) identifiers, type names and the caller's clause are
    # interpolated here.
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({columns}) "  # noqa: S608
        f"SELECT {selected} FROM unnest({', '.join(arrays)}) AS u({aliases}){tail}"
    )
    processors = tuple(table.c[key].type._cached_bind_processor(dialect) for key in keys)
    return PgPlan(sql, keys, processors, tuple(value for _, _, value in defaults))


def _defaults(
    dialect: sa.Dialect, table: sa.Table, keys: tuple[str, ...]
) -> list[tuple[str, str, Any]]:
    """(column, placeholder, bound value) of each scalar default the rows leave out."""
    defaults: list[tuple[str, str, Any]] = []
    for column in table.c:
        if column.key in keys or column.default is None:
            continue
        if not isinstance(column.default, sa.ColumnDefault) or not column.default.is_scalar:
            raise _Unmodelled(column.key)
        processor = column.type._cached_bind_processor(dialect)
        value = processor(column.default.arg) if processor else column.default.arg
        defaults.append((column.key, f"%s::{_element_type(dialect, column)}", value))
    return defaults


def _array_type(dialect: sa.Dialect, column: sa.Column[Any]) -> str:
    return f"{_element_type(dialect, column)}[]"


def _element_type(dialect: sa.Dialect, column: sa.Column[Any]) -> str:
    """The SQL type a column's values are cast to before the INSERT assigns them.

    Strings go as `text`: an explicit cast to `varchar(n)` would silently cut a long
    value, whereas assigning `text` to the column raises as SQLAlchemy's INSERT does.
    """
    column_type = column.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.Enum):
        raise _Unmodelled(column.key)
    if isinstance(column_type, sa.String):
        return "TEXT"
    if isinstance(column_type, sa.Integer | sa.Boolean | sa.DateTime | sa.JSON):
        return str(column_type.compile(dialect=dialect))
    raise _Unmodelled(column.key)
