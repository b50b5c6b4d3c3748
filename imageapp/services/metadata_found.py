"""What personal metadata an upload carried, so step 2 can say what the strip removed.

Read from what Pillow parsed while validating the file (its EXIF and ``info``), next to the
camera facts: no second decode. It names what people care about (GPS, serial numbers, an
owner's name, XMP, IPTC, comments) and counts the rest. The strip itself (privacy.py,
orientation.py) removes all of these; the colour profile is the one thing named as kept.
Kept on the pending row as JSON, so a reload of step 2 says the same.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import ExifTags, Image, PngImagePlugin

# IFD0 and Exif IFD tags that only point at other blocks (not fields of their own), and the
# orientation, which is applied (and, for a JPEG, kept alone), not removed.
_STRUCTURE = {0x8769, 0x8825, 0xA005, 0x014A, 0x0112}
SERIAL_TAGS = {0xA431, 0xA435, 0xC62F}  # BodySerialNumber, LensSerialNumber, CameraSerialNumber
OWNER_TAGS = {0x013B, 0xA430}  # Artist, CameraOwnerName
# PNG text chunks that are metadata blocks counted on their own (XMP, EXIF as text).
_PNG_BLOCK_KEYS = {"XML:com.adobe.xmp", "Raw profile type exif", "Raw profile type APP1"}


@dataclass(frozen=True, slots=True)
class FoundMetadata:
    """What the upload carried; ``removed``: the strip ran (False when originals keep it all)."""

    gps: bool = False
    serial_number: bool = False
    owner_name: bool = False
    exif_fields: int = 0  # the EXIF fields not named above
    embedded_preview: bool = False  # EXIF's thumbnail (it may show what a crop took out)
    xmp: bool = False
    iptc: bool = False
    comment: bool = False
    text_notes: int = 0  # PNG text chunks
    extra_pictures: int = 0  # a multi-picture JPEG's pictures after the first
    colour_profile: bool = False
    removed: bool = True

    @property
    def anything_personal(self) -> bool:
        return any(
            (
                self.gps,
                self.serial_number,
                self.owner_name,
                self.exif_fields,
                self.embedded_preview,
                self.xmp,
                self.iptc,
                self.comment,
                self.text_notes,
                self.extra_pictures,
            )
        )

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | None) -> FoundMetadata | None:
        """None for rows from before this was kept (or unreadable JSON)."""
        if not raw:
            return None
        try:
            loaded = json.loads(raw)
            known = {field.name for field in dataclasses.fields(cls)}
            return cls(**{name: value for name, value in loaded.items() if name in known})
        except (ValueError, TypeError, AttributeError):
            return None


def find_metadata(image: Image.Image, exif: Image.Exif | None) -> FoundMetadata:
    """What ``image`` (opened and decoded, ``exif`` parsed) carries; never raises."""
    try:
        info: Mapping[Any, Any] = image.info
        text_keys = _png_text_keys(image)
        return FoundMetadata(
            **_exif_found(exif),
            xmp=bool(info.get("xmp")) or "XML:com.adobe.xmp" in text_keys,
            iptc=bool(info.get("photoshop")),
            comment=bool(info.get("comment")),
            text_notes=len(text_keys - _PNG_BLOCK_KEYS),
            extra_pictures=max(0, getattr(image, "n_frames", 1) - 1)
            if image.format == "MPO"
            else 0,
            colour_profile=bool(info.get("icc_profile")),
        )
    except Exception:  # an odd file must not fail the upload over a sentence
        return FoundMetadata()


def _png_text_keys(image: Image.Image) -> set[str]:
    if not isinstance(image, PngImagePlugin.PngImageFile):
        return set()
    return set(image.text)


def _tags_of(exif: Image.Exif, ifd: ExifTags.IFD) -> set[int]:
    """The tags of one sub-block (none if it is broken: it goes all the same)."""
    try:
        return set(exif.get_ifd(ifd))
    except Exception:
        return set()


def _exif_found(exif: Image.Exif | None) -> dict[str, Any]:
    if exif is None or not len(exif):
        return {}
    tags = set(exif)
    for ifd in (ExifTags.IFD.Exif, ExifTags.IFD.Interop):
        tags |= _tags_of(exif, ifd)
    try:
        gps = ExifTags.IFD.GPSInfo in exif and bool(exif.get_ifd(ExifTags.IFD.GPSInfo))
        preview = bool(exif.get_ifd(ExifTags.IFD.IFD1))
    except Exception:
        gps, preview = ExifTags.IFD.GPSInfo in exif, False
    named = _STRUCTURE | SERIAL_TAGS | OWNER_TAGS
    return {
        "gps": gps,
        "serial_number": bool(tags & SERIAL_TAGS),
        "owner_name": bool(tags & OWNER_TAGS),
        "exif_fields": len(tags - named),
        "embedded_preview": preview,
    }


NOTHING_FOUND = FoundMetadata()
