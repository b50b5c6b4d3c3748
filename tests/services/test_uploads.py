"""The upload service against real SQLite and PostgreSQL databases and real files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.models import Image, ImageStatus, ImageTag, Tag
from imageapp.services.errors import MetadataInvalid, UploadNotFound, UploadRejected
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.factories import a_store, metadata, pending_upload
from tests.images import HTML, IMAGE_FACTORIES, SVG, jpeg_bytes, png_claiming, truncated_jpeg
from tests.stored import image_names, temp_names


def stored_files(storage: Storage) -> dict[str, list[str]]:
    """Pending files and permanent originals (their renditions, ``<uuid>.<preset>...``, aside)."""
    return {
        "temp": temp_names(storage),
        "images": [name for name in image_names(storage) if name.count(".") == 1],
    }


def row_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(Image)) or 0


@pytest.mark.parametrize(
    ("mime_type", "extension"),
    [
        ("image/jpeg", "jpg"),
        ("image/png", "png"),
        ("image/gif", "gif"),
        ("image/webp", "webp"),
        ("image/heic", "heic"),
        ("image/avif", "avif"),
    ],
)
def test_create_pending_keeps_a_validated_file(
    uploads: UploadService, storage: Storage, mime_type: str, extension: str
) -> None:
    pending = pending_upload(uploads, data=IMAGE_FACTORIES[mime_type]((30, 20)))
    assert pending.mime_type == mime_type
    assert (pending.width, pending.height) == (30, 20)
    assert pending.temp_path.startswith("temp/")
    assert pending.temp_path.endswith(f".{extension}")
    assert storage.exists(pending.temp_path)
    assert uploads.get_pending(token=pending.upload_token, owner="session-1") == pending


def test_client_name_is_not_trusted_for_the_extension(uploads: UploadService) -> None:
    pending = pending_upload(uploads, data=jpeg_bytes(), filename="holiday.png")
    assert pending.temp_path.endswith(".jpg")
    assert pending.mime_type == "image/jpeg"
    assert pending.original_filename == "holiday.png"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", "empty"),
        (b"hello", "not_an_image"),
        (HTML, "not_an_image"),
        (SVG, "unsupported_type"),
        (truncated_jpeg(), "damaged"),
        (png_claiming(30000, 30000), "too_many_pixels"),
    ],
)
def test_refused_uploads_leave_nothing(
    uploads: UploadService, storage: Storage, engine: Engine, payload: bytes, code: str
) -> None:
    with pytest.raises(UploadRejected) as err:
        pending_upload(uploads, data=payload, filename="x.jpg")
    assert err.value.code == code
    assert stored_files(storage) == {"temp": [], "images": []}
    assert row_count(engine) == 0


class CountingStream(BytesIO):
    """Records how much of the body was read, to prove the size check stops early."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_oversize_is_refused_while_streaming(
    uploads: UploadService, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads.settings, "max_upload_bytes", 2 * 1024 * 1024)
    body = CountingStream(jpeg_bytes() + b"\0" * (20 * 1024 * 1024))
    with pytest.raises(UploadRejected) as err:
        uploads.create_pending(
            stream=body, filename="big.jpg", owner="s", store_id=a_store(uploads.engine)
        )
    assert err.value.code == "too_large"
    assert "2 MB" in err.value.message
    assert body.bytes_read <= 3 * 1024 * 1024  # stopped after the limit, not at the end
    assert stored_files(storage) == {"temp": [], "images": []}


def test_finalize_moves_the_file_and_activates(
    uploads: UploadService, storage: Storage, engine: Engine
) -> None:
    pending = pending_upload(uploads)
    image_id = uploads.finalize(
        token=pending.upload_token,
        owner="session-1",
        metadata=metadata("Sunset at Sea", tags=" Beach, sea ,BEACH,, sunset "),
    )
    with engine.connect() as connection:
        row = connection.execute(sa.select(Image).where(Image.id == image_id)).mappings().one()
        tags = connection.scalars(
            sa.select(Tag.name)
            .join(ImageTag)
            .where(ImageTag.image_id == image_id)
            .order_by(Tag.name)
        ).all()
    assert row["status"] == ImageStatus.ACTIVE
    assert row["upload_token"] is None
    assert row["temp_path"] is None
    assert row["slug"] == "sunset-at-sea"
    assert tags == ["beach", "sea", "sunset"]
    assert storage.exists(row["file_path"])
    assert stored_files(storage)["temp"] == []
    with pytest.raises(UploadNotFound):
        uploads.get_pending(token=pending.upload_token, owner="session-1")


def test_double_finalize_returns_the_same_image(uploads: UploadService, engine: Engine) -> None:
    pending = pending_upload(uploads)
    first = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    second = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    assert first == second
    assert row_count(engine) == 1


def test_another_owner_cannot_see_finish_or_cancel(
    uploads: UploadService, storage: Storage
) -> None:
    pending = pending_upload(uploads, owner="alice")
    for action in (
        lambda: uploads.get_pending(token=pending.upload_token, owner="mallory"),
        lambda: uploads.pending_file(token=pending.upload_token, owner="mallory"),
        lambda: uploads.finalize(token=pending.upload_token, owner="mallory", metadata=metadata()),
        lambda: uploads.cancel(token=pending.upload_token, owner="mallory"),
    ):
        with pytest.raises(UploadNotFound):
            action()
    assert uploads.get_pending(token=pending.upload_token, owner="alice") == pending
    assert storage.exists(pending.temp_path)


def test_metadata_error_keeps_the_upload_pending(uploads: UploadService, storage: Storage) -> None:
    pending = pending_upload(uploads)
    other = pending_upload(uploads, data=jpeg_bytes(seed=2))  # not a duplicate of the first
    uploads.finalize(token=other.upload_token, owner="session-1", metadata=metadata(slug="taken"))
    with pytest.raises(MetadataInvalid) as err:
        uploads.finalize(
            token=pending.upload_token, owner="session-1", metadata=metadata(slug="taken")
        )
    assert "already used" in err.value.errors["slug"]
    assert uploads.get_pending(token=pending.upload_token, owner="session-1") == pending
    assert storage.exists(pending.temp_path)
    assert len(stored_files(storage)["images"]) == 1  # no half-promoted copy left behind


def test_generated_slugs_get_a_number_when_taken(uploads: UploadService, engine: Engine) -> None:
    ids = [
        uploads.finalize(
            token=pending_upload(uploads).upload_token,
            owner="session-1",
            metadata=metadata("Été à Paris"),
        )
        for _ in range(3)
    ]
    with engine.connect() as connection:
        slugs = connection.scalars(
            sa.select(Image.slug).where(Image.id.in_(ids)).order_by(Image.id)
        ).all()
    assert slugs == ["ete-a-paris", "ete-a-paris-2", "ete-a-paris-3"]


def test_cancel_removes_row_and_file(
    uploads: UploadService, storage: Storage, engine: Engine
) -> None:
    pending = pending_upload(uploads)
    uploads.cancel(token=pending.upload_token, owner="session-1")
    assert row_count(engine) == 0
    assert stored_files(storage) == {"temp": [], "images": []}
    with pytest.raises(UploadNotFound):
        uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())


def test_expired_upload_is_not_found(uploads: UploadService, engine: Engine) -> None:
    pending = pending_upload(uploads)
    with engine.begin() as connection:
        connection.execute(
            sa.update(Image).values(created_at=pending.created_at.replace(year=2000))
        )
    with pytest.raises(UploadNotFound):
        uploads.get_pending(token=pending.upload_token, owner="session-1")
    with pytest.raises(UploadNotFound):
        uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())


@pytest.mark.parametrize("token", [None, "", "not-a-uuid", "' OR 1=1 --"])
def test_bad_tokens_are_not_found(uploads: UploadService, token: str | None) -> None:
    with pytest.raises(UploadNotFound):
        uploads.get_pending(token=token, owner="session-1")


def test_list_pending_shows_only_the_owners_unexpired_uploads(uploads: UploadService) -> None:
    mine = [pending_upload(uploads, owner="me") for _ in range(2)]
    pending_upload(uploads, owner="someone-else")
    assert uploads.list_pending(owner="me") == mine


def test_refused_values_are_kept_as_a_draft_until_finalize(
    uploads: UploadService, engine: Engine
) -> None:
    pending = pending_upload(uploads)
    values = {"title": "x" * 300, "alt_text": "", "description": "d\nmore", "slug": "Bad Slug"}
    uploads.remember_draft(token=pending.upload_token, owner="session-1", values=values)
    draft = uploads.draft_of(token=pending.upload_token, owner="session-1")
    assert draft == values | {"tags": ""}
    with pytest.raises(UploadNotFound):
        uploads.draft_of(token=pending.upload_token, owner="someone-else")
    uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Image.metadata_draft)) is None


@contextmanager
def counted_queries(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs inside the block."""
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def queries_to_list(uploads: UploadService, engine: Engine, owner: str) -> int:
    with counted_queries(engine) as statements:
        listed = uploads.pending_with_drafts(owner=owner)
    assert all(draft["title"] == "refused" for _pending, draft in listed)
    assert all(pending.duplicates for pending, _draft in listed)
    return len(statements)


def test_listing_pending_uploads_costs_the_same_queries_for_one_or_ten(
    uploads: UploadService, engine: Engine
) -> None:
    """Resuming the upload page reads every pending upload with its draft and duplicates:
    a constant number of queries, not one (or five) per upload."""
    data = jpeg_bytes(seed=3)
    done = pending_upload(uploads, owner="me", data=data)
    uploads.finalize(token=done.upload_token, owner="me", metadata=metadata("First"))
    counts = {}
    for owner, many in (("one", 1), ("ten", 10)):
        for _ in range(many):
            pending = pending_upload(uploads, owner=owner, data=data)
            uploads.remember_draft(
                token=pending.upload_token, owner=owner, values={"title": "refused"}
            )
        counts[many] = queries_to_list(uploads, engine, owner)
    assert counts[10] == counts[1] <= 2
