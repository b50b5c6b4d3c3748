"""SQL shared by several services (and what differs between SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine


@contextmanager
def serialized_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction whose checks and writes are one unit that concurrent ones cannot interleave.

    SQLite: pysqlite would BEGIN only at the first INSERT, so the checks before it would read
    outside any transaction; ``BEGIN IMMEDIATE`` takes the write lock first (waiting for the
    busy timeout), so such transactions run one after the other. PostgreSQL: the caller locks
    the row its checks depend on (``SELECT ... FOR UPDATE``), as for the store in the quotas.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection


def insert_ignoring_conflict(
    connection: Connection, table: Any, rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: rows that already exist (by any unique key) are kept."""
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql.insert(table).values(list(rows)).on_conflict_do_nothing())
    elif connection.dialect.name == "sqlite":
        connection.execute(sqlite.insert(table).values(list(rows)).on_conflict_do_nothing())
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(connection.dialect.name)


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
