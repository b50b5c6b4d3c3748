"""Removing the files of deleted images: exactly their own files, after the commit, in a job.

Why not list ``images/`` to find them: a listing costs with the library's size (50,000 files,
~40 ms each), so deleting grew with the library. Instead the transaction that deletes the
image rows first records the paths those rows name (the original, every rendition row, and the
temp name a finalize that died before unlinking it left) as ``file_removal`` rows of one batch.
After the commit a job removes exactly those files, then the rows: the cost is the images' own
files, whatever else the library holds.

Why it is safe:
- stored names are written once (uuid originals, renditions with a random nonce), so removing
  a recorded path can never remove a newer file of the same name;
- the image rows and the record commit together: a crash after the commit, or a queue that
  cannot be reached, leaves the record, and reconcile queues its batch again;
- a rendition being made for an image being deleted: on PostgreSQL the delete locks the image
  rows first (FOR UPDATE conflicts with the foreign-key check of a rendition insert); on
  SQLite the recording INSERT ... SELECT is the transaction's first statement and takes the
  database's write lock. Either way a rendition row is committed before (and recorded) or
  refused after by the foreign key, and its writer then removes its own files
  (``RenditionService.generate``), which its write intent protected until then;
- the job is idempotent: a file already gone is fine, a finished batch has no rows left.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from imageapp.models import FileRemoval, Image, Rendition, utcnow
from imageapp.services.storage import IMAGES, TEMP, Storage

log = logging.getLogger(__name__)
PAGE = 1000


class FileRemovalJobs(Protocol):
    """Where a delete hands the batch of files it recorded, once committed."""

    def enqueue_removal(self, batch: str) -> None: ...


class InlineFileRemovals:
    """Removes the files at once, in the caller (no queue: scripts, some tests)."""

    def __init__(self, engine: Engine, storage: Storage) -> None:
        self.engine = engine
        self.storage = storage

    def enqueue_removal(self, batch: str) -> None:
        remove_batch(self.engine, self.storage, batch)


def lock_images(
    connection: Connection, where: Sequence[sa.ColumnElement[bool]]
) -> list[int] | None:
    """PostgreSQL: lock the rows about to be deleted, in id order (no deadlock between two
    overlapping deletes), so no rendition row can be added to them until the commit; returns
    the ids locked (a row changed by a concurrent commit, say restored from the trash, is
    judged again by ``where`` once that commit is in). SQLite: None (the caller's first write
    takes the database's lock)."""
    if connection.dialect.name != "postgresql":
        return None
    return list(
        connection.scalars(
            sa.select(col(Image.id)).where(*where).order_by(col(Image.id)).with_for_update()
        )
    )


def record_files_of(connection: Connection, where: Sequence[sa.ColumnElement[bool]]) -> str:
    """Record, as one new batch, every file the images matching ``where`` name; returns it.

    Call it in the deleting transaction, before the delete (the rendition rows cascade)."""
    batch = str(uuid.uuid4())
    stored = col(Image.file_path)
    originals: sa.Select[Any] = sa.select(stored.label("path")).where(*where, stored.is_not(None))
    # finalize links temp/<name> to images/<name> and unlinks the temp name after its commit
    temp_names = sa.select(
        (sa.literal(f"{TEMP}/") + sa.func.substr(stored, len(IMAGES) + 2)).label("path")
    ).where(*where, stored.is_not(None))
    renditions: sa.Select[Any] = (
        sa.select(col(Rendition.path).label("path"))
        .join(Image, col(Image.id) == col(Rendition.image_id))
        .where(*where)
    )
    paths = sa.union_all(originals, temp_names, renditions).subquery()
    connection.execute(
        sa.insert(FileRemoval).from_select(
            ["batch", "path", "created_at"],
            sa.select(
                sa.literal(batch, sa.String), paths.c.path, sa.literal(utcnow(), sa.DateTime)
            ),
        )
    )
    return batch


def remove_batch(engine: Engine, storage: Storage, batch: str, page: int = PAGE) -> int:
    """Remove the batch's files, then its rows, a page at a time; returns the files removed.

    Idempotent: run twice (or by two workers at once) it removes each file once."""
    removed = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(col(FileRemoval.id), col(FileRemoval.path))
                .where(col(FileRemoval.batch) == batch)
                .order_by(col(FileRemoval.id))
                .limit(page)
            ).all()
        if not rows:
            break
        removed += storage.delete_many(row.path for row in rows)
        with engine.begin() as connection:
            connection.execute(
                sa.delete(FileRemoval).where(col(FileRemoval.id).in_([row.id for row in rows]))
            )
    log.info("removal %s: %d file(s) removed", batch, removed)
    return removed


def waiting_batches(engine: Engine, older_than: timedelta) -> list[str]:
    """Batches recorded longer than ``older_than`` ago and not finished (their job was lost,
    failed for good, or is still queued behind others), oldest first."""
    cutoff = utcnow() - older_than
    first = sa.func.min(col(FileRemoval.created_at))
    with engine.connect() as connection:
        return list(
            connection.scalars(
                sa.select(col(FileRemoval.batch))
                .group_by(col(FileRemoval.batch))
                .having(first < cutoff)
                .order_by(first)
            )
        )
