"""Editing a finished image: rotate in 90° steps, crop, set a focal point. The original file
never changes; the edit is kept on the image row and its renditions are remade from it.

Coordinates: the crop and the focal point are in pixels of the *upright original* (the stored
original as displayed, after its EXIF orientation: the ``width`` x ``height`` of the image row),
*before* the edit's rotation. So turning the picture never invalidates a crop, and a UI shows
the crop on the upright original whatever the rotation. ``rotate`` is in degrees clockwise.
A rendition is ``rotate(crop(upright original))``, then its preset (services/rendering.py).
The focal point (a pixel) must lie inside the crop when both are set; "cover" presets keep it
in their window (centre of the edited picture when there is none).

Remaking: saving marks the image's renditions outdated (their ``spec`` no longer matches any
preset's fingerprint) in the transaction that saves the edit, then queues the image's
rendition job. The old files stay served until the new set replaces them in one transaction
(services/renditions.py), so there is no moment without a picture; a job that rendered an
edit changed meanwhile records nothing (the newer edit's job does the work).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row
from sqlmodel import col

from imageapp.models import Image, Rendition, utcnow
from imageapp.services.scoping import in_library

if TYPE_CHECKING:
    from imageapp.services.rendition_jobs import RenditionJobs

log = logging.getLogger(__name__)
ROTATIONS = (0, 90, 180, 270)
# The spec of renditions made before the image's current edit: matches no preset.
OUTDATED_SPEC = "edited"
EDIT_FIELDS = ("rotate", "crop_x", "crop_y", "crop_width", "crop_height", "focal_x", "focal_y")


@dataclass(frozen=True)
class CropBox:
    """A rectangle of the upright original: left, top, width and height in pixels."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class FocalPoint:
    """The pixel of the upright original that "cover" presets keep in their window."""

    x: int
    y: int


@dataclass(frozen=True)
class ImageEdit:
    """What is done to the upright original: crop first, then turn ``rotate`` degrees
    clockwise; ``focal`` steers the window of "cover" presets."""

    rotate: int = 0
    crop: CropBox | None = None
    focal: FocalPoint | None = None

    @property
    def is_original(self) -> bool:
        """True when the renditions show the original as it is (nothing to undo)."""
        return self.rotate == 0 and self.crop is None and self.focal is None

    def rotated_left(self) -> ImageEdit:
        """The same edit turned 90° more counter-clockwise (crop and focal point stay)."""
        return replace(self, rotate=(self.rotate - 90) % 360)

    def rotated_right(self) -> ImageEdit:
        """The same edit turned 90° more clockwise (crop and focal point stay)."""
        return replace(self, rotate=(self.rotate + 90) % 360)


ORIGINAL = ImageEdit()  # nothing done: the renditions show the upright original


class EditInvalid(ValueError):
    """An edit that does not fit the image; ``errors`` by the no-JS form's field names
    (``rotate``, ``crop_x``, ``crop_y``, ``crop_width``, ``crop_height``, ``focal_x``,
    ``focal_y``), each a sentence to show next to its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class EditedImage:
    """An image's edit and the size of its upright original (pixels the edit refers to)."""

    image_id: int
    edit: ImageEdit
    original_width: int
    original_height: int

    @property
    def edited_width(self) -> int:
        return edited_size(self.edit, (self.original_width, self.original_height))[0]

    @property
    def edited_height(self) -> int:
        return edited_size(self.edit, (self.original_width, self.original_height))[1]


def edited_size(edit: ImageEdit, upright: tuple[int, int]) -> tuple[int, int]:
    """The size of ``rotate(crop(upright original))``."""
    width, height = (edit.crop.width, edit.crop.height) if edit.crop else upright
    return (height, width) if edit.rotate in (90, 270) else (width, height)


def edited_point(edit: ImageEdit, upright: tuple[int, int]) -> tuple[float, float]:
    """The focal point in the edited picture (continuous coordinates: a pixel's centre is at
    +0.5), or that picture's centre when the edit has none."""
    crop = edit.crop or CropBox(0, 0, *upright)
    if edit.focal is None:
        width, height = edited_size(edit, upright)
        return width / 2, height / 2
    x, y = edit.focal.x + 0.5 - crop.x, edit.focal.y + 0.5 - crop.y
    if edit.rotate == 90:
        return crop.height - y, x
    if edit.rotate == 180:
        return crop.width - x, crop.height - y
    if edit.rotate == 270:
        return y, crop.width - x
    return x, y


def edit_errors(edit: ImageEdit, width: int, height: int) -> dict[str, str]:
    """Why ``edit`` does not fit an upright original of ``width`` x ``height``; {} if it does."""
    errors: dict[str, str] = {}
    if edit.rotate not in ROTATIONS:
        errors["rotate"] = "The rotation must be 0, 90, 180 or 270 degrees (clockwise)."
    crop, focal = edit.crop, edit.focal
    if crop is not None:
        errors |= _crop_errors(crop, width, height)
    if focal is not None:
        if not 0 <= focal.x < width:
            errors["focal_x"] = f"The focal point must be inside the image (width {width} px)."
        if not 0 <= focal.y < height:
            errors["focal_y"] = f"The focal point must be inside the image (height {height} px)."
        if crop is not None and not errors.keys() & set(EDIT_FIELDS[1:]):
            # Only a crop that fits and a point inside the image can be compared.
            if not crop.x <= focal.x < crop.x + crop.width:
                errors["focal_x"] = "The focal point must be inside the crop."
            if not crop.y <= focal.y < crop.y + crop.height:
                errors["focal_y"] = "The focal point must be inside the crop."
    return errors


def _crop_errors(crop: CropBox, width: int, height: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    if crop.x < 0:
        errors["crop_x"] = "The crop cannot start left of the image: x must be 0 or more."
    elif crop.x >= width:
        errors["crop_x"] = f"The crop starts past the right edge of the image (width {width} px)."
    if crop.y < 0:
        errors["crop_y"] = "The crop cannot start above the image: y must be 0 or more."
    elif crop.y >= height:
        errors["crop_y"] = (
            f"The crop starts past the bottom edge of the image (height {height} px)."
        )
    if crop.width < 1:
        errors["crop_width"] = "The crop needs a width of at least 1 px."
    elif "crop_x" not in errors and crop.x + crop.width > width:
        errors["crop_width"] = f"The crop goes past the right edge of the image (width {width} px)."
    if crop.height < 1:
        errors["crop_height"] = "The crop needs a height of at least 1 px."
    elif "crop_y" not in errors and crop.y + crop.height > height:
        errors["crop_height"] = (
            f"The crop goes past the bottom edge of the image (height {height} px)."
        )
    return errors


def validate_edit(edit: ImageEdit, width: int, height: int) -> None:
    """EditInvalid unless ``edit`` fits an upright original of ``width`` x ``height``."""
    if errors := edit_errors(edit, width, height):
        raise EditInvalid(errors)


def edit_of(row: Any) -> ImageEdit:
    """The edit kept on an image row (anything with the ``image`` edit columns)."""
    crop = None
    if row.crop_width is not None:
        crop = CropBox(row.crop_x, row.crop_y, row.crop_width, row.crop_height)
    focal = None
    if row.focal_x is not None:
        focal = FocalPoint(row.focal_x, row.focal_y)
    return ImageEdit(rotate=row.rotate or 0, crop=crop, focal=focal)


def edit_values(edit: ImageEdit) -> dict[str, int | None]:
    """The ``image`` columns that keep ``edit``."""
    crop, focal = edit.crop, edit.focal
    return {
        "rotate": edit.rotate,
        "crop_x": crop.x if crop else None,
        "crop_y": crop.y if crop else None,
        "crop_width": crop.width if crop else None,
        "crop_height": crop.height if crop else None,
        "focal_x": focal.x if focal else None,
        "focal_y": focal.y if focal else None,
    }


EDIT_COLUMNS = tuple(getattr(Image, name) for name in EDIT_FIELDS)


def current_edit(connection: Connection, image_id: int, *, lock: bool = False) -> ImageEdit | None:
    """The edit kept on the image (None: no such row); ``lock`` holds the row (PostgreSQL)
    until the transaction ends, so an edit cannot be saved in between."""
    query = sa.select(*(col(column) for column in EDIT_COLUMNS)).where(col(Image.id) == image_id)
    row = connection.execute(query.with_for_update() if lock else query).first()
    return None if row is None else edit_of(row)


def _library_row(
    connection: Connection, store_id: int, image_id: int, *, lock: bool
) -> Row[Any] | None:
    query = sa.select(
        col(Image.width), col(Image.height), *(col(column) for column in EDIT_COLUMNS)
    ).where(col(Image.id) == image_id, in_library(store_id))
    return connection.execute(query.with_for_update() if lock else query).first()


def edits_of(engine: Engine, image_ids: Iterable[int]) -> dict[int, ImageEdit]:
    """The edits kept on these images (one query; listings: the API shows every image's)."""
    ids = sorted(set(image_ids))
    if not ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(col(Image.id), *(col(column) for column in EDIT_COLUMNS)).where(
                col(Image.id).in_(ids)
            )
        ).all()
    return {row.id: edit_of(row) for row in rows}


def read_edit(engine: Engine, *, store_id: int, image_id: int) -> EditedImage | None:
    """The image's edit and upright size; None when it is not in the store's library (another
    store's, pending, or in the trash)."""
    with engine.connect() as connection:
        row = _library_row(connection, store_id, image_id, lock=False)
    if row is None:
        return None
    return EditedImage(image_id, edit_of(row), row.width, row.height)


class EditChanged(Exception):
    """The image's edit is no longer the one the caller's form was built from (another
    window saved meanwhile); nothing was saved. ``current`` is the edit it has now."""

    def __init__(self, current: EditedImage) -> None:
        super().__init__(f"image {current.image_id}: its edit was changed meanwhile")
        self.current = current


Change = Callable[[ImageEdit], ImageEdit]
# Each try that loses a race to another save starts over from that save's edit; one of the
# racers wins every round, so this many concurrent saves of one image all land.
CHANGE_ATTEMPTS = 100


def _same_edit(edit: ImageEdit) -> sa.ColumnElement[bool]:
    """The row still has ``edit`` (NULL-safe: IS on SQLite, IS NOT DISTINCT FROM on PG)."""
    return sa.and_(
        *(
            col(column).is_not_distinct_from(value)
            for column, value in zip(EDIT_COLUMNS, edit_values(edit).values(), strict=True)
        )
    )


def change_edit(
    engine: Engine,
    jobs: RenditionJobs,
    *,
    store_id: int,
    image_id: int,
    change: Change,
    expected: ImageEdit | None = None,
) -> EditedImage | None:
    """Keep ``change(current edit)`` on the store's image and have its renditions remade in
    the background, atomically: the UPDATE only lands if the row still has the edit the
    change was computed from (compare-and-set, the same on SQLite and PostgreSQL), else it
    starts over from the newer edit, so two windows' rotations both count. ``expected``:
    the edit a whole-edit form was built from; if the image has another now, EditChanged
    and nothing saved. None when the image is not in the store's library; EditInvalid
    (nothing changed) when the result does not fit it; no change queues nothing."""
    for _attempt in range(CHANGE_ATTEMPTS):
        with engine.connect() as connection:
            row = _library_row(connection, store_id, image_id, lock=False)
        if row is None:
            return None
        current = edit_of(row)
        if expected is not None and current != expected:
            raise EditChanged(EditedImage(image_id, current, row.width, row.height))
        edit = change(current)
        validate_edit(edit, row.width, row.height)
        if edit == current:
            return EditedImage(image_id, edit, row.width, row.height)
        with engine.begin() as connection:  # the UPDATE is the transaction's first statement
            landed = connection.execute(
                sa.update(Image)
                .where(col(Image.id) == image_id, in_library(store_id), _same_edit(current))
                .values(**edit_values(edit), updated_at=utcnow())
            ).rowcount
            if landed:
                connection.execute(
                    sa.update(Rendition)
                    .where(col(Rendition.image_id) == image_id)
                    .values(spec=OUTDATED_SPEC)
                )
        if landed:
            try:
                jobs.enqueue(image_id)
            except Exception:  # saved all the same: the worker's reconcile queues it later
                log.exception("image %s: could not queue its renditions after an edit", image_id)
            return EditedImage(image_id, edit, row.width, row.height)
    raise RuntimeError(f"image {image_id}: its edit kept changing; gave up after {_attempt + 1}")


def save_edit(
    engine: Engine,
    jobs: RenditionJobs,
    *,
    store_id: int,
    image_id: int,
    edit: ImageEdit,
    expected: ImageEdit | None = None,
) -> EditedImage | None:
    """Keep ``edit`` on the store's image and have its renditions remade in the background
    (``jobs``: ``imageapp.jobs.tasks.get_jobs(settings)``). None when the image is not in the
    store's library; EditInvalid (nothing changed) when the edit does not fit it. Saving the
    edit it already has changes nothing and queues nothing. Reset: ``edit=ImageEdit()``.
    ``expected``: compare-and-save, EditChanged when the image's edit is no longer that."""
    return change_edit(
        engine,
        jobs,
        store_id=store_id,
        image_id=image_id,
        change=lambda _current: edit,
        expected=expected,
    )


def rotate_edit(
    engine: Engine, jobs: RenditionJobs, *, store_id: int, image_id: int, quarter_turns: int
) -> EditedImage | None:
    """Turn the image's *current* edit ``quarter_turns`` x 90° clockwise (negative: to the
    left), atomically: N rotations at once from N windows end N quarter turns further."""
    return change_edit(
        engine,
        jobs,
        store_id=store_id,
        image_id=image_id,
        change=lambda current: replace(current, rotate=(current.rotate + 90 * quarter_turns) % 360),
    )


def reset_edit(
    engine: Engine, jobs: RenditionJobs, *, store_id: int, image_id: int
) -> EditedImage | None:
    """Back to the original: ``save_edit`` of ``ImageEdit()``."""
    return save_edit(engine, jobs, store_id=store_id, image_id=image_id, edit=ImageEdit())
