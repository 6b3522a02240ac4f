"""`column IN (many values)` bound as one parameter, on both back ends.

SQLAlchemy renders `column.in_(values)` as one bound parameter per value, worked out
again at every execution ("expanding" parameters): for the 1,000 keys of a sync page,
rendering, coercing and parsing them cost more than the lookup itself. Here the set
is one parameter: on PostgreSQL `column = ANY(array)`, on SQLite
`column IN (SELECT value FROM json_each(?))` with the values as one JSON array text.
SQLite still seeks the column's index once per value (`LIST SUBQUERY`), and the
statement's text no longer depends on how many values there are, so SQLAlchemy's
compiled cache serves it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection


def one_of(
    conn: Connection, column: sa.ColumnElement[Any], values: Sequence[int] | Sequence[str]
) -> sa.ColumnElement[bool]:
    """`column IN (values)` for integer or text values, with the set bound as one parameter."""
    element: type[sa.Integer] | type[sa.String] = (
        sa.Integer if isinstance(column.type, sa.Integer) else sa.String
    )
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(element())))
    if conn.dialect.name == "sqlite":
        members = sa.func.json_each(sa.bindparam(None, json.dumps(list(values)), sa.String))
        return column.in_(sa.select(members.table_valued("value").c.value))
    return column.in_(list(values))
