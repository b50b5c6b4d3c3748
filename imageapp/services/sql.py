"""SQL shared by several services (and what differs between SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


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
