"""Camera facts through the upload service (SQLite and PostgreSQL): read from every format
before the strip, kept on the row from step 1 to the active image, never GPS, garbage dropped
value by value; the library sorted by date taken; step 2's line on what was removed."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import sqlalchemy as sa
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image as ImageRow
from imageapp.services.camera_facts import CameraFacts, camera_facts_line
from imageapp.services.galleries import GalleryService
from imageapp.services.library_query import LibraryQuery
from imageapp.services.uploads import UploadService
from imageapp.services.usecases.library import browse_library, show_image
from imageapp.services.wording import metadata_removal_line
from tests.factories import a_store, metadata, pending_upload
from tests.images import jpeg_bytes
from tests.images_metadata import (
    CAMERA_LINE,
    CAMERA_SERIAL,
    GPS_IFD,
    SECRET,
    camera_exif,
    photo_with_camera_facts,
)
from tests.stored import read_bytes

FACTS = CameraFacts(
    taken_at=datetime(2025, 5, 3, 14, 2, 11),
    taken_at_utc_offset=120,
    camera_make="Canon",
    camera_model="Canon EOS R6",
    lens_model="RF 24-105mm F4 L IS USM",
    focal_length_mm=50.0,
    f_number=4.0,
    exposure_time=0.004,
    iso=400,
)
KINDS = ["jpeg", "mpo", "png", "webp", "heic", "avif"]


def row_facts(engine: Engine, image_id: int) -> CameraFacts:
    with engine.connect() as connection:
        row = connection.execute(sa.select(ImageRow).where(col(ImageRow.id) == image_id)).mappings()
        return CameraFacts.of_row(next(iter(row)))


@pytest.mark.parametrize("kind", KINDS)
def test_facts_are_read_from_every_format_and_kept_to_the_active_image(
    uploads: UploadService, engine: Engine, kind: str
) -> None:
    pending = pending_upload(uploads, data=photo_with_camera_facts(kind), filename=f"p.{kind}")
    assert pending.facts == FACTS
    assert row_facts(engine, pending.image_id) == FACTS  # on the pending row from step 1
    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    assert row_facts(engine, image_id) == FACTS
    shown = show_image(engine, store_id=pending.store_id, image_id=image_id)
    assert shown is not None
    assert camera_facts_line(shown.image.facts) == CAMERA_LINE


@pytest.mark.parametrize("kind", KINDS)
def test_gps_and_serial_are_not_kept_but_step_two_says_they_were_removed(
    uploads: UploadService, kind: str
) -> None:
    pending = pending_upload(uploads, data=photo_with_camera_facts(kind), filename=f"p.{kind}")
    stored, _mime_type = uploads.pending_file(token=pending.upload_token, owner="session-1")
    data = read_bytes(uploads.storage, stored)
    assert CAMERA_SERIAL.encode() not in data
    assert SECRET not in data
    with Image.open(io.BytesIO(data)) as image:
        assert GPS_IFD not in image.getexif()
    reloaded = uploads.get_pending(token=pending.upload_token, owner="session-1")  # step 2 again
    extra = ", 1 extra picture" if kind == "mpo" else ""  # its depth map goes too
    assert metadata_removal_line(reloaded.found_metadata) == (
        f"Removed: GPS position, camera serial number, owner's name, 9 other EXIF fields{extra}."
        " Kept: colour profile."
    )


def test_a_file_without_metadata_says_none_was_found(uploads: UploadService) -> None:
    pending = pending_upload(uploads, data=jpeg_bytes())
    assert pending.facts == CameraFacts()
    reloaded = uploads.get_pending(token=pending.upload_token, owner="session-1")
    assert metadata_removal_line(reloaded.found_metadata) == "No personal metadata found."


def test_gps_stays_only_in_an_original_kept_as_uploaded(uploads: UploadService) -> None:
    uploads.settings.keep_original_metadata = True
    pending = pending_upload(uploads, data=photo_with_camera_facts("jpeg"))
    stored, _mime_type = uploads.pending_file(token=pending.upload_token, owner="session-1")
    with Image.open(io.BytesIO(read_bytes(uploads.storage, stored))) as image:
        assert GPS_IFD in image.getexif()  # the whole original metadata, as the setting says
    assert pending.facts == FACTS  # and no GPS column in any case (test_migrations)
    assert metadata_removal_line(pending.found_metadata) == (
        "Kept as uploaded (this server keeps metadata): GPS position, camera serial number, "
        "owner's name, 9 other EXIF fields, colour profile."
    )


@pytest.mark.parametrize(
    ("ifd0", "details", "expected"),
    [
        ({}, {0x920A: IFDRational(50, 0)}, {"focal_length_mm": None}),
        ({}, {0x829D: IFDRational(0, 0)}, {"f_number": None}),
        ({}, {0x829A: IFDRational(1, 0)}, {"exposure_time": None}),
        ({}, {0x829A: IFDRational(0, 1)}, {"exposure_time": None}),
        ({}, {0x8827: 0}, {"iso": None}),
        ({}, {0x8827: (800, 1600)}, {"iso": 800}),
        ({}, {0x9003: "0000:00:00 00:00:00"}, {"taken_at": None, "taken_at_utc_offset": None}),
        ({}, {0x9003: "9999:12:31 23:59:59"}, {"taken_at": None, "taken_at_utc_offset": None}),
        ({}, {0x9003: "2025:13:45 25:61:00"}, {"taken_at": None, "taken_at_utc_offset": None}),
        ({}, {0x9003: "yesterday"}, {"taken_at": None, "taken_at_utc_offset": None}),
        ({}, {0x9011: "+99:99"}, {"taken_at_utc_offset": None}),
        ({}, {0x9011: None}, {"taken_at_utc_offset": None}),
        (
            {},
            {0x9003: None, 0x9004: "2024:01:02 03:04:05", 0x9012: "-05:00"},
            {"taken_at": datetime(2024, 1, 2, 3, 4, 5), "taken_at_utc_offset": -300},
        ),
        ({0x0110: "X" * 10_000}, {}, {"camera_model": None}),
        ({0x010F: "Can\x00on\x07 "}, {}, {"camera_make": "Canon"}),
        ({}, {0xA434: "\x00\x00"}, {"lens_model": None}),
    ],
)
def test_garbage_values_are_dropped_one_by_one(
    uploads: UploadService,
    ifd0: dict[int, object],
    details: dict[int, object],
    expected: dict[str, object],
) -> None:
    exif = camera_exif(ifd0, details)
    pending = pending_upload(uploads, data=photo_with_camera_facts("jpeg", exif))
    assert pending.facts.columns() == FACTS.columns() | expected


# Pillow warns while it opens the file (a warning, not an error, outside the test suite).
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_an_unreadable_exif_block_is_no_facts_not_a_refusal(uploads: UploadService) -> None:
    broken = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff\x01\x0f\x00\x02"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 90, 200)).save(buffer, "JPEG", exif=broken)
    pending = pending_upload(uploads, data=buffer.getvalue())
    assert pending.facts == CameraFacts()
    assert pending.mime_type == "image/jpeg"


def test_the_library_sorts_by_date_taken_newest_first_undated_after(
    uploads: UploadService, engine: Engine
) -> None:
    store_id = a_store(engine)
    dates = ["2021:06:01 10:00:00", None, "2024:02:29 08:30:00", "2021:06:01 10:00:00", None]
    ids = []
    for seed, date in enumerate(dates):
        exif = camera_exif(details={0x9003: date}) if date else None
        data = photo_with_camera_facts("jpeg", exif) if exif else jpeg_bytes(seed=seed)
        pending = pending_upload(uploads, data=data, store_id=store_id)
        ids.append(
            uploads.finalize(
                token=pending.upload_token, owner="session-1", metadata=metadata(f"P{seed}")
            )
        )
    galleries = GalleryService(engine)

    def listed(query: LibraryQuery, page_size: int = 24) -> list[int]:
        found = browse_library(
            engine, galleries, store_id=store_id, query=query, page_size=page_size
        )
        return [image.id for image in found.listing.items]

    by_taken = [ids[2], ids[3], ids[0], ids[4], ids[1]]  # ties: the newer upload first
    assert listed(LibraryQuery(sort="taken")) == by_taken
    assert listed(LibraryQuery.from_params({"sort": "taken"})) == by_taken
    pages = [listed(LibraryQuery(sort="taken", page=page), page_size=2) for page in (1, 2, 3)]
    assert [image_id for page in pages for image_id in page] == by_taken  # stable across pages
    assert listed(LibraryQuery()) == ids[::-1]  # the default stays newest upload first
