"""FastAPI dependencies: the services, built from the settings read at request time, and the
type of every id in a path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.engine import Engine

from imageapp.config import Settings, get_settings
from imageapp.db import get_engine
from imageapp.services.bulk import BulkService
from imageapp.services.factory import (
    build_bulk_service,
    build_gallery_service,
    build_trash_service,
    build_upload_service,
)
from imageapp.services.galleries import GalleryService
from imageapp.services.ids import MAX_ID
from imageapp.services.trash import TrashService
from imageapp.services.uploads import UploadService


def settings_dependency() -> Settings:
    return get_settings()


def upload_service(settings: Annotated[Settings, Depends(settings_dependency)]) -> UploadService:
    return build_upload_service(settings)


def gallery_service(settings: Annotated[Settings, Depends(settings_dependency)]) -> GalleryService:
    return build_gallery_service(settings)


def bulk_service(settings: Annotated[Settings, Depends(settings_dependency)]) -> BulkService:
    return build_bulk_service(settings)


def trash_service(settings: Annotated[Settings, Depends(settings_dependency)]) -> TrashService:
    return build_trash_service(settings)


def engine_dependency(settings: Annotated[Settings, Depends(settings_dependency)]) -> Engine:
    return get_engine(settings.database_url)


SettingsDep = Annotated[Settings, Depends(settings_dependency)]
UploadsDep = Annotated[UploadService, Depends(upload_service)]
EngineDep = Annotated[Engine, Depends(engine_dependency)]
GalleriesDep = Annotated[GalleryService, Depends(gallery_service)]
BulkDep = Annotated[BulkService, Depends(bulk_service)]
TrashDep = Annotated[TrashService, Depends(trash_service)]
# Every id in a URL path: one no row can have (too large for the column) is a 404, like any
# unknown id, never a database error.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
