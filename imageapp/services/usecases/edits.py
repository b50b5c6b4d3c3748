"""Editing an image (rotate, crop, focal point, reset) as both UIs offer it: the form's text
fields turned into an ``ImageEdit``, the aspect-ratio choices, the click on the no-JS
picker mapped to original pixels, and the sentence each page shows afterwards.

Coordinates are pixels of the upright original, before the edit's rotation (edits.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import Engine

from imageapp.config import Settings
from imageapp.jobs.tasks import get_jobs
from imageapp.services.edits import (
    Change,
    CropBox,
    EditChanged,
    EditedImage,
    EditInvalid,
    FocalPoint,
    ImageEdit,
    change_edit,
    read_edit,
)

ACTIONS = ("rotate_left", "rotate_right", "crop", "focal", "reset", "save")
CROP_FIELDS = ("crop_x", "crop_y", "crop_width", "crop_height")
FOCAL_FIELDS = ("focal_x", "focal_y")
# (value, label); the ratio is the finished picture's (width:height), after any rotation.
RATIO_CHOICES: tuple[tuple[str, str], ...] = (
    ("free", "Free"),
    ("1:1", "Square (1:1)"),
    ("4:3", "4:3"),
    ("3:2", "3:2"),
    ("16:9", "Wide (16:9)"),
)
RATIOS: dict[str, tuple[int, int]] = {"1:1": (1, 1), "4:3": (4, 3), "3:2": (3, 2), "16:9": (16, 9)}
PICKER_SIDE = 640  # the no-JS focal picker shows the upright original at most this big
WHOLE_NUMBER = "Enter a whole number of pixels."
REMAKING = "New renditions are being made."
REFUSED = "Nothing was changed: correct the marked fields."
GONE = "There is no image at this address."
CLASHED = "This image was changed in another window; here is its current edit."


@dataclass(frozen=True, slots=True)
class EditSaved:
    edited: EditedImage
    message: str


@dataclass(frozen=True, slots=True)
class EditRefused:
    message: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EditGone:
    """Not an active image of the store (another store's, in the trash, unknown)."""

    message: str = GONE


@dataclass(frozen=True, slots=True)
class EditClashed:
    """A whole-edit Save from a page built on an edit the image no longer has (another
    window saved meanwhile): nothing saved; ``current`` is the edit to show instead."""

    current: EditedImage
    message: str = CLASHED


EditOutcome = EditSaved | EditRefused | EditGone | EditClashed
# Saves a change of the image's edit (the service's change_edit), comparing with the given
# edit first when it is not None.
Saver = Callable[[Change, "ImageEdit | None"], "EditedImage | None"]


def form_values(edited: EditedImage) -> dict[str, str]:
    """The edit form's fields for the saved edit (no crop: the whole upright original)."""
    crop = edited.edit.crop or CropBox(0, 0, edited.original_width, edited.original_height)
    focal = edited.edit.focal
    return {
        "rotate": str(edited.edit.rotate),
        "crop_x": str(crop.x),
        "crop_y": str(crop.y),
        "crop_width": str(crop.width),
        "crop_height": str(crop.height),
        "focal_x": str(focal.x) if focal else "",
        "focal_y": str(focal.y) if focal else "",
        "ratio": "free",
    }


def picker_size(edited: EditedImage) -> tuple[int, int]:
    """The displayed size of the no-JS focal picker (never enlarged), so a click's position
    maps to original pixels by one scale."""
    width, height = edited.original_width, edited.original_height
    longest = max(width, height, 1)
    if longest <= PICKER_SIDE:
        return width, height
    return max(1, round(width * PICKER_SIDE / longest)), max(
        1, round(height * PICKER_SIDE / longest)
    )


def clicked_focal(edited: EditedImage, click_x: str, click_y: str) -> FocalPoint:
    """The original pixel under a click at (``click_x``, ``click_y``) on the picker."""
    shown_width, shown_height = picker_size(edited)
    try:
        x, y = int(click_x), int(click_y)
    except ValueError:
        raise EditInvalid({"focal_x": "The click on the picture did not arrive."}) from None
    original_x = x * edited.original_width // shown_width
    original_y = y * edited.original_height // shown_height
    return FocalPoint(
        min(max(original_x, 0), edited.original_width - 1),
        min(max(original_y, 0), edited.original_height - 1),
    )


def fit_ratio(box: CropBox, ratio: str, rotate: int) -> CropBox:
    """The largest box of ``ratio`` centred in ``box`` (a quarter turn swaps the ratio, since
    the crop is taken before the rotation); "free" or an unknown ratio keeps ``box``."""
    wanted = RATIOS.get(ratio)
    if wanted is None or box.width <= 0 or box.height <= 0:
        return box
    ratio_w, ratio_h = wanted if rotate % 180 == 0 else wanted[::-1]
    if box.width * ratio_h > box.height * ratio_w:  # too wide: keep the height
        width, height = max(1, box.height * ratio_w // ratio_h), box.height
    else:
        width, height = box.width, max(1, box.width * ratio_h // ratio_w)
    return CropBox(
        box.x + (box.width - width) // 2, box.y + (box.height - height) // 2, width, height
    )


def _whole(fields: Mapping[str, object], names: tuple[str, ...]) -> list[int]:
    values: list[int] = []
    errors: dict[str, str] = {}
    for name in names:
        text = str(fields.get(name) or "").strip()
        try:
            values.append(int(text))
        except ValueError:
            errors[name] = WHOLE_NUMBER
    if errors:
        raise EditInvalid(errors)
    return values


def _box(fields: Mapping[str, object]) -> CropBox:
    """The box the crop fields give (EditInvalid for any that is not a whole number)."""
    x, y, width, height = _whole(fields, CROP_FIELDS)
    return CropBox(x, y, width, height)


def _crop(box: CropBox, ratio: str, edited: EditedImage, rotate: int) -> CropBox | None:
    """The crop to keep: ``box`` fitted to ``ratio`` (on the picture turned ``rotate``); the
    whole upright original means no crop."""
    box = fit_ratio(box, ratio, rotate)
    whole = CropBox(0, 0, edited.original_width, edited.original_height)
    return None if box == whole else box


def _focal(fields: Mapping[str, object]) -> FocalPoint | None:
    """Both fields empty: no focal point (the centre is used)."""
    if not any(str(fields.get(name) or "").strip() for name in FOCAL_FIELDS):
        return None
    x, y = _whole(fields, FOCAL_FIELDS)
    return FocalPoint(x, y)


def _rotate(fields: Mapping[str, object]) -> int:
    text = str(fields.get("rotate") or "0").strip()
    if text not in {"0", "90", "180", "270"}:
        raise EditInvalid({"rotate": "Choose a rotation of 0, 90, 180 or 270 degrees."})
    return int(text)


def edit_version(edit: ImageEdit) -> str:
    """The edit a whole-edit form was built from, as a short text for a hidden field or a
    page's state; Save compares it with the image's edit when it arrives."""
    crop, focal = edit.crop, edit.focal
    parts = [f"r{edit.rotate}"]
    parts.append(f"c{crop.x}.{crop.y}.{crop.width}.{crop.height}" if crop else "c")
    parts.append(f"f{focal.x}.{focal.y}" if focal else "f")
    return "-".join(parts)


def requested_edit(
    action: str, fields: Mapping[str, object], edited: EditedImage
) -> tuple[Change, str]:
    """What ``action`` does to the image's edit *as it is when saved* (a function of it, so
    a rotation or a crop from a stale page still adds to what another window saved), and
    what to say once it is saved. Unreadable fields: EditInvalid keyed by field name."""
    if action == "rotate_left":
        return ImageEdit.rotated_left, f"Rotated to the left. {REMAKING}"
    if action == "rotate_right":
        return ImageEdit.rotated_right, f"Rotated to the right. {REMAKING}"
    if action == "reset":
        return (lambda _current: ImageEdit()), f"Back to the original picture. {REMAKING}"
    if action == "crop":
        box, ratio = _box(fields), str(fields.get("ratio") or "free")
        return (
            lambda current: replace(current, crop=_crop(box, ratio, edited, current.rotate))
        ), REMAKING
    if action == "focal":
        if "focal.x" in fields or "focal.y" in fields:  # a click on the picker
            focal: FocalPoint | None = clicked_focal(
                edited, str(fields.get("focal.x", "")), str(fields.get("focal.y", ""))
            )
        else:
            focal = _focal(fields)
        said = f"Focal point set at {focal.x}, {focal.y}." if focal else "Focal point removed."
        return (lambda current: replace(current, focal=focal)), f"{said} {REMAKING}"
    if action == "save":  # the Reflex page: rotation, crop and focal point at once
        rotate = _rotate(fields)
        errors: dict[str, str] = {}
        crop = focal = None
        try:
            crop = _crop(_box(fields), str(fields.get("ratio") or "free"), edited, rotate)
        except EditInvalid as invalid:
            errors |= invalid.errors
        try:
            focal = _focal(fields)
        except EditInvalid as invalid:
            errors |= invalid.errors
        if errors:
            raise EditInvalid(errors)
        whole = ImageEdit(rotate=rotate, crop=crop, focal=focal)
        return (lambda _current: whole), f"Edit saved. {REMAKING}"
    raise EditInvalid({"action": "Choose rotate, crop, focal point or reset."})


def _said(action: str, saved: EditedImage, message: str) -> str:
    """The crop's sentence names the box as saved (its ratio fitted to the saved turn)."""
    if action != "crop":
        return message
    crop = saved.edit.crop
    said = f"Cropped to {crop.width} × {crop.height} pixels." if crop else "Crop removed."  # noqa: RUF001
    return f"{said} {message}"


def apply_edit(
    edited: EditedImage | None, save: Saver, *, action: str, fields: Mapping[str, object]
) -> EditOutcome:
    """Save what ``action`` asks for on the image ``edited`` describes (None: not the
    store's); ``save`` stores it (the service's change_edit), given the change and, for a
    whole-edit Save that names the ``edit_version`` it was built from, that edit. Nothing
    changes when refused; a Save from a stale page is refused with the image's edit now."""
    if edited is None:
        return EditGone()
    version = str(fields.get("edit_version") or "").strip()
    expected = None
    if action == "save" and version and version != edit_version(edited.edit):
        return EditClashed(edited)  # already stale when it arrived
    if action == "save" and version:
        expected = edited.edit
    try:
        change, message = requested_edit(action, fields, edited)
        saved = save(change, expected)
    except EditInvalid as invalid:
        return EditRefused(REFUSED, dict(invalid.errors))
    except EditChanged as changed:
        return EditClashed(changed.current)
    if saved is None:  # trashed or deleted meanwhile
        return EditGone()
    return EditSaved(saved, _said(action, saved, message))


def edit_image(
    engine: Engine,
    settings: Settings,
    *,
    store_id: int,
    image_id: int,
    action: str,
    fields: Mapping[str, object],
) -> EditOutcome:
    """Both UIs' edit: read the saved edit, apply ``action`` with ``fields`` to the edit the
    image has when it is saved (atomically; a Save with ``edit_version`` only if the image
    still has that edit), the renditions then remade in the background. Blocking: run it
    in a thread."""

    def save(change: Change, expected: ImageEdit | None) -> EditedImage | None:
        jobs = get_jobs(settings)  # remakes the renditions in the background
        return change_edit(
            engine, jobs, store_id=store_id, image_id=image_id, change=change, expected=expected
        )

    edited = read_edit(engine, store_id=store_id, image_id=image_id)
    return apply_edit(edited, save, action=action, fields=fields)
