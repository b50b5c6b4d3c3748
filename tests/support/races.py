"""Deterministic races: do something at the exact moment other code starts writing a table."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


@contextmanager
def on_first_write(
    engine: Engine, tables: tuple[str, ...], action: Callable[[], None]
) -> Iterator[list[str]]:
    """Run ``action`` once, just before the first UPDATE, INSERT or DELETE on one of
    ``tables`` through ``engine`` (any connection, any thread); yields the statements that
    triggered it, so a test can check that the moment really came."""
    names = "|".join(re.escape(table) for table in tables)
    pattern = re.compile(rf'^\s*(UPDATE|INSERT INTO|DELETE FROM)\s+"?({names})"?\s', re.IGNORECASE)
    fired: list[str] = []

    def before_execute(*args: Any) -> None:
        statement = args[2]
        if fired or not pattern.match(statement):
            return
        fired.append(statement)  # first, so what ``action`` itself writes does not re-fire
        action()

    sa.event.listen(engine, "before_cursor_execute", before_execute)
    try:
        yield fired
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_execute)
