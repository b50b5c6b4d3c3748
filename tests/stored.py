"""Looking at stored files the same way on both backends (the disk and a bucket)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from imageapp.services.storage import IMAGES, TEMP, Storage


def names(storage: Storage, directory: str) -> list[str]:
    """Sorted names of the files in ``temp`` or ``images``."""
    return sorted(item.name for item in storage.list_files(directory))


def temp_names(storage: Storage) -> list[str]:
    return names(storage, TEMP)


def image_names(storage: Storage) -> list[str]:
    return names(storage, IMAGES)


def stored_paths(storage: Storage, directory: str) -> set[str]:
    return {item.relative for item in storage.list_files(directory)}


def read_bytes(storage: Storage, relative: str) -> bytes:
    chunks, _span = storage.read(relative)
    return b"".join(chunks)


def put_bytes(storage: Storage, relative: str, data: bytes) -> None:
    """Store ``data`` as ``relative`` (``temp/...`` too), as a crash might have left it."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "file"
        source.write_bytes(data)
        storage.put_file(relative, source)


def as_file(storage: Storage, relative: str, into: Path) -> Path:
    """The stored file as a local file for Pillow: itself on disk, a download into ``into``."""
    local = storage.local_path(relative)
    if local is not None:
        return local
    target = into / relative.rpartition("/")[2]
    target.write_bytes(read_bytes(storage, relative))
    return target
