"""The two-step upload: a checked file becomes a pending image, metadata makes it active.

Both UIs call these methods; neither knows how files or rows are kept.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from imageapp.config import Settings
from imageapp.models import Image, ImageStatus, utcnow
from imageapp.services import tags as tag_service
from imageapp.services.camera_facts import NO_FACTS, CameraFacts
from imageapp.services.cleanup import DiskImageCleanupService, ImageCleanupService
from imageapp.services.duplicates import (
    active_duplicates,
    any_active_duplicate,
    duplicates_by_bytes,
)
from imageapp.services.errors import GalleryUnavailable, MetadataInvalid, UploadNotFound
from imageapp.services.galleries import GalleryNotFound, append_images, lock_gallery
from imageapp.services.incoming import IncomingUpload, StoredFile
from imageapp.services.intents import FileIntents
from imageapp.services.library import ImageSummary
from imageapp.services.metadata import SLUG_MAX, ImageMetadata, slugify
from imageapp.services.metadata_found import FoundMetadata
from imageapp.services.quotas import check_store_quota
from imageapp.services.rendition_jobs import InlineRenditionJobs, RenditionJobs
from imageapp.services.renditions import RenditionService
from imageapp.services.scoping import in_store
from imageapp.services.sql import first_free_slug, serialized
from imageapp.services.storage import CHUNK_SIZE, Storage

log = logging.getLogger(__name__)
SLUG_ATTEMPTS = 20
DRAFT_FIELDS = ("title", "alt_text", "description", "slug", "tags")
# Refused values are kept only up to this length (well past every field's own limit).
DRAFT_FIELD_MAX = 10_000
# Built once: every step 1 runs it.
_INSERT_PENDING = sa.insert(Image).returning(col(Image.id))


@dataclass(frozen=True, slots=True)
class PendingUpload:
    """A validated file waiting for its metadata."""

    image_id: int
    upload_token: str
    mime_type: str
    width: int
    height: int
    size_bytes: int
    original_filename: str
    temp_path: str
    created_at: datetime
    expires_at: datetime
    store_id: int  # the uploader's store
    sha256: str | None = None
    # Active images uploaded from the very same bytes: the UIs offer "keep anyway" or cancel.
    duplicates: tuple[ImageSummary, ...] = ()
    facts: CameraFacts = NO_FACTS
    # What metadata the upload carried (step 2's "Removed: ..." line); None for older rows.
    found_metadata: FoundMetadata | None = None


class UploadService:
    """Pending uploads: create, read, finalize, cancel. Owners are opaque strings (a user's
    ``CurrentUser.upload_owner``), stores the uploader's."""

    def __init__(
        self,
        *,
        engine: Engine,
        storage: Storage,
        settings: Settings,
        cleanup: ImageCleanupService | None = None,
        renditions: RenditionService | None = None,
        jobs: RenditionJobs | None = None,
    ) -> None:
        self.engine = engine
        self.storage = storage
        self.settings = settings
        self.cleanup = cleanup or DiskImageCleanupService(engine, storage)
        self.intents = FileIntents(engine)
        self.renditions = renditions or RenditionService(
            engine=engine, storage=storage, settings=settings
        )
        # The app passes its job queue; without one the renditions are made in the caller.
        self.jobs = jobs or InlineRenditionJobs(self.renditions)

    @property
    def pending_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.pending_ttl_minutes)

    # -- step 1 -------------------------------------------------------------------------------

    def receive(
        self,
        *,
        filename: str | None,
        client_mime_type: str | None,
        owner: str,
        store_id: int,
        uploaded_by: int | None = None,
    ) -> IncomingUpload[PendingUpload]:
        """Start receiving one file chunk by chunk (streaming request bodies, Reflex chunks).

        A store already at its image quota is refused here, before a byte is stored.
        """
        with self.engine.connect() as connection:
            check_store_quota(connection, store_id, self.settings, adding_bytes=0, lock=False)
        return IncomingUpload(
            storage=self.storage,
            intents=self.intents,
            max_bytes=self.settings.max_upload_bytes,
            max_pixels=self.settings.max_pixels,
            record=lambda stored: self._record_pending(stored, owner, store_id, uploaded_by),
            filename=filename,
            client_mime_type=client_mime_type,
            keep_metadata=self.settings.keep_original_metadata,
        )

    def create_pending(
        self,
        *,
        stream: BinaryIO,
        filename: str | None,
        owner: str,
        client_mime_type: str | None = None,
        store_id: int,
        uploaded_by: int | None = None,
    ) -> PendingUpload:
        """Validate and keep one uploaded file as a pending image. Keeps nothing if it raises."""
        incoming = self.receive(
            filename=filename,
            client_mime_type=client_mime_type,
            owner=owner,
            store_id=store_id,
            uploaded_by=uploaded_by,
        )
        try:
            while chunk := stream.read(CHUNK_SIZE):
                incoming.write(chunk)
        except BaseException:
            incoming.abort()
            raise
        return incoming.finish()

    def _record_pending(
        self, stored: StoredFile, owner: str, store_id: int, uploaded_by: int | None
    ) -> PendingUpload:
        token = str(uuid.uuid4())
        now = utcnow()
        values = {
            "status": ImageStatus.PENDING.value,
            "upload_token": token,
            "upload_owner": owner,
            "temp_path": stored.temp_path,
            "original_filename": stored.original_filename,
            "client_mime_type": stored.client_mime_type,
            "mime_type": stored.mime_type,
            "size_bytes": stored.size_bytes,
            "width": stored.width,
            "height": stored.height,
            "sha256": stored.sha256,
            "store_id": store_id,
            "uploaded_by": uploaded_by,
            "created_at": now,
            "updated_at": now,
            **stored.facts.columns(),
            "metadata_found": stored.found.to_json() if stored.found is not None else None,
        }
        # One connection (one pool checkout) for the insert's transaction and the duplicates.
        with self.engine.connect() as connection:
            with serialized(connection):
                self.intents.fulfil(connection, stored.intent)  # the row takes over the file
                check_store_quota(
                    connection, store_id, self.settings, adding_bytes=stored.size_bytes
                )
                image_id = connection.execute(_INSERT_PENDING, values).scalar_one()
            found = any_active_duplicate(connection, stored.sha256, store_id=store_id)
        log.info(
            "pending upload %s stored as %s (%s, %d bytes)",
            image_id,
            stored.temp_path,
            stored.mime_type,
            stored.size_bytes,
        )
        duplicates = (
            active_duplicates(self.engine, stored.sha256, store_id=store_id) if found else ()
        )
        return self._pending_from({**values, "id": image_id}, duplicates)

    def _pending_from(
        self, row: Mapping[Any, Any], duplicates: tuple[ImageSummary, ...] = ()
    ) -> PendingUpload:
        """Display values of a pending row."""
        return PendingUpload(
            image_id=row["id"],
            upload_token=row["upload_token"],
            mime_type=row["mime_type"],
            width=row["width"],
            height=row["height"],
            size_bytes=row["size_bytes"],
            original_filename=row["original_filename"],
            temp_path=row["temp_path"],
            created_at=row["created_at"],
            expires_at=row["created_at"] + self.pending_ttl,
            sha256=row["sha256"],
            store_id=row["store_id"],
            duplicates=duplicates,
            facts=CameraFacts.of_row(row),
            found_metadata=FoundMetadata.from_json(row["metadata_found"]),
        )

    # -- reading ------------------------------------------------------------------------------

    def _live_rows(self, *, owner: str, token: str | None = None) -> list[Mapping[Any, Any]]:
        """The owner's unexpired pending rows (one, with ``token``), oldest first: one query."""
        cutoff = utcnow() - self.pending_ttl
        query = sa.select(Image).where(
            col(Image.upload_owner) == owner,
            col(Image.status) == ImageStatus.PENDING.value,
            col(Image.temp_path).is_not(None),
            col(Image.created_at) > cutoff,
        )
        if token is not None:
            query = query.where(col(Image.upload_token) == token)
        with self.engine.connect() as connection:
            return list(connection.execute(query.order_by(col(Image.id))).mappings())

    def _live_row(self, *, token: str | None, owner: str) -> Mapping[Any, Any]:
        if not token or not _is_uuid(token):
            raise UploadNotFound()
        rows = self._live_rows(owner=owner, token=token)
        if not rows:
            raise UploadNotFound()
        return rows[0]

    def _live(self, *, token: str | None, owner: str) -> PendingUpload:
        """The owner's pending upload without its duplicates (previews, drafts, finalize)."""
        return self._pending_from(self._live_row(token=token, owner=owner))

    def get_pending(self, *, token: str | None, owner: str) -> PendingUpload:
        """The owner's pending upload with the store's duplicates of its bytes (for step 2);
        UploadNotFound if expired, gone or someone else's."""
        return self.pending_with_draft(token=token, owner=owner)[0]

    def pending_with_draft(
        self, *, token: str | None, owner: str
    ) -> tuple[PendingUpload, dict[str, str]]:
        """``get_pending`` and ``draft_of`` from one read (the step-2 page)."""
        row = self._live_row(token=token, owner=owner)
        duplicates = active_duplicates(self.engine, row["sha256"], store_id=row["store_id"])
        return self._pending_from(row, duplicates), _draft_values(row["metadata_draft"])

    def pending_with_drafts(self, *, owner: str) -> list[tuple[PendingUpload, dict[str, str]]]:
        """The owner's unexpired pending uploads, oldest first, each with its duplicates and the
        values last refused for it (to resume them after a reload). Two queries, however many."""
        rows = self._live_rows(owner=owner)
        found = duplicates_by_bytes(self.engine, [(row["sha256"], row["store_id"]) for row in rows])
        return [
            (
                self._pending_from(row, found.get((row["sha256"], row["store_id"]), ())),
                _draft_values(row["metadata_draft"]),
            )
            for row in rows
        ]

    def list_pending(self, *, owner: str) -> list[PendingUpload]:
        """The owner's unexpired pending uploads, oldest first (to resume after a reload)."""
        return [pending for pending, _draft in self.pending_with_drafts(owner=owner)]

    def pending_file(self, *, token: str | None, owner: str) -> tuple[str, str]:
        """Stored path and sniffed MIME type of the owner's pending file (the preview route)."""
        pending = self._live(token=token, owner=owner)
        if not self.storage.exists(pending.temp_path):
            raise UploadNotFound()
        return pending.temp_path, pending.mime_type

    def remember_draft(self, *, token: str | None, owner: str, values: Mapping[str, str]) -> None:
        """Keep refused step-2 values on the pending row so the form can show them again."""
        pending = self._live(token=token, owner=owner)
        draft = {field: str(values.get(field, ""))[:DRAFT_FIELD_MAX] for field in DRAFT_FIELDS}
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(Image)
                .where(col(Image.id) == pending.image_id, col(Image.status) == "pending")
                .values(metadata_draft=json.dumps(draft))
            )

    def draft_of(self, *, token: str | None, owner: str) -> dict[str, str]:
        """The values last refused for this pending upload ({} if none)."""
        return _draft_values(self._live_row(token=token, owner=owner)["metadata_draft"])

    # -- step 2 -------------------------------------------------------------------------------

    def finalize(
        self,
        *,
        token: str | None,
        owner: str,
        metadata: ImageMetadata,
        gallery_id: int | None = None,
    ) -> int:
        """Make the pending upload an active image (optionally placed last in one of the
        store's galleries); returns its id. All of it happens, or none: a gallery the store
        does not have (any more) is GalleryUnavailable and the upload stays pending.

        Order of operations (crash-safe, race-safe):
        1. link the temp file to its permanent name (derived from the temp name, so cleanup of
           the still-pending row would also remove it if we die here);
        2. one transaction: lock the gallery's row first (a concurrent delete of it has then
           either happened, GalleryUnavailable, or waits until the image is in it), then a
           conditional UPDATE ... WHERE status='pending' AND upload_token=token, the tags and
           the gallery placement. Zero rows means someone else got there first: another
           finalize of the same token (return its image) or cleanup (remove our link,
           UploadNotFound);
        3. after the commit, remove the temp name; a crash before that leaves a temp file no row
           refers to, which ``cleanup-temp`` sweeps;
        4. only then enqueue the job that makes the renditions (the step answers without
           waiting for them). Until they exist the pages show the original; a crash before the
           enqueue, or a queue that cannot be reached, is repaired by the worker's reconcile
           job, which finds active images lacking renditions.
        """
        try:
            pending = self._live(token=token, owner=owner)
        except UploadNotFound:
            finished = self._completed_image_id(token, owner)
            if finished is None:
                raise
            return finished
        slug_is_automatic = metadata.slug is None
        try:
            permanent = self.storage.promote(pending.temp_path)
        except FileNotFoundError:
            raise UploadNotFound() from None
        try:
            image_id = self._activate(
                pending, owner, metadata, permanent, slug_is_automatic, gallery_id
            )
        except BaseException:
            if self._completed_image_id(token, owner) is None:
                self.storage.delete(permanent)
            raise
        self.storage.delete(pending.temp_path)
        log.info("image %s finalized as %s", image_id, permanent)
        self._enqueue_renditions(image_id)
        return image_id

    def _enqueue_renditions(self, image_id: int) -> None:
        try:
            self.jobs.enqueue(image_id)
        except Exception:  # the image is active all the same; reconcile enqueues it later
            log.exception("image %s: could not queue its renditions; reconcile will", image_id)

    def cancel(self, *, token: str | None, owner: str) -> None:
        """Discard the owner's pending upload (cancel and upload-different)."""
        pending = self._live(token=token, owner=owner)
        self.cleanup.cleanup_single_pending(pending.upload_token)

    def _activate(
        self,
        pending: PendingUpload,
        owner: str,
        metadata: ImageMetadata,
        permanent: str,
        automatic: bool,
        gallery_id: int | None,
    ) -> int:
        # Room for a "-NN" suffix keeps generated slugs within the column's limit.
        base_slug = metadata.slug or (
            slugify(metadata.title)[: SLUG_MAX - 4].rstrip("-") or "image"
        )
        for _attempt in range(SLUG_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    self._lock_gallery(connection, pending, gallery_id)
                    store = pending.store_id
                    slug = (
                        first_free_slug(connection, col(Image.slug), in_store(store), base_slug)
                        if automatic
                        else base_slug
                    )
                    if not automatic and self._slug_taken(connection, store, slug):
                        raise _slug_clash(slug)
                    if not self._mark_active(connection, pending, metadata, permanent, slug):
                        break
                    tag_service.set_image_tags(connection, pending.image_id, metadata.tags)
                    self._place(connection, pending, gallery_id)
                    return pending.image_id
            except sa.exc.IntegrityError:
                if not automatic:
                    raise _slug_clash(base_slug) from None
                continue  # another image took the same slug at the same moment: try the next
        finished = self._completed_image_id(pending.upload_token, owner)
        if finished is not None:
            return finished
        raise UploadNotFound()

    @staticmethod
    def _lock_gallery(
        connection: Connection, pending: PendingUpload, gallery_id: int | None
    ) -> None:
        """First in the transaction, so the gallery cannot go before the image is in it."""
        if gallery_id is None:
            return
        try:
            lock_gallery(connection, pending.store_id, gallery_id)
        except GalleryNotFound:
            raise GalleryUnavailable(gallery_id) from None

    @staticmethod
    def _place(connection: Connection, pending: PendingUpload, gallery_id: int | None) -> None:
        if gallery_id is not None:
            append_images(connection, pending.store_id, gallery_id, [pending.image_id])

    def _mark_active(
        self,
        connection: Connection,
        pending: PendingUpload,
        metadata: ImageMetadata,
        permanent: str,
        slug: str,
    ) -> bool:
        result = connection.execute(
            sa.update(Image)
            .where(
                col(Image.id) == pending.image_id,
                col(Image.status) == ImageStatus.PENDING.value,
                col(Image.upload_token) == pending.upload_token,
            )
            .values(
                status=ImageStatus.ACTIVE.value,
                file_path=permanent,
                temp_path=None,
                upload_token=None,
                metadata_draft=None,
                completed_upload_token=pending.upload_token,
                title=metadata.title,
                alt_text=metadata.alt_text,
                description=metadata.description,
                slug=slug,
                updated_at=utcnow(),
            )
        )
        return result.rowcount == 1

    def _completed_image_id(self, token: str | None, owner: str | None) -> int | None:
        if not token or owner is None:
            return None
        with self.engine.connect() as connection:
            return connection.scalar(
                sa.select(col(Image.id)).where(
                    col(Image.completed_upload_token) == token,
                    col(Image.upload_owner) == owner,
                )
            )

    @staticmethod
    def _slug_taken(connection: Connection, store_id: int, slug: str) -> bool:
        found = connection.scalar(
            sa.select(col(Image.id)).where(in_store(store_id), col(Image.slug) == slug)
        )
        return found is not None


def _slug_clash(slug: str) -> MetadataInvalid:
    return MetadataInvalid(
        {
            "slug": f"The slug '{slug}' is already used by another image; choose another or leave "
            "it empty to make one from the title."
        }
    )


def _draft_values(raw: str | None) -> dict[str, str]:
    """A stored draft as the form's values ({} when nothing was refused)."""
    loaded = json.loads(raw) if raw else {}
    return {field: str(loaded.get(field, "")) for field in DRAFT_FIELDS} if loaded else {}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36
