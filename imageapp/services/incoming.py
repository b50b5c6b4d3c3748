"""One uploaded file arriving in chunks, checked as it comes (step 1 before the database).

It never holds more than the first few KB in memory: libmagic judges those, then every chunk
goes straight to a temp file with a running size check and a running SHA-256 (for duplicate
detection). Any refusal removes the partial file. Once the file decodes, a PNG or WebP stored
turned is turned upright and its personal metadata is stripped in place, so even the pending
preview is upright and clean.

The temp file is announced as a write intent before it is created and until its pending row is
recorded (``imageapp.services.intents``), so ``cleanup-temp`` never takes it for an orphan while
it streams in or is validated; each chunk renews the lease once ``RENEW_AFTER`` has passed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import sqlalchemy as sa

from imageapp.services.camera_facts import NO_FACTS, CameraFacts
from imageapp.services.errors import UploadRejected
from imageapp.services.intents import FileIntents, IntentLost, WriteIntent
from imageapp.services.metadata_found import FoundMetadata
from imageapp.services.orientation import turn_upright
from imageapp.services.privacy import MetadataStripError, strip_metadata
from imageapp.services.storage import SizeLimitExceeded, Storage, TempFileWriter
from imageapp.services.validation import (
    SNIFF_BYTES,
    ImageType,
    empty_file,
    inspect_image,
    safe_original_filename,
    sniff_type,
    too_large,
)

log = logging.getLogger(__name__)
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
    # Settle it (``FileIntents.fulfil``) in the transaction that records the pending row.
    intent: WriteIntent
    # Read before the strip: kept as data on the row, and what step 2 says was removed.
    facts: CameraFacts = NO_FACTS
    found: FoundMetadata | None = None


class IncomingUpload(Generic[Recorded]):
    """Feed with ``write``; end with ``finish`` (validate, then ``record``) or ``abort``."""

    def __init__(
        self,
        *,
        storage: Storage,
        intents: FileIntents,
        max_bytes: int,
        max_pixels: int,
        record: Callable[[StoredFile], Recorded],
        filename: str | None,
        client_mime_type: str | None,
        keep_metadata: bool = False,
    ) -> None:
        self._storage = storage
        self._intents = intents
        self._intent: WriteIntent | None = None
        self._renewed_at = 0.0
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
        writer, image_type, intent = self._writer, self._image_type, self._intent
        assert writer is not None
        assert image_type is not None
        assert intent is not None
        writer.close()
        path = writer.path  # the pending file, or the local spool file of a bucket's one
        try:
            # Renewed within ``renew_after``, so nearly a full lease is left for validating and
            # recording; a lost lease shows at the latest when ``record`` settles it.
            self._keep_lease()
            info = inspect_image(path, image_type, self._max_pixels)
            self._prepare_for_serving(path, image_type.mime_type, info.orientation)
            width, height = info.shown_size
            size_bytes = path.stat().st_size
            writer.publish()  # still under the intent: no sweep takes it before its row exists
            self._keep_lease()
            recorded = self._record(
                StoredFile(
                    temp_path=writer.relative,
                    mime_type=image_type.mime_type,
                    size_bytes=size_bytes,
                    width=width,
                    height=height,
                    original_filename=self._filename,
                    client_mime_type=self._client_mime_type,
                    sha256=self._sha256.hexdigest(),
                    intent=intent,
                    facts=info.facts,
                    found=dataclasses.replace(info.found, removed=not self._keep_metadata),
                )
            )
        except IntentLost:
            self._discard()
            raise stalled() from None
        except UploadRejected:
            # A file swept after its lease was reclaimed reads as damaged: say what happened.
            lost = not self._intent_held(intent)
            self._discard()
            if lost:
                raise stalled() from None
            raise
        except BaseException:
            self._discard()
            raise
        self._intent = None  # settled together with the pending row
        return recorded

    def _prepare_for_serving(self, path: Path, mime_type: str, orientation: int) -> None:
        """Upright in every browser, then (unless kept by the setting) no personal metadata."""
        turn_upright(
            path, mime_type, keep_metadata=self._keep_metadata, max_pixels=self._max_pixels
        )
        if not self._keep_metadata:
            _strip_personal_metadata(path, mime_type, orientation)

    def _intent_held(self, intent: WriteIntent) -> bool:
        try:
            return self._intents.held(intent)
        except sa.exc.SQLAlchemyError:  # cannot tell: the refusal stands as it is
            return True

    def abort(self) -> None:
        """Drop whatever arrived so far (client cancelled, or a refusal)."""
        self._discard()
        self._head.clear()

    def _start_file(self) -> None:
        try:
            self._image_type = sniff_type(bytes(self._head))
        except Exception:
            self.abort()
            raise
        relative = self._storage.new_temp_path(self._image_type.extension)
        self._intent = self._intents.declare([relative])  # before the file exists
        self._renewed_at = time.monotonic()
        try:
            self._writer = self._storage.open_temp_writer(relative, self._max_bytes)
        except BaseException:
            self._discard()
            raise
        head, self._head = bytes(self._head), bytearray()
        self._write_to_file(head)

    def _write_to_file(self, chunk: bytes) -> None:
        assert self._writer is not None
        try:
            self._writer.write(chunk)
            self._keep_lease()
        except SizeLimitExceeded:
            self._discard()
            raise too_large(self._max_bytes) from None
        except IntentLost:
            self._discard()
            raise stalled() from None
        except BaseException:
            self._discard()
            raise

    def _keep_lease(self) -> None:
        """Renew the intent while bytes keep coming (at most once per ``renew_after``)."""
        assert self._intent is not None
        now = time.monotonic()
        if now - self._renewed_at >= self._intents.renew_after.total_seconds():
            self._intents.renew(self._intent)
            self._renewed_at = now

    def _discard(self) -> None:
        """Remove the partial file, then its intent (idempotent)."""
        if self._writer is not None:
            self._writer.discard()
        intent, self._intent = self._intent, None
        if intent is None:
            return
        try:
            self._intents.withdraw(intent)
        except sa.exc.SQLAlchemyError:  # the file is gone; the lease ends on its own
            log.warning("could not withdraw the intent of %s", intent.paths, exc_info=True)


def stalled() -> UploadRejected:
    return UploadRejected(
        "stalled",
        "The upload paused for too long and was discarded. Please upload the file again.",
    )


def _strip_personal_metadata(path: Path, mime_type: str, orientation: int) -> None:
    try:
        strip_metadata(path, mime_type, orientation=orientation)
    except MetadataStripError:
        raise UploadRejected(
            "damaged", "This image's file structure is damaged and cannot be cleaned safely."
        ) from None
