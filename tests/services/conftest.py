"""Services the service tests share, built on the real engine and storage of tests/conftest.py
(SQLite and PostgreSQL; the local disk and S3)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.bulk import BulkService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.galleries import GalleryService
from imageapp.services.trash import TrashService


@pytest.fixture
def bulk(engine: Engine, cleanup: DiskImageCleanupService) -> BulkService:
    return BulkService(engine, cleanup)


@pytest.fixture
def trash(engine: Engine, cleanup: DiskImageCleanupService) -> TrashService:
    return TrashService(engine, cleanup)


@pytest.fixture
def galleries(engine: Engine) -> GalleryService:
    return GalleryService(engine)


@pytest.fixture
def alice(engine: Engine) -> CurrentUser:
    """A member of the store "Harbour"."""
    return AccountService(engine).create_user(
        store_name="Harbour", email="alice@example.com", password="long password 1"
    )
