"""Builds the services from the settings, so both UIs and the CLI wire them the same way."""

from __future__ import annotations

from imageapp.config import Settings, get_settings
from imageapp.db import get_engine
from imageapp.jobs.tasks import get_jobs
from imageapp.services.backends import storage_for
from imageapp.services.bulk import BulkService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.galleries import GalleryService
from imageapp.services.renditions import RenditionService
from imageapp.services.storage import Storage
from imageapp.services.trash import TrashService
from imageapp.services.uploads import UploadService


def build_storage(settings: Settings | None = None) -> Storage:
    """The bucket of IMAGEAPP_STORAGE_URL, else the local disk under IMAGEAPP_STORAGE_DIR."""
    return storage_for(settings or get_settings())


def build_cleanup_service(settings: Settings | None = None) -> DiskImageCleanupService:
    settings = settings or get_settings()
    return DiskImageCleanupService(
        get_engine(settings.database_url), build_storage(settings), removals=get_jobs(settings)
    )


def build_rendition_service(settings: Settings | None = None) -> RenditionService:
    settings = settings or get_settings()
    return RenditionService(
        engine=get_engine(settings.database_url), storage=build_storage(settings), settings=settings
    )


def build_upload_service(settings: Settings | None = None) -> UploadService:
    settings = settings or get_settings()
    engine = get_engine(settings.database_url)
    storage = build_storage(settings)
    return UploadService(
        engine=engine,
        storage=storage,
        settings=settings,
        cleanup=DiskImageCleanupService(engine, storage, removals=get_jobs(settings)),
        renditions=RenditionService(engine=engine, storage=storage, settings=settings),
        jobs=get_jobs(settings),
    )


def build_gallery_service(settings: Settings | None = None) -> GalleryService:
    return GalleryService(get_engine((settings or get_settings()).database_url))


def build_trash_service(settings: Settings | None = None) -> TrashService:
    settings = settings or get_settings()
    return TrashService(get_engine(settings.database_url), build_cleanup_service(settings))


def build_bulk_service(settings: Settings | None = None) -> BulkService:
    settings = settings or get_settings()
    return BulkService(get_engine(settings.database_url), build_cleanup_service(settings))
