"""`value_sets.one_of`: `IN (many values)` as one bound parameter, same rows as `IN`."""

from __future__ import annotations

import sqlalchemy as sa

from aggregator.store.value_sets import one_of

KEYS = ["c_1", "12345", "한빛_댓글", 'q"uote', "back\\slash", "0012345"]


def _table(engine: sa.Engine) -> sa.Table:
    table = sa.Table(
        "value_set_probe",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(40), nullable=False),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [{"id": n, "key": k} for n, k in enumerate(KEYS, 1)])
    return table


def _ids(engine: sa.Engine, where: sa.ColumnElement[bool], table: sa.Table) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(table.c.id).where(where)).scalars())


def test_text_and_integer_sets_select_the_rows_in_selects(engine: sa.Engine) -> None:
    table = _table(engine)
    with engine.connect() as conn:
        by_key = one_of(conn, table.c.key, ["12345", "한빛_댓글", 'q"uote', "back\\slash", "x"])
        by_id = one_of(conn, table.c.id, [1, 3, 99])
        nothing = one_of(conn, table.c.id, [])
    assert _ids(engine, by_key, table) == {2, 3, 4, 5}  # "12345" is not "0012345"
    assert _ids(engine, by_id, table) == {1, 3}
    assert _ids(engine, nothing, table) == set()


def test_the_set_is_one_parameter_whatever_its_size(engine: sa.Engine) -> None:
    table = _table(engine)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    with engine.connect() as conn:
        for size in (3, 1000):
            conn.execute(sa.select(table.c.id).where(one_of(conn, table.c.id, range(size))))
    sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 2
    assert statements[0] == statements[1]  # the text does not grow with the set
