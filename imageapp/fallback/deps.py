"""FastAPI dependencies: the services, built from the settings read at request time."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.engine import Engine

from imageapp.config import Settings, get_settings
from imageapp.db import get_engine
from imageapp.services.factory import build_upload_service
from imageapp.services.uploads import UploadService


def settings_dependency() -> Settings:
    return get_settings()


def upload_service(settings: Annotated[Settings, Depends(settings_dependency)]) -> UploadService:
    return build_upload_service(settings)


def engine_dependency(settings: Annotated[Settings, Depends(settings_dependency)]) -> Engine:
    return get_engine(settings.database_url)


SettingsDep = Annotated[Settings, Depends(settings_dependency)]
UploadsDep = Annotated[UploadService, Depends(upload_service)]
EngineDep = Annotated[Engine, Depends(engine_dependency)]
