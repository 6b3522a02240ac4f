"""Many rows in one driver call: INSERTs without SQLAlchemy's per-row overhead.

SQLAlchemy's executemany processes every row's parameters one by one (aware datetimes,
JSON) and keeps per-row bookkeeping; for the rows a sync page adds beside its comments
(open items, search rows, routing suggestions) that was about half of their cost. Here
each column's conversion is worked out once per statement and values are converted
exactly as SQLAlchemy's types convert them (so the same values are stored and read
back): on SQLite one `sqlite3` executemany, on PostgreSQL (psycopg 3) one
`INSERT ... SELECT FROM unnest(...)` (see `aggregator.store.pg_upsert`). Anything
not modelled (a callable or SQL default, `onupdate`, another driver) keeps
SQLAlchemy's statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.models import UTCDateTime
from aggregator.store.pg_upsert import pg_insert_plan
from aggregator.store.tables import conflict_insert

Row = dict[str, Any]
Converter = Callable[[Any], Any]


def insert_rows(
    conn: Connection, table: sa.Table, rows: Sequence[Row], ignore: bool = False
) -> None:
    """INSERT rows (all with the same keys) in one driver call; with `ignore`, rows whose
    key is already stored are skipped (`ON CONFLICT DO NOTHING`)."""
    if not rows:
        return
    keys = tuple(rows[0])
    tail = " ON CONFLICT DO NOTHING" if ignore else ""
    if conn.dialect.name == "sqlite":
        plan = sqlite_plan(conn.dialect, table, keys, tail)
        if plan is not None:
            conn.exec_driver_sql(plan.sql, plan.parameters(rows))
            return
    if conn.dialect.name == "postgresql":
        pg = pg_insert_plan(conn.dialect, table, keys, tail)
        if pg is not None:
            conn.exec_driver_sql(pg.sql, pg.parameters(rows))
            return
    statement = conflict_insert(conn, table)
    conn.execute(statement.on_conflict_do_nothing() if ignore else statement, list(rows))


def executemany(conn: Connection, sql: str, parameters: list[tuple[Any, ...]]) -> None:
    """One driver executemany of positional parameters (`?` on SQLite)."""
    if parameters:
        conn.exec_driver_sql(sql, parameters)


SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
"""What SQLAlchemy's SQLite `DATETIME` stores; `sqlite_datetime` writes the same text."""


@dataclass(frozen=True)
class SqlitePlan:
    """The upsert as driver SQL, with each column's value conversion worked out once."""

    sql: str
    keys: tuple[str, ...]
    converters: tuple[Converter | None, ...]
    constants: tuple[Any, ...]
    """Python-side scalar defaults of the columns the rows leave out, in SQL order."""

    def parameters(self, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
        """Each row as the driver's positional parameters (converted once, here).

        A batch's rows share most of their datetimes (`now` four times a row), so each
        distinct datetime is formatted once per batch.
        """
        formatted: dict[datetime | None, str | None] = {}

        def utc_text(value: datetime | None) -> str | None:
            try:
                return formatted[value]
            except KeyError:
                text = formatted[value] = sqlite_datetime(value)
                return text

        get = itemgetter(*self.keys)
        converted = [
            (i, utc_text if f is sqlite_datetime else f)
            for i, f in enumerate(self.converters)
            if f is not None
        ]
        constants = list(self.constants)
        parameters: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(get(row)) if len(self.keys) > 1 else [get(row)]
            for i, convert in converted:
                values[i] = convert(values[i])
            values += constants
            parameters.append(tuple(values))
        return parameters


@lru_cache(maxsize=64)
def sqlite_plan(
    dialect: sa.Dialect, table: sa.Table, keys: tuple[str, ...], tail: str = ""
) -> SqlitePlan | None:
    """`INSERT INTO table (keys) VALUES (?, ...)` + `tail` (an `ON CONFLICT` clause) for
    the sqlite3 driver, or None to use SQLAlchemy's statement.

    Every value is converted exactly as SQLAlchemy's types would convert it (the same
    text in the database, so the same values read back). Anything this does not model
    (a callable or SQL default, `onupdate`, an unknown storage format) returns None.
    """
    try:
        converters = tuple(_sqlite_converter(dialect, table.c[key]) for key in keys)
    except _Unmodelled:
        return None
    defaults: list[tuple[str, Any]] = []
    for column in table.c:
        if column.onupdate is not None or column.server_onupdate is not None:
            return None
        if column.key in keys or column.default is None:
            continue
        if not isinstance(column.default, sa.ColumnDefault) or not column.default.is_scalar:
            return None
        value = column.default.arg
        processor = column.type._cached_bind_processor(dialect)
        defaults.append((column.key, processor(value) if processor else value))
    names = [*keys, *(name for name, _ in defaults)]
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(table.c[n].name) for n in names)
    into = f"{preparer.format_table(table)} ({columns})"
    values = ", ".join("?" for _ in names)
    # Only the schema's own (quoted) identifiers and the caller's clause are interpolated.
    sql = f"INSERT INTO {into} VALUES ({values}){tail}"  # noqa: S608
    return SqlitePlan(sql, keys, converters, tuple(value for _, value in defaults))


class _Unmodelled(Exception):
    """A column whose conversion `sqlite_plan` does not reproduce."""


def _sqlite_converter(dialect: sa.Dialect, column: sa.Column[Any]) -> Converter | None:
    """How one column's Python values become driver values on SQLite (None: as they are).

    Fast paths for aware datetimes and JSON; every other type uses SQLAlchemy's own
    bind processor (None for strings and integers on SQLite).
    """
    column_type = column.type
    if isinstance(column_type, UTCDateTime):
        impl = column_type.impl_instance.dialect_impl(dialect)
        if getattr(impl, "_storage_format", None) != SQLITE_DATETIME_FORMAT:
            raise _Unmodelled(column.key)
        return sqlite_datetime
    if isinstance(column_type, sa.JSON):
        if column_type.none_as_null or column_type._str_impl.bind_processor(dialect):
            raise _Unmodelled(column.key)
        serializer: Converter = getattr(dialect, "_json_serializer", None) or json.dumps
        return serializer
    processor: Converter | None = column_type._cached_bind_processor(dialect)
    return processor


def sqlite_datetime(value: datetime | None) -> str | None:
    """`UTCDateTime` on SQLite: aware only, converted to UTC, stored as naive UTC text.

    `isoformat(" ", "microseconds")` of a naive datetime is exactly
    `SQLITE_DATETIME_FORMAT` (4-digit year, always 6 fractional digits).
    """
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# -- reading many rows -----------------------------------------------------------------


def plain_columns(
    conn: Connection, columns: Sequence[sa.ColumnElement[Any]]
) -> tuple[list[sa.ColumnElement[Any]], list[Converter | None]]:
    """Columns to SELECT without SQLAlchemy's slow result processing, and how to convert
    each driver value to what that processing returns (None: as the driver gives it).

    Reading 1,000 stored comments took three times as long as the query itself: SQLite's
    `DATETIME` is parsed with a regular expression, then made aware by `UTCDateTime`.
    Here aware datetimes come from `datetime.fromisoformat` (SQLite) or the driver's own
    (PostgreSQL, converted to UTC), and JSON from `json.loads` (SQLite; psycopg decodes
    JSONB itself). Other types keep SQLAlchemy's processing.
    """
    selected: list[sa.ColumnElement[Any]] = []
    converters: list[Converter | None] = []
    for column in columns:
        convert = _fast_reader(conn.dialect, column)
        if convert is None:
            selected.append(column)
        else:
            selected.append(sa.type_coerce(column, sa.String).label(column.key or ""))
        converters.append(convert)
    return selected, converters


def convert_row(row: Sequence[Any], converters: Sequence[Converter | None]) -> list[Any]:
    """One fetched row converted by `plain_columns`' converters."""
    return [v if f is None or v is None else f(v) for v, f in zip(row, converters, strict=True)]


def _fast_reader(dialect: sa.Dialect, column: sa.ColumnElement[Any]) -> Converter | None:
    column_type = column.type
    if isinstance(column_type, UTCDateTime):
        if dialect.name == "sqlite":
            return partial(_utc_from_text, column_type._cached_result_processor(dialect, None))
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            return _as_utc
    if isinstance(column_type, sa.JSON) and dialect.name == "sqlite":
        loads: Converter = getattr(dialect, "_json_deserializer", None) or json.loads
        return loads
    return None


def _utc_from_text(slow: Converter | None, value: Any) -> Any:
    """SQLite's stored UTC text (`sqlite_datetime`) as an aware UTC datetime."""
    try:
        return datetime.fromisoformat(value + "+00:00")
    except (TypeError, ValueError):
        return slow(value) if slow is not None else value


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
