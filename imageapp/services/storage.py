"""Where files live: ``temp/`` for pending files, ``images/`` for permanent ones.

Paths kept in the database are relative to the storage root (``temp/<uuid>.jpg``) whatever
the backend: the local disk (``LocalStorage``, here) or an S3-compatible bucket
(``imageapp.services.s3_storage``). ``Storage`` is what the services need of either one.
Nothing stored is ever served by a static mount, only by the app's own checked routes.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from imageapp.services.errors import ImageAppError

log = logging.getLogger(__name__)

TEMP = "temp"
IMAGES = "images"
# The received bytes of unfinished resumable (tus) uploads: a directory of their own inside
# ``temp/``, so the temp sweeps (which list only ``temp/``'s own files) never see them and
# nothing URL-served ever does (``imageapp.services.tus_uploads``).
TUS_PARTS = f"{TEMP}/tus"
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


class StorageUnavailable(ImageAppError):
    """The storage cannot be used right now (bucket unreachable, credentials refused...).

    The message is safe to show; the operator's details go to the log."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "storage_unavailable",
            "The image storage cannot be reached right now; nothing was changed. "
            "Please try again in a few minutes.",
        )
        self.detail = detail
        # Logs and tracebacks say what failed; people see ``message`` only.
        self.args = (f"{self.message} ({detail})" if detail else self.message,)


class RangeNotSatisfiable(Exception):
    """A read asked for bytes past the end of the file (HTTP 416)."""

    def __init__(self, total: int) -> None:
        super().__init__(f"the file has {total} bytes")
        self.total = total


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One stored file as a listing sees it."""

    relative: str  # "temp/<name>" or "images/<name>"
    size: int
    modified: float  # seconds since the epoch

    @property
    def name(self) -> str:
        return self.relative.rpartition("/")[2]


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Part of a stored file being read: bytes ``first``..``last`` of ``total``."""

    first: int
    last: int
    total: int


class TempFileWriter:
    """Streams one pending file to a local file in chunks with a running size check.

    On the local disk that file IS the pending file; other backends write a local spool file
    (Pillow needs a file to validate), and ``publish`` then stores it under ``relative``."""

    def __init__(self, path: Path, relative: str, max_bytes: int) -> None:
        self.relative = relative
        self.max_bytes = max_bytes
        self.size = 0
        self.path = path
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

    def publish(self) -> None:
        """Make the finished, validated file the stored pending file (here: it already is)."""
        self.close()

    def discard(self) -> None:
        """Close and delete the partial file (idempotent)."""
        self.close()
        self._path.unlink(missing_ok=True)


class Storage(Protocol):
    """What uploads, promotion, renditions, media, cleanup and removals need of a backend.

    Stored names are written once (uuid originals, renditions with a nonce), so no method
    needs to guard against two writers of one name."""

    url: str  # where it is, for messages and ``storage copy`` (no secrets in it)

    def new_temp_path(self, extension: str) -> str: ...
    def permanent_name_for(self, temp_relative: str) -> str: ...
    def open_temp_writer(self, relative: str, max_bytes: int) -> TempFileWriter: ...
    def promote(self, temp_relative: str) -> str: ...
    def write_image_file(self, name: str, data: bytes) -> str: ...
    def put_file(self, relative: str, source: Path) -> None: ...
    def delete(self, relative: str | None) -> bool: ...
    def delete_many(self, paths: Iterable[str]) -> int: ...
    def exists(self, relative: str) -> bool: ...
    def size_of(self, relative: str) -> int | None: ...
    def list_files(self, directory: str) -> Iterator[StoredObject]: ...
    def local_path(self, relative: str) -> Path | None: ...
    def local_copy(self, relative: str) -> AbstractContextManager[Path]: ...
    def read(
        self, relative: str, first: int | None = None, last: int | None = None
    ) -> tuple[Iterator[bytes], ByteRange]: ...
    def sha256_of(self, relative: str) -> str: ...
    def check(self) -> None: ...


class LocalStorage:
    """The storage root on local disk."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.temp_dir = self.root / TEMP
        self.images_dir = self.root / IMAGES
        self.parts_dir = self.root / TUS_PARTS
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        self.images_dir.mkdir(parents=True, exist_ok=True)
        self.url = str(self.root)

    def path_of(self, relative: str) -> Path:
        """Absolute path of a stored file; refuses anything outside ``temp/``, ``temp/tus/``
        and ``images/``."""
        path = (self.root / relative).resolve()
        if path.parent not in (self.temp_dir, self.images_dir, self.parts_dir):
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

    def delete_many(self, paths: Iterable[str]) -> int:
        """Remove these files (gone ones are fine); returns how many were removed."""
        return sum(1 for relative in paths if self.delete(relative))

    def iter_temp_files(self) -> Iterator[Path]:
        yield from (entry for entry in self.temp_dir.iterdir() if entry.is_file())

    def iter_image_files(self) -> Iterator[Path]:
        yield from (entry for entry in self.images_dir.iterdir() if entry.is_file())

    def list_files(self, directory: str) -> Iterator[StoredObject]:
        """The files of ``temp``, ``temp/tus`` or ``images``; one removed while listing is left
        out."""
        if directory == TUS_PARTS:  # made by the first resumable upload's first part
            entries = self.parts_dir.iterdir() if self.parts_dir.is_dir() else iter(())
            files: Iterator[Path] = (entry for entry in entries if entry.is_file())
        else:
            files = self.iter_temp_files() if directory == TEMP else self.iter_image_files()
        for path in files:
            try:
                found = path.stat()
            except FileNotFoundError:  # finalized, renamed into place or removed meanwhile
                continue
            yield StoredObject(f"{directory}/{path.name}", found.st_size, found.st_mtime)

    def exists(self, relative: str) -> bool:
        return self.path_of(relative).is_file()

    def size_of(self, relative: str) -> int | None:
        try:
            return self.path_of(relative).stat().st_size
        except FileNotFoundError:
            return None

    def local_path(self, relative: str) -> Path | None:
        """The file itself, for serving with sendfile (None on backends without one)."""
        return self.path_of(relative)

    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        """A local file with the stored bytes, for Pillow: here, the file itself."""
        path = self.path_of(relative)
        if not path.is_file():
            raise FileNotFoundError(relative)
        yield path

    def read(
        self, relative: str, first: int | None = None, last: int | None = None
    ) -> tuple[Iterator[bytes], ByteRange]:
        """The stored bytes (or bytes ``first``..``last``), as chunks."""
        path = self.path_of(relative)
        total = path.stat().st_size
        if first is not None and first >= total:
            raise RangeNotSatisfiable(total)
        start = first or 0
        end = min(last if last is not None else total - 1, total - 1)
        return _chunks_of(path, start, end), ByteRange(start, end, total)

    def put_file(self, relative: str, source: Path) -> None:
        """Store a copy of ``source`` as ``relative`` (``storage copy``): durable, atomic."""
        target = self.path_of(relative)
        self._copy_atomically(source, target)

    def sha256_of(self, relative: str) -> str:
        return file_sha256(self.path_of(relative))

    def check(self) -> None:
        """Fail now, with a clear message, if the root cannot be written."""
        probe = self.temp_dir / f".check-{uuid.uuid4()}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StorageUnavailable(f"cannot write to {self.temp_dir}: {exc}") from exc

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


def _chunks_of(path: Path, first: int, last: int) -> Iterator[bytes]:
    with path.open("rb") as reader:
        reader.seek(first)
        left = last - first + 1
        while left > 0 and (chunk := reader.read(min(CHUNK_SIZE, left))):
            left -= len(chunk)
            yield chunk


def file_sha256(path: Path) -> str:
    """SHA-256 of a local file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()
