"""How camera facts read on an image's page (both UIs), and step 2's line on what was removed."""

from __future__ import annotations

from datetime import datetime

import pytest

from imageapp.services.camera_facts import (
    CameraFacts,
    camera_facts_line,
    camera_label,
    exposure_label,
)
from imageapp.services.metadata_found import FoundMetadata
from imageapp.services.wording import metadata_removal_line


def test_the_full_line_and_nothing_for_missing_facts() -> None:
    facts = CameraFacts(
        taken_at=datetime(2025, 5, 3, 14, 2, 11),
        taken_at_utc_offset=120,
        camera_make="Canon",
        camera_model="Canon EOS R6",
        lens_model="RF 24-105mm",
        focal_length_mm=50.0,
        f_number=4.0,
        exposure_time=1 / 250,
        iso=400,
    )
    assert camera_facts_line(facts) == (
        "Taken 3 May 2025, 14:02 (+02:00) · Canon EOS R6 · RF 24-105mm · 50 mm · f/4 · "
        "1/250 s · ISO 400"
    )
    assert camera_facts_line(CameraFacts()) == ""
    assert camera_facts_line(CameraFacts(taken_at=datetime(2020, 1, 9, 7, 5))) == (
        "Taken 9 January 2020, 07:05"  # no offset given: none shown
    )
    assert camera_facts_line(CameraFacts(f_number=2.8, iso=100)) == "f/2.8 · ISO 100"


@pytest.mark.parametrize(
    ("make", "model", "shown"),
    [
        ("Canon", "Canon EOS R6", "Canon EOS R6"),
        ("NIKON CORPORATION", "NIKON Z 6", "NIKON Z 6"),
        ("Apple", "iPhone 15 Pro", "Apple iPhone 15 Pro"),
        ("Apple", None, "Apple"),
        (None, "X100V", "X100V"),
        (None, None, ""),
    ],
)
def test_the_make_is_not_said_twice(make: str | None, model: str | None, shown: str) -> None:
    assert camera_label(make, model) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(1 / 250, "1/250 s"), (1 / 8000, "1/8000 s"), (0.3, "0.3 s"), (2.0, "2 s"), (30.0, "30 s")],
)
def test_exposure_times_read_as_cameras_show_them(seconds: float, shown: str) -> None:
    assert exposure_label(seconds) == shown


@pytest.mark.parametrize(
    ("found", "line"),
    [
        (
            FoundMetadata(gps=True, serial_number=True, exif_fields=3, colour_profile=True),
            "Removed: GPS position, camera serial number, 3 other EXIF fields. "
            "Kept: colour profile.",
        ),
        (FoundMetadata(exif_fields=1), "Removed: 1 EXIF field."),
        (
            FoundMetadata(xmp=True, iptc=True, comment=True, text_notes=2, extra_pictures=1),
            "Removed: XMP data, IPTC data, comment, 2 text notes, 1 extra picture.",
        ),
        (FoundMetadata(), "No personal metadata found."),
        (FoundMetadata(colour_profile=True), "No personal metadata found. Kept: colour profile."),
        (
            FoundMetadata(gps=True, removed=False),
            "Kept as uploaded (this server keeps metadata): GPS position.",
        ),
        (None, ""),  # uploads from before this was noted
    ],
)
def test_step_two_says_in_one_line_what_was_removed(found: FoundMetadata | None, line: str) -> None:
    assert metadata_removal_line(found) == line


def test_the_inventory_survives_its_json_and_old_or_broken_values() -> None:
    found = FoundMetadata(gps=True, exif_fields=4, colour_profile=True)
    assert FoundMetadata.from_json(found.to_json()) == found
    assert FoundMetadata.from_json(None) is None
    assert FoundMetadata.from_json("[1, 2]") is None
    assert FoundMetadata.from_json('{"gps": true, "from_the_future": 1}') == FoundMetadata(gps=True)
