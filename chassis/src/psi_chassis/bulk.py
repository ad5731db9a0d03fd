"""Writing many rows with one statement whose text never changes: ``unnest`` of arrays on PostgreSQL.

A multi-row ``INSERT ... VALUES (...), (...)`` has a different text for every row count: the driver parses it
again each time (psycopg spends milliseconds on a few hundred rows) and PostgreSQL plans it again. Passing one
array per column instead (``INSERT ... SELECT ... FROM unnest($1, $2, ...)``, ``UPDATE ... FROM unnest(...)``)
gives one text per table and column set, built once here and cached, and a handful of parameters whatever the
row count. Values go through each column type's bind processing, so the column types' promises (exact decimals,
aware UTC times, floats refused) hold exactly as in a normal insert.

On SQLite (``make run``) the same calls run the equivalent SQLAlchemy Core statement as an ``executemany``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Row = Mapping[str, Any]


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Row],
    *,
    returning: str | tuple[str, ...] | None = None,
    skip_conflicts_on: Sequence[str] | None = None,
) -> list[Any]:
    """Insert ``rows`` (same keys in each) in order; the ``returning`` column (or a tuple of columns, as tuples)
    of each inserted row.

    Without ``skip_conflicts_on``, one integer ``returning`` column comes back in the order of ``rows``: keys from
    a sequence are handed out in row order, so the ids sorted ascending are the rows' ids in the order given.
    ``skip_conflicts_on`` makes it ``ON CONFLICT (...) DO NOTHING``; then only inserted rows come back, in no
    particular order.
    """
    if not rows:
        return []
    columns = tuple(rows[0])
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return _insert_core(session, table, columns, rows, returning, skip_conflicts_on)
    statement = _pg_insert(table, columns, returning, tuple(skip_conflicts_on or ()), dialect)
    result = session.connection().exec_driver_sql(statement, _arrays(table, columns, rows, dialect))
    if returning is None:
        return []
    if isinstance(returning, tuple):
        return [tuple(r) for r in result]
    values = [r[0] for r in result]
    return sorted(values) if skip_conflicts_on is None else values


def update_rows(session: Session, table: Table, rows: Sequence[Row], *, key: Sequence[str]) -> None:
    """Update each row found by its ``key`` columns to the row's other values, with one statement."""
    if not rows:
        return
    columns = tuple(rows[0])
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(_core_update(table, columns, tuple(key)), [_prefixed(row) for row in rows])
        return
    statement = _pg_update(table, columns, tuple(key), dialect)
    session.connection().exec_driver_sql(statement, _arrays(table, columns, rows, dialect))


# -- PostgreSQL --------------------------------------------------------------------------------------------------
def _arrays(table: Table, columns: Sequence[str], rows: Sequence[Row], dialect: Dialect) -> dict[str, list[Any]]:
    params: dict[str, list[Any]] = {}
    for i, name in enumerate(columns):
        process = _processor(table, name, dialect)
        values = [row[name] for row in rows]
        params[f"p{i}"] = [process(v) for v in values] if process is not None else values
    return params


@functools.cache
def _processor(table: Table, column: str, dialect: Dialect) -> Any:
    return table.c[column].type.bind_processor(dialect)


def _casts(table: Table, columns: Sequence[str], dialect: Dialect) -> str:
    # %(pN)b: psycopg sends the array in binary, so text holding quotes (an event body) needs no escaping.
    return ", ".join(
        f"CAST(%(p{i})b AS {table.c[name].type.compile(dialect=dialect)}[])" for i, name in enumerate(columns)
    )


@functools.cache
def _pg_insert(
    table: Table,
    columns: tuple[str, ...],
    returning: str | tuple[str, ...] | None,
    conflict: tuple[str, ...],
    dialect: Dialect,
) -> str:
    names = ", ".join(columns)
    sql = (
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM unnest({_casts(table, columns, dialect)})"
        f" WITH ORDINALITY AS u({names}, psi_ord) ORDER BY psi_ord"
    )
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    returned = (returning,) if isinstance(returning, str) else (returning or ())
    if returned:
        sql += f" RETURNING {', '.join(returned)}"
    return sql


@functools.cache
def _pg_update(table: Table, columns: tuple[str, ...], key: tuple[str, ...], dialect: Dialect) -> str:
    names = ", ".join(columns)
    sets = ", ".join(f"{name} = u.{name}" for name in columns if name not in key)
    match = " AND ".join(f"t.{name} = u.{name}" for name in key)
    return (
        f"UPDATE {table.name} AS t SET {sets} FROM unnest({_casts(table, columns, dialect)})"
        f" AS u({names}) WHERE {match}"
    )


# -- SQLite and anything else: SQLAlchemy Core, executemany ------------------------------------------------------
def _insert_core(
    session: Session,
    table: Table,
    columns: tuple[str, ...],
    rows: Sequence[Row],
    returning: str | tuple[str, ...] | None,
    conflict: Sequence[str] | None,
) -> list[Any]:
    statement: Any
    if conflict is not None:
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    else:
        statement = insert(table)
    if returning is None:
        session.execute(statement, list(rows))
        return []
    if isinstance(returning, tuple):
        statement = statement.returning(*(table.c[name] for name in returning))
        return [tuple(r) for r in session.execute(statement, list(rows))]
    statement = statement.returning(table.c[returning], sort_by_parameter_order=conflict is None)
    return list(session.execute(statement, list(rows)).scalars())


@functools.cache
def _core_update(table: Table, columns: tuple[str, ...], key: tuple[str, ...]) -> Any:
    where = [table.c[name] == bindparam(f"k_{name}") for name in key]
    values = {name: bindparam(f"k_{name}") for name in columns if name not in key}
    return update(table).where(*where).values(**values)


def _prefixed(row: Row) -> dict[str, Any]:
    return {f"k_{name}": value for name, value in row.items()}
