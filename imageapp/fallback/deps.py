"""FastAPI dependencies: the services, built from the settings read at request time."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.engine import Engine

from imageapp.config import Settings, get_settings
from imageapp.db import get_engine
from imageapp.services.bulk import BulkService
from imageapp.services.factory import (
    build_bulk_service,
    build_gallery_service,
    build_upload_service,
)
from imageapp.services.galleries import GalleryService
from imageapp.services.uploads import UploadService


def settings_dependency() -> Settings:
    return get_settings()


def upload_service(settings: Annotated[Settings, Depends(settings_dependency)]) -> UploadService:
    return build_upload_service(settings)


def gallery_service(settings: Annotated[Settings, Depends(settings_dependency)]) -> GalleryService:
    return build_gallery_service(settings)


def bulk_service(settings: Annotated[Settings, Depends(settings_dependency)]) -> BulkService:
    return build_bulk_service(settings)


def engine_dependency(settings: Annotated[Settings, Depends(settings_dependency)]) -> Engine:
    return get_engine(settings.database_url)


SettingsDep = Annotated[Settings, Depends(settings_dependency)]
UploadsDep = Annotated[UploadService, Depends(upload_service)]
EngineDep = Annotated[Engine, Depends(engine_dependency)]
GalleriesDep = Annotated[GalleryService, Depends(gallery_service)]
BulkDep = Annotated[BulkService, Depends(bulk_service)]
