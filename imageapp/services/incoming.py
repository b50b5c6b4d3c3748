"""One uploaded file arriving in chunks, checked as it comes (step 1 before the database).

It never holds more than the first few KB in memory: libmagic judges those, then every chunk
goes straight to a temp file with a running size check and a running SHA-256 (for duplicate
detection). Any refusal removes the partial file. Once the file decodes, a PNG or WebP stored
turned is turned upright and its personal metadata is stripped in place, so even the pending
preview is upright and clean.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from imageapp.services.errors import UploadRejected
from imageapp.services.orientation import turn_upright
from imageapp.services.privacy import MetadataStripError, strip_metadata
from imageapp.services.storage import LocalStorage, SizeLimitExceeded, TempFileWriter
from imageapp.services.validation import (
    SNIFF_BYTES,
    ImageType,
    empty_file,
    inspect_image,
    safe_original_filename,
    sniff_type,
    too_large,
)

Recorded = TypeVar("Recorded")


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A fully validated file in temp storage, not yet known to the database."""

    temp_path: str
    mime_type: str
    size_bytes: int
    width: int
    height: int
    original_filename: str
    client_mime_type: str | None
    sha256: str


class IncomingUpload(Generic[Recorded]):
    """Feed with ``write``; end with ``finish`` (validate, then ``record``) or ``abort``."""

    def __init__(
        self,
        *,
        storage: LocalStorage,
        max_bytes: int,
        max_pixels: int,
        record: Callable[[StoredFile], Recorded],
        filename: str | None,
        client_mime_type: str | None,
        keep_metadata: bool = False,
    ) -> None:
        self._storage = storage
        self._keep_metadata = keep_metadata
        self._max_bytes = max_bytes
        self._max_pixels = max_pixels
        self._record = record
        self._filename = safe_original_filename(filename)
        self._client_mime_type = (client_mime_type or "")[:100] or None
        self._head = bytearray()
        self._writer: TempFileWriter | None = None
        self._image_type: ImageType | None = None
        self._sha256 = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        """Accept the next chunk; raises UploadRejected (and cleans up) as soon as it can tell."""
        self.size += len(chunk)
        if self.size > self._max_bytes:
            self.abort()
            raise too_large(self._max_bytes)
        self._sha256.update(chunk)
        if self._writer is None:
            self._head += chunk
            if len(self._head) >= SNIFF_BYTES:
                self._start_file()
            return
        self._write_to_file(chunk)

    def finish(self) -> Recorded:
        """Decode the whole file, then record it; on any failure the file is removed."""
        if self._writer is None:
            if not self._head:
                raise empty_file()
            self._start_file()
        writer, image_type = self._writer, self._image_type
        assert writer is not None
        assert image_type is not None
        writer.close()
        path = self._storage.path_of(writer.relative)
        try:
            info = inspect_image(path, image_type, self._max_pixels)
            self._prepare_for_serving(path, image_type.mime_type)
            width, height = info.shown_size
            return self._record(
                StoredFile(
                    temp_path=writer.relative,
                    mime_type=image_type.mime_type,
                    size_bytes=path.stat().st_size,
                    width=width,
                    height=height,
                    original_filename=self._filename,
                    client_mime_type=self._client_mime_type,
                    sha256=self._sha256.hexdigest(),
                )
            )
        except BaseException:
            writer.discard()
            raise

    def _prepare_for_serving(self, path: Path, mime_type: str) -> None:
        """Upright in every browser, then (unless kept by the setting) no personal metadata."""
        turn_upright(
            path, mime_type, keep_metadata=self._keep_metadata, max_pixels=self._max_pixels
        )
        if not self._keep_metadata:
            _strip_personal_metadata(path, mime_type)

    def abort(self) -> None:
        """Drop whatever arrived so far (client cancelled, or a refusal)."""
        if self._writer is not None:
            self._writer.discard()
        self._head.clear()

    def _start_file(self) -> None:
        try:
            self._image_type = sniff_type(bytes(self._head))
        except Exception:
            self.abort()
            raise
        self._writer = self._storage.open_temp_writer(self._image_type.extension, self._max_bytes)
        head, self._head = bytes(self._head), bytearray()
        self._write_to_file(head)

    def _write_to_file(self, chunk: bytes) -> None:
        assert self._writer is not None
        try:
            self._writer.write(chunk)
        except SizeLimitExceeded:
            raise too_large(self._max_bytes) from None
        except BaseException:
            self._writer.discard()
            raise


def _strip_personal_metadata(path: Path, mime_type: str) -> None:
    try:
        strip_metadata(path, mime_type)
    except MetadataStripError:
        raise UploadRejected(
            "damaged", "This image's file structure is damaged and cannot be cleaned safely."
        ) from None
