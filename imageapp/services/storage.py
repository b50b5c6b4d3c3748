"""Local-disk storage: ``temp/`` for pending files, ``images/`` for permanent ones.

Paths kept in the database are relative to the storage root (``temp/<uuid>.jpg``); nothing
under the root is ever served by a static mount, only by the app's own checked routes.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

TEMP = "temp"
IMAGES = "images"
CHUNK_SIZE = 1024 * 1024
# A file still being made: ``.<final name>.part`` (renditions, copied originals) or
# ``.<final name>.strip`` / ``.<final name>.upright`` (a pending file losing its metadata or
# being turned upright). It lives as long as its target.
UNFINISHED_NAME = re.compile(r"^\.(?P<target>[^/]+)\.(?:part|strip|upright)$")


def unfinished_target(name: str) -> str | None:
    """The name an unfinished file is becoming, or None if ``name`` is not one."""
    found = UNFINISHED_NAME.match(name)
    return found["target"] if found else None


class SizeLimitExceeded(Exception):
    """A write went past its byte limit; the partial file has already been removed."""


class TempFileWriter:
    """Streams one pending file to disk in chunks with a running size check."""

    def __init__(self, path: Path, relative: str, max_bytes: int) -> None:
        self.relative = relative
        self.max_bytes = max_bytes
        self.size = 0
        self._path = path
        self._handle: BinaryIO | None = path.open("xb")

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``; past ``max_bytes`` the file is deleted and SizeLimitExceeded raised."""
        if self._handle is None:
            raise ValueError("writer is closed")
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.discard()
            raise SizeLimitExceeded(self.relative)
        self._handle.write(chunk)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def discard(self) -> None:
        """Close and delete the partial file (idempotent)."""
        self.close()
        self._path.unlink(missing_ok=True)


class LocalStorage:
    """The storage root on local disk."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.temp_dir = self.root / TEMP
        self.images_dir = self.root / IMAGES
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        self.images_dir.mkdir(parents=True, exist_ok=True)

    def path_of(self, relative: str) -> Path:
        """Absolute path of a stored file; refuses anything outside ``temp/`` and ``images/``."""
        path = (self.root / relative).resolve()
        if path.parent not in (self.temp_dir, self.images_dir):
            raise ValueError(f"not a storage path: {relative!r}")
        return path

    @staticmethod
    def new_temp_path(extension: str) -> str:
        """A fresh, never used pending-file path (a random name, the sniffed type's extension)."""
        return f"{TEMP}/{uuid.uuid4()}.{extension}"

    def open_temp_writer(self, relative: str, max_bytes: int) -> TempFileWriter:
        """Create the pending file ``relative`` (from ``new_temp_path``); it must not exist."""
        return TempFileWriter(self.path_of(relative), relative, max_bytes)

    @staticmethod
    def permanent_name_for(temp_relative: str) -> str:
        """Where a pending file goes when finalized: same name under ``images/``.

        Deriving it from the temp name lets cleanup remove a half-promoted file even if the
        process died between linking it and committing the row.
        """
        return f"{IMAGES}/{Path(temp_relative).name}"

    def promote(self, temp_relative: str) -> str:
        """Make the pending file permanent and durable; the temp name keeps existing.

        Raises FileNotFoundError if the temp file is gone (cleaned up meanwhile).
        """
        source = self.path_of(temp_relative)
        target_relative = self.permanent_name_for(temp_relative)
        target = self.path_of(target_relative)
        with source.open("rb") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(source, target)
        except FileExistsError:
            pass  # an earlier attempt linked it already; same inode, same bytes
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            self._copy_atomically(source, target)
        _fsync_directory(self.images_dir)
        return target_relative

    def write_image_file(self, name: str, data: bytes) -> str:
        """Store ``data`` durably as ``images/<name>`` (write, fsync, rename); returns its path."""
        relative = f"{IMAGES}/{name}"
        target = self.path_of(relative)
        part = target.with_name(f".{name}.part")
        try:
            with part.open("wb") as writer:
                writer.write(data)
                writer.flush()
                os.fsync(writer.fileno())
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return relative

    def delete(self, relative: str | None) -> bool:
        """Remove a stored file; a file already gone is fine. True if something was removed."""
        if not relative:
            return False
        try:
            self.path_of(relative).unlink()
        except FileNotFoundError:
            return False
        return True

    def iter_temp_files(self) -> Iterator[Path]:
        yield from (entry for entry in self.temp_dir.iterdir() if entry.is_file())

    def iter_image_files(self) -> Iterator[Path]:
        yield from (entry for entry in self.images_dir.iterdir() if entry.is_file())

    @staticmethod
    def _copy_atomically(source: Path, target: Path) -> None:
        """Copy, fsync, then rename into place, for file systems without hard links."""
        part = target.with_name(f".{target.name}.part")
        with source.open("rb") as reader, part.open("wb") as writer:
            shutil.copyfileobj(reader, writer, CHUNK_SIZE)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(part, target)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
