"""Per-store quotas (image count, total bytes), checked at step 1."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import col

from imageapp.config import Settings
from imageapp.models import Image, Store
from imageapp.services.errors import UploadRejected
from imageapp.services.validation import format_bytes

# Built once: statement objects are immutable, and building them is per-request CPU.
_LIMITS = sa.select(col(Store.max_images), col(Store.max_bytes)).where(
    col(Store.id) == sa.bindparam("store_id")
)
_LOCKED_LIMITS = _LIMITS.with_for_update()
_USAGE = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(col(Image.size_bytes)), 0)).where(
    col(Image.store_id) == sa.bindparam("store_id")
)


def _limits(
    connection: Connection, store_id: int, settings: Settings, *, lock: bool
) -> tuple[int | None, int | None]:
    """The store's own limits, else the IMAGEAPP_STORE_MAX_* defaults (None: unlimited).

    ``lock`` reads them with ``FOR UPDATE`` on PostgreSQL (SQLite has no row locks; its
    ``BEGIN IMMEDIATE`` already serializes): one statement both locks the row and reads it.
    """
    statement = _LOCKED_LIMITS if lock and connection.dialect.name == "postgresql" else _LIMITS
    row = connection.execute(statement, {"store_id": store_id}).first()
    own_images, own_bytes = (row.max_images, row.max_bytes) if row else (None, None)
    return (
        own_images if own_images is not None else settings.store_max_images,
        own_bytes if own_bytes is not None else settings.store_max_bytes,
    )


def check_store_quota(
    connection: Connection,
    store_id: int,
    settings: Settings,
    *,
    adding_bytes: int,
    lock: bool = True,
) -> None:
    """Refuse (UploadRejected) if one more image of ``adding_bytes`` would pass a quota.

    Pending uploads count too, so many parallel uploads cannot overshoot the limit together,
    and so do images in the trash until they are deleted forever (they still hold their files).
    Called inside the ``serialized_transaction`` that inserts the row: on SQLite that holds the
    write lock, on PostgreSQL the store row is locked here first, so concurrent uploads of one
    store are checked (and inserted) one after the other. ``lock=False`` is for the early,
    advisory check before a byte is stored (the binding one comes with the insert).
    """
    max_images, max_bytes = _limits(connection, store_id, settings, lock=lock)
    if max_images is None and max_bytes is None:
        return
    count, used = connection.execute(_USAGE, {"store_id": store_id}).one()
    if max_images is not None and count + 1 > max_images:
        raise UploadRejected(
            "quota_images",
            f"Your store has reached its limit of {max_images} images. "
            "Delete some images forever (images in the trash still count) or ask your "
            "administrator for a higher limit.",
        )
    if max_bytes is not None and used + adding_bytes > max_bytes:
        raise UploadRejected(
            "quota_bytes",
            f"This image would take your store past its storage limit of "
            f"{format_bytes(max_bytes)} ({format_bytes(int(used))} used).",
        )
