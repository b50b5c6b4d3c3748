"""How counts and summaries read in every front end's sentences ("1 image", "3 galleries")."""

from __future__ import annotations

from imageapp.services.metadata_found import FoundMetadata


def count_label(count: int, noun: str = "image", plural: str = "") -> str:
    """``1 image``, ``3 images`` (``plural`` for nouns that do not just take an s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"


def were(count: int) -> str:
    """The verb after a count: "1 image was", "2 images were"."""
    return "was" if count == 1 else "were"


def matching_label(total: int, filtered: bool) -> str:
    """The library's count line: "3 images", or "1 image matches" when filters apply."""
    shown = count_label(total)
    if not filtered:
        return shown
    return f"{shown} {'matches' if total == 1 else 'match'}"


def metadata_removal_line(found: FoundMetadata | None) -> str:
    """Step 2's one line on the privacy strip: "Removed: GPS position, camera serial number,
    3 other EXIF fields. Kept: colour profile." ("" for uploads from before it was noted)."""
    if found is None:
        return ""
    kept = " Kept: colour profile." if found.colour_profile else ""
    items = _personal_items(found)
    if not items:
        return f"No personal metadata found.{kept}"
    if not found.removed:  # IMAGEAPP_KEEP_ORIGINAL_METADATA: the original stays as uploaded
        profile = ", colour profile" if found.colour_profile else ""
        return f"Kept as uploaded (this server keeps metadata): {', '.join(items)}{profile}."
    return f"Removed: {', '.join(items)}.{kept}"


def _personal_items(found: FoundMetadata) -> list[str]:
    named = [
        (found.gps, "GPS position"),
        (found.serial_number, "camera serial number"),
        (found.owner_name, "owner's name"),
    ]
    items = [label for present, label in named if present]
    if found.exif_fields:
        other = "other " if items else ""
        items.append(count_label(found.exif_fields, f"{other}EXIF field"))
    flags = [
        (found.embedded_preview, "embedded preview"),
        (found.xmp, "XMP data"),
        (found.iptc, "IPTC data"),
        (found.comment, "comment"),
    ]
    items += [label for present, label in flags if present]
    if found.text_notes:
        items.append(count_label(found.text_notes, "text note"))
    if found.extra_pictures:
        items.append(count_label(found.extra_pictures, "extra picture"))
    return items
