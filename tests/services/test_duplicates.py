"""Duplicate detection: the same bytes as an active image are pointed out, never refused."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.models import Image
from imageapp.services.uploads import UploadService
from tests.factories import metadata, pending_upload
from tests.images import jpeg_bytes


def test_the_same_bytes_as_an_active_image_are_reported(uploads: UploadService) -> None:
    data = jpeg_bytes(seed=7)
    first = pending_upload(uploads, data=data)
    assert first.duplicates == ()
    assert uploads.get_pending(token=first.upload_token, owner="session-1").duplicates == ()
    first_id = uploads.finalize(
        token=first.upload_token, owner="session-1", metadata=metadata("Harbour")
    )

    again = pending_upload(uploads, owner="session-2", data=data)
    assert [(d.id, d.title) for d in again.duplicates] == [(first_id, "Harbour")]
    found = uploads.get_pending(token=again.upload_token, owner="session-2").duplicates
    assert [d.id for d in found] == [first_id]
    assert uploads.get_pending(token=again.upload_token, owner="session-2") == again

    other = pending_upload(uploads, owner="session-2", data=jpeg_bytes(seed=8))
    assert other.duplicates == ()
    listed = {pending.upload_token: pending for pending in uploads.list_pending(owner="session-2")}
    assert listed == {again.upload_token: again, other.upload_token: other}


def test_keep_anyway_finishes_as_usual(uploads: UploadService, engine: Engine) -> None:
    data = jpeg_bytes(seed=9)
    first = pending_upload(uploads, data=data)
    uploads.finalize(token=first.upload_token, owner="session-1", metadata=metadata("One"))
    second = pending_upload(uploads, data=data)
    assert second.duplicates
    second_id = uploads.finalize(
        token=second.upload_token, owner="session-1", metadata=metadata("Two")
    )
    with engine.connect() as connection:
        rows = connection.execute(sa.select(Image.status, Image.sha256).order_by(Image.id)).all()
    assert [row.status for row in rows] == ["active", "active"]
    assert rows[0].sha256 == rows[1].sha256
    third = pending_upload(uploads, data=data)
    assert [d.id for d in third.duplicates][-1] == second_id


def test_pending_and_inactive_images_are_not_duplicates(
    uploads: UploadService, engine: Engine
) -> None:
    data = jpeg_bytes(seed=10)
    pending_upload(uploads, data=data)
    finished = pending_upload(uploads, data=data)
    uploads.finalize(token=finished.upload_token, owner="session-1", metadata=metadata())
    with engine.begin() as connection:
        connection.execute(
            sa.update(Image).where(Image.status == "active").values(status="inactive")
        )
    assert pending_upload(uploads, data=data).duplicates == ()
