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


# -- the trash (the same sentences in every front end) ------------------------------------------


def moved_to_trash(count: int) -> str:
    """After a delete: "3 images moved to the trash." """
    return f"{count_label(count)} moved to the trash."


def restored(count: int) -> str:
    """After a restore (or an undo): "3 images restored." """
    return (
        f"{count_label(count)} restored."
        if count
        else "Nothing to restore: none of them is in the trash any more."
    )


def deleted_forever(count: int) -> str:
    return (
        f"{count_label(count)} deleted forever."
        if count
        else "Nothing deleted: none of them is in the trash any more."
    )


def trash_keeps(days: int) -> str:
    """What a delete means, said before it and on the trash page."""
    return (
        f"Deleted images stay in the trash for {count_label(days, 'day')}; until then they "
        "can be restored with their galleries, place, cover and tags."
    )


TRASH_QUOTA = (
    "Images in the trash still count against your store's image and storage limits until "
    "they are deleted forever."
)
FOREVER_CONSEQUENCE = "Their files and all their sizes are removed; this cannot be undone."
# Galleries do not go to the trash (their images do, one by one): both UIs ask with this.
GALLERY_DELETE_IS_FINAL = (
    "Deleting a gallery is final: it does not go to the trash and cannot be restored."
)


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
