"""Opens the Huey queue named by a URL: Redis, PostgreSQL or a SQLite file, one code path."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey

QUEUE_NAME = "imageapp"
# Huey's tables in a PostgreSQL database the app shares; Alembic leaves them alone.
TABLE_PREFIX = "imageapp_jobs"

# What a broker that cannot be reached raises, whichever it is.
UNREACHABLE = (redis.exceptions.ConnectionError, psycopg.OperationalError, sqlite3.OperationalError)


def not_a_queue_table(name: str | None, type_: str, *_rest: object) -> bool:
    """Alembic's ``include_name`` hook: the queue's tables are Huey's, never a migration's."""
    return not (type_ == "table" and (name or "").startswith(f"{TABLE_PREFIX}_"))


class QueueUrlInvalid(ValueError):
    """IMAGEAPP_QUEUE_URL names no broker Huey can use."""


def open_huey(url: str, *, immediate: bool = False, name: str = QUEUE_NAME) -> Huey:
    """The queue at ``url`` (``redis://``, ``rediss://``, ``postgresql[+psycopg]://``,
    ``sqlite:///FILE``). Task results are not kept: jobs report through the database."""
    scheme = urlsplit(url).scheme
    options = {"results": False, "immediate": immediate}
    if scheme in ("redis", "rediss"):
        return RedisHuey(name, url=url, **options)
    if scheme in ("postgresql", "postgresql+psycopg", "postgres"):
        dsn = "postgresql" + url[len(scheme) :]
        return PostgresHuey(name, dsn=dsn, table_prefix=TABLE_PREFIX, **options)
    if scheme == "sqlite" and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), **options)
    raise QueueUrlInvalid(
        f"IMAGEAPP_QUEUE_URL {url!r} is not redis://..., postgresql://... or sqlite:///FILE"
    )
