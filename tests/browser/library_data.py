"""Images and galleries for browser tests, made through the services in the prod server's own
database and storage (as if uploaded and organised earlier)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from playwright.sync_api import Page

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import CurrentUser
from imageapp.services.factory import build_upload_service
from imageapp.services.galleries import GalleryService
from tests.factories import metadata
from tests.images import jpeg_bytes
from tests.support.prod_server import ProdServer


def server_settings(server: ProdServer, **changes: object) -> Settings:
    """The settings of the server's database and storage (``changes``: e.g. another queue)."""
    return Settings(database_url=server.database_url, storage_dir=server.storage_dir, **changes)


def add_active_image(
    server: ProdServer,
    user: CurrentUser,
    title: str,
    settings: Settings | None = None,
    **fields: str,
) -> int:
    """An image of the user's store in the server's own database and storage; its renditions
    are made by the server's worker (or wait in the queue ``settings`` names)."""
    uploads = build_upload_service(settings or server_settings(server))
    pending = uploads.create_pending(
        stream=BytesIO(jpeg_bytes((800, 600), seed=sum(map(ord, title)))),
        filename="photo.jpg",
        owner=user.upload_owner,
        store_id=user.store_id,
        uploaded_by=user.id,
    )
    return uploads.finalize(
        token=pending.upload_token, owner=user.upload_owner, metadata=metadata(title, **fields)
    )


def galleries(server: ProdServer) -> GalleryService:
    return GalleryService(get_engine(server.database_url))


def add_gallery(
    server: ProdServer, user: CurrentUser, title: str, image_ids: list[int] | None = None
) -> int:
    """A gallery of the user's store holding ``image_ids`` in that order."""
    gallery_id = galleries(server).create(store_id=user.store_id, title=title)
    if image_ids:
        galleries(server).add_images(
            store_id=user.store_id, gallery_id=gallery_id, image_ids=image_ids
        )
    return gallery_id


def gallery_order(server: ProdServer, user: CurrentUser, gallery_id: int) -> list[int]:
    return galleries(server).image_ids(store_id=user.store_id, gallery_id=gallery_id)


def screenshots(page: Page, directory: Path) -> Callable[[str], None]:
    """Saves ``NN-step.png`` full-page screenshots in the test's tmp dir."""
    counter = iter(range(1, 100))

    def shoot(step: str) -> None:
        page.screenshot(path=directory / f"{next(counter):02d}-{step}.png", full_page=True)

    return shoot
