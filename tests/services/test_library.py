"""Reading the library on real SQLite and PostgreSQL: what each listed image carries."""

from __future__ import annotations

from io import BytesIO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from imageapp.services.accounts import AccountService
from imageapp.services.bulk import BulkService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.library import LibraryFilter, list_images
from imageapp.services.uploads import UploadService
from tests.factories import metadata
from tests.images import jpeg_bytes


def test_a_list_of_every_status_says_which_images_are_inactive(
    engine: Engine, uploads: UploadService, cleanup: DiskImageCleanupService
) -> None:
    user = AccountService(engine).create_user(
        store_name="Harbour", email="a@example.com", password="long password 1"
    )
    ids = []
    for n in range(2):
        pending = uploads.create_pending(
            stream=BytesIO(jpeg_bytes((40, 30), seed=n)),
            filename="p.jpg",
            owner=user.upload_owner,
            store_id=user.store_id,
            uploaded_by=user.id,
        )
        ids.append(
            uploads.finalize(
                token=pending.upload_token, owner=user.upload_owner, metadata=metadata(f"P{n}")
            )
        )
    BulkService(engine, cleanup).set_status(
        store_id=user.store_id, image_ids=ids[:1], status="inactive"
    )
    with Session(engine) as session:
        listed = list_images(session, store_id=user.store_id, filters=LibraryFilter(status="all"))
    assert {image.id: image.status for image in listed.items} == {
        ids[0]: "inactive",
        ids[1]: "active",
    }
