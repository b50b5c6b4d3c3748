"""SQL shared by several services (and what differs between SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import Selectable

T = TypeVar("T")
# Ids (or rows) per statement. With the few values bound per row here, a statement stays far
# below every database's limit on bound parameters (PostgreSQL 65535, SQLite 32766 by default),
# whatever the selection's size: a bulk action over 5000 images x 20 tags is 100,000 rows.
BATCH_SIZE = 500


def batches(values: Sequence[T], size: int = BATCH_SIZE) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``: one statement for each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@contextmanager
def serialized_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction whose checks and writes are one unit that concurrent ones cannot interleave.

    SQLite: pysqlite would BEGIN only at the first INSERT, so the checks before it would read
    outside any transaction; ``BEGIN IMMEDIATE`` takes the write lock first (waiting for the
    busy timeout), so such transactions run one after the other. PostgreSQL: the caller locks
    the row its checks depend on (``SELECT ... FOR UPDATE``), as for the store in the quotas.
    """
    with engine.connect() as connection, serialized(connection):
        yield connection


@contextmanager
def serialized(connection: Connection) -> Iterator[None]:
    """``serialized_transaction`` on a connection the caller holds (it may use it after)."""
    with connection.begin():
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield


def insert_ignoring_conflict(
    connection: Connection, table: Any, rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: rows that already exist (by any unique key) are kept.

    Executed once per row (executemany) rather than as one multi-row VALUES, which would bind
    every value of every row in one statement: any number of rows fits.
    """
    if rows:
        connection.execute(_insert(connection, table).on_conflict_do_nothing(), list(rows))


def insert_selected_ignoring_conflict(
    connection: Connection, table: Any, columns: Sequence[str], select: Selectable
) -> None:
    """INSERT ... SELECT ... ON CONFLICT DO NOTHING: the database makes the rows (e.g. every
    pair of a batch of images and some tags), so the statement binds only the select's values.
    ``select`` needs a WHERE clause (SQLite's parser requires one before ON CONFLICT)."""
    statement = _insert(connection, table).from_select(list(columns), select)
    connection.execute(statement.on_conflict_do_nothing())


def _insert(connection: Connection, table: Any) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(connection.dialect.name)  # pragma: no cover - only these two


def first_free_slug(connection: Connection, slug_column: Any, scope: Any, base: str) -> str:
    """``base``, or ``base-2``, ``base-3`` ... the first one no row in ``scope`` uses."""
    taken = set(
        connection.scalars(
            sa.select(slug_column).where(
                scope, sa.or_(slug_column == base, slug_column.like(f"{base}-%"))
            )
        )
    )
    number, slug = 2, base
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug
