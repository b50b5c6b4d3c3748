"""Camera facts (date taken, camera, lens, exposure) read from an upload's EXIF before the strip.

Read from the EXIF Pillow already parsed for validation (JPEG, MPO, PNG ``eXIf``, WebP, HEIC,
AVIF): no second decode. EXIF is whatever a camera, an editor or an attacker wrote, so every
value is checked on its own and a bad one (zero denominator, year 0, a 10 KB "model") is
dropped, never the upload. GPS is not a fact kept here: it leaves with the rest of the EXIF.
``taken_at`` is the camera's wall-clock time as it recorded it; ``taken_at_utc_offset`` the
offset it gave with it (EXIF 2.31 ``OffsetTimeOriginal``), in minutes, when it gave one.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PIL import Image

from imageapp.models import utcnow
from imageapp.services.metadata_found import FoundMetadata, find_metadata

TEXT_MAX = 100  # the columns' length; longer values are junk, not names
EXIF_IFD = 0x8769
MAKE, MODEL = 0x010F, 0x0110
DATE_TAKEN, OFFSET_TAKEN = 0x9003, 0x9011  # DateTimeOriginal, OffsetTimeOriginal
DATE_DIGITIZED, OFFSET_DIGITIZED = 0x9004, 0x9012
EXPOSURE_TIME, F_NUMBER, ISO, FOCAL_LENGTH = 0x829A, 0x829D, 0x8827, 0x920A
LENS_MODEL = 0xA434
EARLIEST_YEAR = 1826  # the first photograph; "0000:00:00" means "not set"
# Plausible ranges; outside them a value is a writer's bug or a forgery.
RANGES: dict[str, tuple[float, float]] = {
    "focal_length_mm": (0.1, 10_000.0),
    "f_number": (0.3, 1_000.0),
    "exposure_time": (1e-7, 86_400.0),
    "iso": (1, 10_000_000),
}
_DATE = re.compile(r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True, slots=True)
class CameraFacts:
    """What the camera said about the photo; None for what it did not say (or said badly)."""

    taken_at: datetime | None = None
    taken_at_utc_offset: int | None = None  # minutes east of UTC
    camera_make: str | None = None
    camera_model: str | None = None
    lens_model: str | None = None
    focal_length_mm: float | None = None
    f_number: float | None = None
    exposure_time: float | None = None  # seconds
    iso: int | None = None

    def columns(self) -> dict[str, Any]:
        """The image row's columns of the same names."""
        return dataclasses.asdict(self)

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> CameraFacts:
        """From a row read as a mapping (``connection.execute(...).mappings()``)."""
        return cls(**{name: row[name] for name in FACT_COLUMNS})

    @classmethod
    def of_image(cls, image: object) -> CameraFacts:
        """From an ``Image`` model instance."""
        return cls(**{name: getattr(image, name) for name in FACT_COLUMNS})


NO_FACTS = CameraFacts()
FACT_COLUMNS = tuple(field.name for field in dataclasses.fields(CameraFacts))


def read_metadata(image: Image.Image) -> tuple[CameraFacts, FoundMetadata]:
    """The facts and the metadata inventory of a file validation opened and decoded; the EXIF
    Pillow parsed for its orientation is reused (``getexif`` caches it). Never raises."""
    try:
        exif: Image.Exif | None = image.getexif()
    except Exception:  # unreadable EXIF: no facts (and the strip removes it all the same)
        exif = None
    return read_camera_facts(exif), find_metadata(image, exif)


def read_camera_facts(exif: Image.Exif | None) -> CameraFacts:
    """The facts in ``exif`` (already parsed); never raises, whatever the EXIF holds."""
    if exif is None or not len(exif):
        return NO_FACTS
    try:
        details: Mapping[int, Any] = exif.get_ifd(EXIF_IFD)
    except Exception:  # a broken Exif IFD: what IFD0 says still counts
        details = {}
    taken_at, offset = _date_taken(details)
    return CameraFacts(
        taken_at=taken_at,
        taken_at_utc_offset=offset,
        camera_make=_text(exif, MAKE),
        camera_model=_text(exif, MODEL),
        lens_model=_text(details, LENS_MODEL),
        focal_length_mm=_number(details, FOCAL_LENGTH, "focal_length_mm"),
        f_number=_number(details, F_NUMBER, "f_number"),
        exposure_time=_number(details, EXPOSURE_TIME, "exposure_time"),
        iso=_iso(details),
    )


def _first(value: Any) -> Any:
    """A tag given several values (a tuple) counts by its first."""
    return value[0] if isinstance(value, tuple) and value else value


def _text(tags: Mapping[int, Any], tag: int) -> str | None:
    try:
        value = _first(tags.get(tag))
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if not isinstance(value, str):
            return None
        text = " ".join("".join(ch for ch in value if ch.isprintable() or ch == " ").split())
    except Exception:
        return None
    return text if text and len(text) <= TEXT_MAX else None


def _number(tags: Mapping[int, Any], tag: int, name: str) -> float | None:
    try:
        value = float(_first(tags.get(tag)))
    except Exception:  # absent (None), a string, a zero denominator Pillow could not hide
        return None
    low, high = RANGES[name]
    return value if math.isfinite(value) and low <= value <= high else None


def _iso(tags: Mapping[int, Any]) -> int | None:
    value = _number(tags, ISO, "iso")
    return round(value) if value is not None else None


def _date_taken(details: Mapping[int, Any]) -> tuple[datetime | None, int | None]:
    """DateTimeOriginal (else DateTimeDigitized) with its offset, if both are sane."""
    for date_tag, offset_tag in ((DATE_TAKEN, OFFSET_TAKEN), (DATE_DIGITIZED, OFFSET_DIGITIZED)):
        taken_at = _date(_text(details, date_tag))
        if taken_at is not None:
            return taken_at, _offset(_text(details, offset_tag))
    return None, None


def _date(text: str | None) -> datetime | None:
    found = _DATE.match(text or "")
    if found is None:
        return None
    try:
        parts = [int(part or 0) for part in found.groups()]
        taken_at = datetime(*parts)  # type: ignore[arg-type]
    except ValueError:  # month 13, day 0, "24:00", ...
        return None
    latest = utcnow() + timedelta(days=2)  # a local time may be ahead of UTC; a clock a little
    return taken_at if taken_at.year >= EARLIEST_YEAR and taken_at <= latest else None


def _offset(text: str | None) -> int | None:
    found = _OFFSET.match(text or "")
    if found is None:
        return None
    sign, hours, minutes = found.groups()
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 14 * 60:
        return None
    return -total if sign == "-" else total


# -- how the facts read on an image's page (both UIs) -------------------------------------------


def camera_facts_line(facts: CameraFacts) -> str:
    """ "Taken 3 May 2025, 14:02 (+02:00) · Canon EOS R6 · RF 24-105mm · 50 mm · f/4 ·
    1/250 s · ISO 400"; only what is known ("" for nothing)."""
    parts = [
        f"Taken {taken_label(facts.taken_at, facts.taken_at_utc_offset)}"
        if facts.taken_at is not None
        else "",
        camera_label(facts.camera_make, facts.camera_model),
        facts.lens_model or "",
        f"{_short(facts.focal_length_mm)} mm" if facts.focal_length_mm is not None else "",
        f"f/{_short(facts.f_number)}" if facts.f_number is not None else "",
        exposure_label(facts.exposure_time) if facts.exposure_time is not None else "",
        f"ISO {facts.iso}" if facts.iso is not None else "",
    ]
    return " · ".join(part for part in parts if part)


def taken_label(taken_at: datetime, offset: int | None) -> str:
    """ "3 May 2025, 14:02", with " (+02:00)" when the camera gave its offset."""
    shown = f"{taken_at.day} {taken_at:%B %Y, %H:%M}"
    return f"{shown} ({offset_label(offset)})" if offset is not None else shown


def offset_label(offset: int) -> str:
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{sign}{hours:02}:{minutes:02}"


def camera_label(make: str | None, model: str | None) -> str:
    """Make and model, without the make twice ("Canon" + "Canon EOS R6": "Canon EOS R6")."""
    if not model:
        return make or ""
    if not make or model.split()[0].lower() == make.split()[0].lower():
        return model
    return f"{make} {model}"


def exposure_label(seconds: float) -> str:
    """ "1/250 s" for fractions a camera offers, "0.3 s" or "30 s" otherwise."""
    if seconds < 1:
        denominator = round(1 / seconds)
        if denominator >= 2 and abs(1 / denominator - seconds) <= 0.01 * seconds:
            return f"1/{denominator} s"
        return f"{seconds:.2g} s"
    return f"{_short(seconds)} s"


def _short(value: float) -> str:
    """One decimal at most: 50.0 -> "50", 2.8 -> "2.8"."""
    return f"{round(value, 1):g}"
