"""No-JS step 2 into a gallery that a colleague deletes while it is being saved: back to step 2
with the error next to the gallery field, every value kept, the upload still pending."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import CurrentUser
from imageapp.services.errors import GalleryUnavailable
from imageapp.services.factory import build_gallery_service
from imageapp.services.uploads import UploadService
from tests.http.conftest import complete, new_gallery, upload
from tests.stored import image_names
from tests.support.races import on_first_write

# Touches stored files: runs on the local disk and on S3 (SeaweedFS).
pytestmark = pytest.mark.both_storages

# As the templates escape it (Jinja writes an apostrophe as &#39;).
GALLERY_ERROR = 'id="gallery_id_error">' + GalleryUnavailable.MESSAGE.replace("'", "&#39;")

STEP_TWO = "/nojs/images/upload/metadata"


def test_a_gallery_deleted_while_step_two_saves_comes_back_as_a_field_error(
    app_settings: Settings, client: TestClient, alice: CurrentUser, service: UploadService
) -> None:
    summer = new_gallery(client, "Summer")
    assert upload(client).status_code == 303
    owner = alice.upload_owner
    (pending,) = service.list_pending(owner=owner)

    def delete() -> None:
        build_gallery_service().delete(store_id=alice.store_id, gallery_id=summer)

    with on_first_write(get_engine(), ("image", "gallery", "gallery_image"), delete) as fired:
        response = complete(
            client,
            title="Harbour",
            description="Boats at dawn",
            tags="sea, boats",
            gallery_id=str(summer),
        )

    assert fired
    assert response.status_code == 303, response.text  # not the 404 of a gallery gone
    assert response.headers["location"] == STEP_TWO
    page = client.get(STEP_TWO)
    assert page.status_code == 200
    assert GALLERY_ERROR in page.text
    for kept in ('value="Harbour"', "Boats at dawn</textarea>", 'value="sea, boats"'):
        assert kept in page.text
    assert service.list_pending(owner=owner) == [pending]
    assert image_names(service.storage) == []
