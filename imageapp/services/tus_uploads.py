"""Resumable uploads (tus 1.0.0) on the storage interface: the protocol's state, not its HTTP.

Why this shape (README, Resumable uploads):
- The offset lives in the ``tus_upload`` row, so every web worker on every machine agrees.
  A request that writes bytes first takes the row's writer lease with ONE compare-and-set
  update (``writer``/``lease_until`` free or lapsed, and ``upload_offset`` what the client
  says), so of two concurrent PATCHes of one upload the second is refused, never a second
  writer. The lease is renewed while bytes arrive and released by the update that advances
  the offset (which matches the writer, so a writer that lost its lease changes nothing).
- Each PATCH's bytes are one part, ``temp/tus/<id>.<offset>.<writer>`` on either backend
  (on disk written in place, for a bucket spooled locally and then stored as one object).
  A PATCH cut mid-stream keeps what arrived: its part is stored and the offset advances by
  exactly its size, as tus wants; a refused PATCH (past the announced length, lost lease)
  keeps nothing, the offset does not move.
- The last byte feeds the parts, in order, through step 1 itself
  (``UploadService.receive``: sniffing, size, decoding, metadata strip, quota, pending row,
  duplicates) as the uploader; the answer (or the refusal) is kept in the row until it
  expires, the parts are removed either way.
- Rows expire with the pending TTL; ``cleanup_expired`` removes them and their parts, but
  never one whose writer still holds its lease.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from imageapp.config import Settings
from imageapp.models import TusUpload, utcnow
from imageapp.services.errors import UploadRejected
from imageapp.services.quotas import check_store_quota
from imageapp.services.storage import TUS_PARTS, Storage, StorageUnavailable
from imageapp.services.uploads import PendingUpload, UploadService
from imageapp.services.validation import format_bytes

log = logging.getLogger(__name__)

RECEIVING = "receiving"
FINISHING = "finishing"  # the last byte is in; step 1 runs (under the writer lease)
DONE = "done"
REFUSED = "refused"
LEASE = timedelta(seconds=60)
RENEW_AFTER = 15.0  # seconds between lease renewals while bytes arrive
METADATA_MAX = 4096  # the raw Upload-Metadata header
SPOOL_PREFIX = "tus-"  # a PATCH's bytes on their way to a bucket: spool/tus-<id>.<writer>
_TABLE = TusUpload.__table__  # type: ignore[attr-defined]


class TusError(Exception):
    """A request the protocol refuses; ``code`` tells the route which status it is."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def not_found() -> TusError:
    return TusError("not_found", "There is no such upload (finished and expired, or removed).")


@dataclass(frozen=True, slots=True)
class TusState:
    """One upload as HEAD and GET show it."""

    id: str
    owner: str
    store_id: int
    user_id: int | None
    length: int
    offset: int
    metadata: str
    state: str
    created_at: datetime
    expires_at: datetime
    result: dict[str, Any] | None = None
    parts: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.offset == self.length

    @classmethod
    def of_row(cls, row: Any) -> TusState:
        return cls(
            id=row.id,
            owner=row.owner,
            store_id=row.store_id,
            user_id=row.user_id,
            length=row.upload_length,
            offset=row.upload_offset,
            metadata=row.upload_metadata,
            state=row.state,
            created_at=row.created_at,
            expires_at=row.expires_at,
            result=json.loads(row.result) if row.result else None,
            parts=tuple(json.loads(row.parts)),
        )


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: ``key base64value,key2 ...``; TusError on anything malformed."""
    if not header:
        return {}
    if len(header) > METADATA_MAX:
        raise TusError("bad_metadata", f"Upload-Metadata is longer than {METADATA_MAX} bytes.")
    found: dict[str, str] = {}
    for pair in header.split(","):
        key, _, value = pair.strip().partition(" ")
        if not key or " " in value.strip() or key in found:
            raise TusError("bad_metadata", "Upload-Metadata is malformed.")
        try:
            found[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(
                "bad_metadata", f"Upload-Metadata value of {key!r} is not base64 UTF-8."
            ) from None
    return found


class TusUploadService:
    """Create, inspect, write, finish, terminate and expire resumable uploads."""

    def __init__(self, *, uploads: UploadService) -> None:
        self.uploads = uploads
        self.engine: Engine = uploads.engine
        self.storage: Storage = uploads.storage
        self.settings: Settings = uploads.settings
        self.cleanup = TusCleanup(self.engine, self.storage)

    @property
    def max_size(self) -> int:
        return self.settings.max_upload_bytes

    # -- creation -----------------------------------------------------------------------------

    def create(
        self,
        *,
        owner: str,
        store_id: int,
        user_id: int | None,
        length: int,
        metadata: str | None,
    ) -> TusState:
        """A new upload of ``length`` bytes; refused (TusError) past the size limit or quota."""
        if length > self.max_size:
            raise TusError(
                "too_large",
                f"File is larger than {format_bytes(self.max_size)}, the upload limit.",
            )
        parse_metadata(metadata)
        with self.engine.connect() as connection:
            try:
                check_store_quota(
                    connection, store_id, self.settings, adding_bytes=length, lock=False
                )
            except UploadRejected as refusal:
                raise TusError(refusal.code, refusal.message) from None
        now = utcnow()
        values = {
            "id": uuid.uuid4().hex,
            "owner": owner,
            "store_id": store_id,
            "user_id": user_id,
            "upload_length": length,
            "upload_offset": 0,
            "upload_metadata": metadata or "",
            "state": RECEIVING,
            "writer": None,
            "lease_until": None,
            "parts": "[]",
            "result": None,
            "created_at": now,
            "expires_at": now + self.uploads.pending_ttl,
        }
        with self.engine.begin() as connection:
            connection.execute(sa.insert(_TABLE), values)
        log.info("tus upload %s created (%d bytes) for %s", values["id"], length, owner)
        state = TusState.of_row(_Row(values))
        if length == 0:  # complete already: step 1 says what it thinks of an empty file
            return self.finish_if_complete(state.id, owner)
        return state

    # -- reading ------------------------------------------------------------------------------

    def _row(self, connection: Connection, upload_id: str) -> Any:
        return connection.execute(sa.select(_TABLE).where(_TABLE.c.id == upload_id)).first()

    def get(self, upload_id: str, owner: str) -> TusState:
        """The owner's upload; ``not_found`` for anyone else's, ``expired`` once it lapsed."""
        with self.engine.connect() as connection:
            row = self._row(connection, upload_id)
        return self._visible(row, owner)

    @staticmethod
    def _visible(row: Any, owner: str) -> TusState:
        if row is None or row.owner != owner:
            raise not_found()
        if row.expires_at <= utcnow():
            raise TusError("expired", "This upload expired; please upload the file again.")
        return TusState.of_row(row)

    # -- writing ------------------------------------------------------------------------------

    def open_patch(
        self, upload_id: str, owner: str, offset: int, checksum: bytes | None = None
    ) -> PatchWriter | TusState:
        """Take the writer lease for bytes at ``offset``: a PatchWriter, or the upload itself
        when it is complete already and ``offset`` is its end (a retried last PATCH).
        ``checksum``: the SHA-256 these bytes must have (the checksum extension)."""
        writer = uuid.uuid4().hex
        now = utcnow()
        taken = self._take_lease(upload_id, owner, writer, now, state=RECEIVING, offset=offset)
        with self.engine.connect() as connection:
            row = self._row(connection, upload_id)
        state = self._visible(row, owner)
        if taken:
            return PatchWriter(self, state, writer, checksum)
        if state.state != RECEIVING and offset == state.length:
            return self.finish_if_complete(upload_id, owner)
        if state.state != RECEIVING:
            raise TusError("offset_mismatch", "This upload is complete; no more bytes are taken.")
        if offset != state.offset:
            raise TusError(
                "offset_mismatch",
                f"Upload-Offset is {offset} but the server has {state.offset} bytes; "
                "ask with HEAD and resume from there.",
            )
        raise TusError(
            "locked",
            "Another request is sending bytes of this upload right now; "
            "try again in a moment (HEAD tells the offset).",
        )

    def _take_lease(
        self,
        upload_id: str,
        owner: str,
        writer: str,
        now: datetime,
        *,
        state: str,
        offset: int | None = None,
    ) -> bool:
        """The compare-and-set: True if this writer now holds the upload."""
        conditions = [
            _TABLE.c.id == upload_id,
            _TABLE.c.owner == owner,
            _TABLE.c.state == state,
            _TABLE.c.expires_at > now,
            sa.or_(_TABLE.c.writer.is_(None), _TABLE.c.lease_until < now),
        ]
        if offset is not None:
            conditions.append(_TABLE.c.upload_offset == offset)
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.update(_TABLE).where(*conditions).values(writer=writer, lease_until=now + LEASE)
            )
        return result.rowcount == 1

    def renew(self, upload_id: str, writer: str) -> bool:
        """Extend the lease; False if this writer lost it or let it lapse (it must stop and
        keep nothing: once lapsed, the orphan sweep may have taken its part)."""
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.update(_TABLE)
                .where(
                    _TABLE.c.id == upload_id,
                    _TABLE.c.writer == writer,
                    _TABLE.c.lease_until >= now,
                )
                .values(lease_until=now + LEASE)
            )
        return result.rowcount == 1

    def release(self, upload_id: str, writer: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(_TABLE)
                .where(_TABLE.c.id == upload_id, _TABLE.c.writer == writer)
                .values(writer=None, lease_until=None)
            )

    def commit_part(self, state: TusState, writer: str, part: str, size: int) -> TusState:
        """Advance the offset by ``size`` (the stored ``part``); after the last byte the
        writer keeps its lease for ``finish_leased``.

        The update matches this writer, a lease still running and the offset it started at:
        a writer that lost its lease changes nothing (TusError ``locked``) and the caller
        removes its part."""
        new_offset = state.offset + size
        parts = [*state.parts, part]
        complete = new_offset == state.length
        values: dict[str, Any] = {"upload_offset": new_offset, "parts": json.dumps(parts)}
        if complete:  # keep the lease: this writer goes on with step 1
            values |= {"state": FINISHING, "lease_until": utcnow() + LEASE}
        else:
            values |= {"writer": None, "lease_until": None}
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.update(_TABLE)
                .where(
                    _TABLE.c.id == state.id,
                    _TABLE.c.writer == writer,
                    _TABLE.c.lease_until >= utcnow(),
                    _TABLE.c.upload_offset == state.offset,
                    _TABLE.c.state == RECEIVING,
                )
                .values(**values)
            )
        if result.rowcount != 1:
            raise TusError(
                "locked", "This upload was taken over or removed while its bytes arrived."
            )
        log.info("tus upload %s: %d of %d bytes", state.id, new_offset, state.length)
        return TusState(
            **{
                **_fields(state),
                "offset": new_offset,
                "parts": tuple(parts),
                "state": FINISHING if complete else RECEIVING,
            }
        )

    # -- the last byte: step 1 ----------------------------------------------------------------

    def finish_if_complete(self, upload_id: str, owner: str) -> TusState:
        """The upload, finished now if all its bytes are in but step 1 has not run (its
        finisher crashed, or the length was 0). A finisher at work: TusError ``locked``."""
        state = self.get(upload_id, owner)
        if state.state != FINISHING and not (state.state == RECEIVING and state.complete):
            return state
        writer = uuid.uuid4().hex
        now = utcnow()
        if state.state == RECEIVING:  # only a zero-length upload gets here
            moved = self._take_lease(upload_id, owner, writer, now, state=RECEIVING, offset=0)
            if moved:
                with self.engine.begin() as connection:
                    connection.execute(
                        sa.update(_TABLE)
                        .where(_TABLE.c.id == upload_id, _TABLE.c.writer == writer)
                        .values(state=FINISHING)
                    )
        else:
            moved = self._take_lease(upload_id, owner, writer, now, state=FINISHING)
        if not moved:
            fresh = self.get(upload_id, owner)
            if fresh.state in (DONE, REFUSED):
                return fresh
            raise TusError(
                "locked", "The last bytes of this upload are being checked; ask again shortly."
            )
        return self.finish_leased(TusState(**{**_fields(state), "state": FINISHING}), writer)

    def finish_leased(self, state: TusState, writer: str) -> TusState:
        """Feed the parts through step 1 as the uploader, keep its answer, drop the parts.

        Idempotent: only the lease holder of a ``finishing`` row gets here, and the update
        that records the answer matches that writer."""
        metadata = parse_metadata(state.metadata)
        outcome: dict[str, Any]
        try:
            pending = self._run_step_one(state, writer, metadata)
        except UploadRejected as refusal:
            outcome = {"errors": [{"code": refusal.code, "message": refusal.message}]}
            final = REFUSED
        except BaseException:
            self.release(state.id, writer)  # the parts stay: a later GET finishes it
            raise
        else:
            outcome = {
                "upload_token": pending.upload_token,
                "image_id": pending.image_id,
                "duplicates": [
                    {"id": image.id, "title": image.title} for image in pending.duplicates
                ],
            }
            final = DONE
        with self.engine.begin() as connection:
            recorded = connection.execute(
                sa.update(_TABLE)
                .where(_TABLE.c.id == state.id, _TABLE.c.writer == writer)
                .values(
                    state=final,
                    result=json.dumps(outcome),
                    parts="[]",
                    writer=None,
                    lease_until=None,
                )
            ).rowcount
        self._delete_parts(state.parts)
        if recorded != 1:
            log.warning("tus upload %s was removed while it was finished", state.id)
            raise not_found()
        log.info("tus upload %s finished: %s", state.id, final)
        return TusState(**{**_fields(state), "state": final, "result": outcome, "parts": ()})

    def _run_step_one(
        self, state: TusState, writer: str, metadata: dict[str, str]
    ) -> PendingUpload:
        incoming = self.uploads.receive(
            filename=metadata.get("filename") or metadata.get("name"),
            client_mime_type=metadata.get("filetype") or metadata.get("type"),
            owner=state.owner,
            store_id=state.store_id,
            uploaded_by=state.user_id,
        )
        renewed = time.monotonic()
        try:
            for part in state.parts:
                chunks, _span = self.storage.read(part)
                for chunk in chunks:
                    incoming.write(chunk)
                    if time.monotonic() - renewed > RENEW_AFTER:
                        renewed = time.monotonic()
                        if not self.renew(state.id, writer):
                            raise not_found()
        except FileNotFoundError:
            incoming.abort()
            raise UploadRejected(
                "stalled", "Part of this upload was lost; please upload the file again."
            ) from None
        except BaseException:
            incoming.abort()
            raise
        if not self.renew(state.id, writer):
            incoming.abort()
            raise not_found()
        return incoming.finish()

    # -- termination and expiry ---------------------------------------------------------------

    def terminate(self, upload_id: str, owner: str) -> None:
        """DELETE: the row and its parts go now, expired or not (a PATCH still streaming then
        keeps nothing: its commit no longer matches). Not while step 1 runs on its last
        byte."""
        with self.engine.connect() as connection:
            found = self._row(connection, upload_id)
        if found is None or found.owner != owner:
            raise not_found()
        with self.engine.begin() as connection:
            gone = connection.execute(
                sa.delete(_TABLE)
                .where(
                    _TABLE.c.id == upload_id,
                    _TABLE.c.owner == owner,
                    _TABLE.c.state != FINISHING,
                )
                .returning(_TABLE.c.parts)
            ).first()
        if gone is None:
            raise TusError(
                "locked", "The last bytes of this upload are being checked; ask again shortly."
            )
        self._delete_parts(json.loads(gone.parts))
        log.info("tus upload %s terminated", upload_id)

    def _delete_parts(self, parts: Any) -> None:
        self.cleanup.delete_parts(parts)


def spool_dir(settings: Settings | None, storage: Storage) -> Path:
    """Where a bucket's PATCH bytes wait to be stored: the bucket backend's own spool."""
    found = getattr(storage, "spool_dir", None)
    if isinstance(found, Path):
        return found
    assert settings is not None
    return settings.storage_dir / "spool"


class TusCleanup:
    """What ``cleanup-temp`` does for tus uploads (no upload service needed)."""

    def __init__(self, engine: Engine, storage: Storage) -> None:
        self.engine = engine
        self.storage = storage

    def cleanup_expired(self) -> int:
        """Remove uploads past their ``Upload-Expires`` (creation + the pending TTL: a promise
        to the client, so ``--older-than`` does not shorten it), rows first, then parts;
        never one whose writer holds its lease (a PATCH streaming, or step 1 running on the
        last byte)."""
        now = utcnow()
        with self.engine.begin() as connection:
            gone = connection.execute(
                sa.delete(_TABLE)
                .where(
                    _TABLE.c.expires_at <= now,
                    sa.or_(_TABLE.c.writer.is_(None), _TABLE.c.lease_until < now),
                )
                .returning(_TABLE.c.id, _TABLE.c.parts)
            ).all()
        for row in gone:
            self.delete_parts(json.loads(row.parts))
            log.info("removed expired tus upload %s", row.id)
        return len(gone)

    def sweep_orphan_parts(self, older_than: timedelta) -> int:
        """Remove part files no row lists (a writer killed before its commit, or after a
        DELETE), once older than ``older_than``, unless their upload's writer holds a lease."""
        cutoff = time.time() - older_than.total_seconds()
        candidates = [item for item in self.storage.list_files(TUS_PARTS) if item.modified < cutoff]
        if not candidates:
            return 0
        ids = sorted({item.name.partition(".")[0] for item in candidates})
        now = utcnow()
        listed: set[str] = set()
        busy: set[str] = set()
        with self.engine.connect() as connection:
            for row in connection.execute(
                sa.select(_TABLE.c.id, _TABLE.c.parts, _TABLE.c.writer, _TABLE.c.lease_until).where(
                    _TABLE.c.id.in_(ids)
                )
            ):
                listed.update(json.loads(row.parts))
                if row.writer is not None and row.lease_until >= now:
                    busy.add(row.id)
        removed = 0
        for item in candidates:
            if item.relative in listed or item.name.partition(".")[0] in busy:
                continue
            if self.storage.delete(item.relative):
                removed += 1
        return removed

    def sweep_spooled_patches(self, older_than: timedelta) -> int:
        """Remove the local spool files of PATCHes to a bucket that a killed process left,
        once older than ``older_than`` and not under a live lease."""
        if self.storage.local_path(f"{TUS_PARTS}/probe") is not None:
            return 0  # on disk the part is written in place: no spool
        folder = spool_dir(None, self.storage)
        if not folder.is_dir():
            return 0
        cutoff = time.time() - older_than.total_seconds()
        now = utcnow()
        removed = 0
        for path in folder.glob(f"{SPOOL_PREFIX}*"):
            upload_id, _, writer = path.name.removeprefix(SPOOL_PREFIX).partition(".")
            try:
                if path.stat().st_mtime >= cutoff:
                    continue
            except FileNotFoundError:
                continue
            with self.engine.connect() as connection:
                live = connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(_TABLE)
                    .where(
                        _TABLE.c.id == upload_id,
                        _TABLE.c.writer == writer,
                        _TABLE.c.lease_until >= now,
                    )
                )
            if not live:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def delete_parts(self, parts: Any) -> None:
        try:
            self.storage.delete_many(list(parts))
        except StorageUnavailable:  # the orphan sweep removes them later
            log.warning("could not remove the parts %s", parts, exc_info=True)


class PatchWriter:
    """One PATCH's bytes under the writer lease: ``write``, then ``commit`` or ``abort``."""

    def __init__(
        self,
        service: TusUploadService,
        state: TusState,
        writer: str,
        checksum: bytes | None = None,
    ) -> None:
        self.service = service
        self.state = state
        self.writer = writer
        self.size = 0
        self.part = f"{TUS_PARTS}/{state.id}.{state.offset:012d}.{writer}"
        storage = service.storage
        local = storage.local_path(self.part)
        self._spooled = local is None
        if local is None:  # a bucket: spooled beside step 1's spool files, then stored
            local = spool_dir(service.settings, storage) / f"{SPOOL_PREFIX}{state.id}.{writer}"
        self.path: Path = local
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._renewed = time.monotonic()
        self.checksum = checksum
        self._digest = hashlib.sha256()
        try:
            self._handle: BinaryIO | None = self.path.open("xb")
        except BaseException:
            service.release(state.id, writer)
            raise

    @property
    def room(self) -> int:
        """Bytes still allowed: never more than announced."""
        return self.state.length - self.state.offset - self.size

    def write(self, chunk: bytes) -> None:
        """Append; past the announced length the PATCH is refused and keeps nothing."""
        assert self._handle is not None
        if len(chunk) > self.room:
            self.abort()
            raise TusError(
                "too_long",
                f"More bytes than the announced Upload-Length ({self.state.length}).",
            )
        self._handle.write(chunk)
        self.size += len(chunk)
        if self.checksum is not None:
            self._digest.update(chunk)
        if time.monotonic() - self._renewed > RENEW_AFTER:
            self._renewed = time.monotonic()
            if not self.service.renew(self.state.id, self.writer):
                self.abort()
                raise TusError("locked", "This upload was taken over or removed meanwhile.")

    def commit(self, *, cut: bool = False) -> TusState:
        """Store what arrived (all of it, or what came before a ``cut``) and advance the
        offset. With a checksum, only bytes that match it count (a cut chunk never can)."""
        if self.checksum is not None and (cut or self._digest.digest() != self.checksum):
            self.abort()
            if cut:
                return self.state
            raise TusError(
                "checksum_mismatch", "Upload-Checksum does not match these bytes; send them again."
            )
        handle, self._handle = self._handle, None
        if handle is None:
            raise ValueError("the writer is closed")
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        if self.size == 0:
            self._remove_local()
            self.service.release(self.state.id, self.writer)
            return self.state
        try:
            if self._spooled:
                self.service.storage.put_file(self.part, self.path)
                self._remove_local()
            advanced = self.service.commit_part(self.state, self.writer, self.part, self.size)
        except TusError as refusal:
            if refusal.code == "locked":
                self._remove_stored()
            raise
        except BaseException:
            self._remove_stored()
            self.service.release(self.state.id, self.writer)
            raise
        if advanced.state == FINISHING:
            return self.service.finish_leased(advanced, self.writer)
        return advanced

    def abort(self) -> None:
        """Keep nothing of this PATCH and give the lease back (idempotent)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._remove_local()
        self.service.release(self.state.id, self.writer)

    def _remove_local(self) -> None:
        self.path.unlink(missing_ok=True)

    def _remove_stored(self) -> None:
        self._remove_local()
        try:
            self.service.storage.delete(self.part)
        except StorageUnavailable:
            log.warning("could not remove the part %s", self.part, exc_info=True)


class _Row:
    """Attribute access to a dict of column values (a row not read back)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _fields(state: TusState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in TusState.__slots__}
