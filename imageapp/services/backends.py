"""Choosing the storage backend: the local disk, or an S3-compatible bucket."""

from __future__ import annotations

from pathlib import Path

from imageapp.config import Settings
from imageapp.services.storage import LocalStorage, Storage


def storage_for(settings: Settings) -> Storage:
    """The bucket of IMAGEAPP_STORAGE_URL, else the local disk under IMAGEAPP_STORAGE_DIR."""
    return storage_at(settings.storage_url or str(settings.storage_dir), settings)


def storage_at(url: str, settings: Settings) -> Storage:
    """``s3://BUCKET[/PREFIX]`` or a local directory (``storage copy --to`` takes both)."""
    if url.startswith("s3://"):
        from imageapp.services.s3_storage import BucketAddress, S3Storage

        return S3Storage(
            BucketAddress.parse(url),
            endpoint_url=settings.s3_endpoint_url,
            spool_dir=settings.storage_dir / "spool",
        )
    return LocalStorage(Path(url.removeprefix("file://")))


def check_bucket_at_start(settings: Settings) -> None:
    """With IMAGEAPP_STORAGE_URL set, StorageUnavailable unless the bucket answers and takes
    the credentials (the local disk shows its own errors plainly)."""
    if settings.storage_url:
        storage_for(settings).check()
