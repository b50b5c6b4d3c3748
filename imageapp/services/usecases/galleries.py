"""A gallery's own actions as both UIs (and the coming API) offer them: create, rename and
delete a gallery; move, feature and take out one of its images. Each checks the values as
sent, asks the gallery service, and says what happened in one sentence, with names
("Moved 'Dune' to position 2 of 5.").

Every id only ever names something inside ``store_id``: another store's gallery is ``Gone``
(the no-JS pages answer it with a 404), exactly like one deleted meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from imageapp.services.errors import FormInvalid, ImageAppError
from imageapp.services.galleries import GalleryNotFound, GalleryService, GallerySummary
from imageapp.services.gallery_moves import position_after_steps, position_next_to
from imageapp.services.ids import parse_id
from imageapp.services.wording import GALLERY_DELETE_IS_FINAL, count_label

GALLERY_FIELDS = ("title", "slug", "description")  # the gallery form's fields, in its order
GONE = "That gallery is not there any more."
NOT_IN_GALLERY = "That image is not in this gallery."
NO_POSITION = "Enter a position: a whole number from 1."


@dataclass(frozen=True, slots=True)
class Done:
    """It happened: ``message`` says what; ``position``: where a moved image is now."""

    message: str
    gallery_id: int
    position: int | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing was done: ``message`` says why; ``errors`` by form field when a field is wrong."""

    message: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Gone:
    """The gallery is not the store's (any more): deleted meanwhile, or never its own."""

    message: str = GONE


@dataclass(frozen=True, slots=True)
class Unchanged:
    """Nothing to do (the image is already first, or dropped onto its own place)."""

    message: str = ""


GalleryResult = Done | Refused | Gone | Unchanged


def gallery_values(raw: Mapping[str, object]) -> dict[str, str]:
    """The gallery form's fields as sent (missing ones empty, everything as text)."""
    return {name: str(raw.get(name) or "") for name in GALLERY_FIELDS}


def _title(raw: str) -> str:
    """A title as the service keeps it (white space folded)."""
    return " ".join(raw.split())


def create_gallery(
    galleries: GalleryService, *, store_id: int, raw_fields: Mapping[str, object]
) -> Done | Refused:
    values = gallery_values(raw_fields)
    try:
        gallery_id = galleries.create(store_id=store_id, **values)
    except FormInvalid as invalid:
        return Refused(invalid.message, invalid.errors)
    title = _title(values["title"])
    return Done(f"Gallery '{title}' created. Add images to it from the library.", gallery_id)


def rename_gallery(
    galleries: GalleryService, *, store_id: int, gallery_id: int, raw_fields: Mapping[str, object]
) -> Done | Refused | Gone:
    """New title and description (and slug, if one is sent: a blank one keeps the current)."""
    values = gallery_values(raw_fields)
    try:
        galleries.update(store_id=store_id, gallery_id=gallery_id, **values)
    except FormInvalid as invalid:
        return Refused(invalid.message, invalid.errors)
    except GalleryNotFound:
        return Gone()
    return Done(f"Gallery '{_title(values['title'])}' saved.", gallery_id)


def delete_question(title: str, image_count: int) -> str:
    """What both UIs ask before deleting a gallery."""
    return f"Delete the gallery '{title}'? {what_stays(image_count)}"


def what_stays(image_count: int) -> str:
    """What deleting a gallery leaves, and that the deletion is final (no trash for it)."""
    return f"{_images_stay(image_count)} {GALLERY_DELETE_IS_FINAL}"


def _images_stay(image_count: int) -> str:
    """What deleting a gallery leaves: its images, in the library and their other galleries."""
    if not image_count:
        return "It holds no images; only the gallery goes."
    one = image_count == 1
    stays, it = ("stays", "it is") if one else ("stay", "they are")
    return (
        f"Its {count_label(image_count)} {stays} in your library, with any other galleries "
        f"{it} in; only the gallery, its order and its cover go."
    )


def delete_gallery(galleries: GalleryService, *, store_id: int, gallery_id: int) -> Done | Gone:
    """The gallery goes; its images stay in the library."""
    try:
        gallery = galleries.get(store_id=store_id, gallery_id=gallery_id)
        galleries.delete(store_id=store_id, gallery_id=gallery_id)
    except GalleryNotFound:
        return Gone()
    held = gallery.image_count
    kept = f" {'Its image is' if held == 1 else f'Its {held} images are'} still in your library."
    return Done(f"Gallery '{gallery.title}' deleted.{kept if held else ''}", gallery_id)


# -- one image of a gallery --------------------------------------------------------------------


def move_to_position(
    galleries: GalleryService, *, store_id: int, gallery_id: int, image_id: int, position: object
) -> GalleryResult:
    """The no-JS form: the wanted position as typed (1 = first; past the end = last). Absolute
    on purpose: a form sent twice leaves the image where it was asked to go."""
    wanted = parse_id(position) if isinstance(position, str) else None
    if wanted is None:
        return _checked_gallery(galleries, store_id, gallery_id) or Refused(
            NO_POSITION, {"position": NO_POSITION}
        )
    return _move(galleries, store_id, gallery_id, image_id, lambda order: min(wanted, len(order)))


def move_by_steps(
    galleries: GalleryService, *, store_id: int, gallery_id: int, image_id: int, steps: int
) -> GalleryResult:
    """The move buttons: one place up (-1) or down (1) from where the image is now."""
    return _move(
        galleries,
        store_id,
        gallery_id,
        image_id,
        lambda order: position_after_steps(order, image_id, steps),
    )


def drop_next_to(
    galleries: GalleryService,
    *,
    store_id: int,
    gallery_id: int,
    image_id: int,
    target_id: int,
    after: bool,
) -> GalleryResult:
    """Drag and drop: right before (or after) ``target_id``, wherever both are now, so a page
    showing a stale order still puts the image next to the neighbour the person chose."""
    return _move(
        galleries,
        store_id,
        gallery_id,
        image_id,
        lambda order: position_next_to(order, image_id, target_id, after=after),
    )


def make_cover(
    galleries: GalleryService, *, store_id: int, gallery_id: int, image_id: int
) -> GalleryResult:
    def feature(name: str, gallery_title: str) -> Done:
        galleries.set_featured(store_id=store_id, gallery_id=gallery_id, image_id=image_id)
        return Done(_sentence(f"{name} is now the cover of '{gallery_title}'."), gallery_id)

    return _change(galleries, store_id, gallery_id, image_id, feature)


def take_out(
    galleries: GalleryService, *, store_id: int, gallery_id: int, image_id: int
) -> GalleryResult:
    """Take one image out of the gallery; it stays in the library (and its other galleries)."""

    def remove(name: str, gallery_title: str) -> Done:
        removed = galleries.remove_images(
            store_id=store_id, gallery_id=gallery_id, image_ids=[image_id]
        )
        if not removed:  # taken out meanwhile
            raise ImageAppError("not_in_gallery", NOT_IN_GALLERY)
        sentence = f"{name} was taken out of '{gallery_title}'; it stays in your library."
        return Done(_sentence(sentence), gallery_id)

    return _change(galleries, store_id, gallery_id, image_id, remove)


def _checked_gallery(galleries: GalleryService, store_id: int, gallery_id: int) -> Gone | None:
    try:
        galleries.get(store_id=store_id, gallery_id=gallery_id)
    except GalleryNotFound:
        return Gone()
    return None


def _move(
    galleries: GalleryService,
    store_id: int,
    gallery_id: int,
    image_id: int,
    choose: Callable[[Sequence[int]], int | None],
) -> GalleryResult:
    """Move the image to the position ``choose`` picks in the current order (None: stay)."""

    def move(name: str, _gallery_title: str) -> Done | Unchanged:
        order = galleries.image_ids(store_id=store_id, gallery_id=gallery_id)
        position = choose(order)
        if position is None:
            return Unchanged()
        galleries.move(
            store_id=store_id, gallery_id=gallery_id, image_id=image_id, position=position
        )
        sentence = f"Moved {name} to position {position} of {len(order)}."
        return Done(sentence, gallery_id, position=position)

    return _change(galleries, store_id, gallery_id, image_id, move)


def _change(
    galleries: GalleryService,
    store_id: int,
    gallery_id: int,
    image_id: int,
    change: Callable[[str, str], Done | Unchanged],
) -> GalleryResult:
    """Run ``change(image name, gallery title)`` for an image of the gallery. A refusal (say,
    the image left the gallery meanwhile) is Refused; a gallery not the store's is Gone."""
    try:
        gallery = galleries.get(store_id=store_id, gallery_id=gallery_id)
        title = galleries.entry_title(store_id=store_id, gallery_id=gallery_id, image_id=image_id)
        if title is None:
            return Refused(NOT_IN_GALLERY)
        return change(f"'{title}'" if title else "the image", gallery.title)
    except GalleryNotFound:
        return Gone()
    except ImageAppError as refused:
        return Refused(refused.message)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def gallery_order(
    galleries: GalleryService, *, store_id: int, gallery_id: int
) -> tuple[GallerySummary, list[int]] | Gone:
    """The gallery and its image ids in display order."""
    try:
        gallery = galleries.get(store_id=store_id, gallery_id=gallery_id)
        return gallery, galleries.image_ids(store_id=store_id, gallery_id=gallery_id)
    except GalleryNotFound:
        return Gone()


def reorder_gallery(
    galleries: GalleryService, *, store_id: int, gallery_id: int, image_ids: Sequence[int]
) -> Done | Gone:
    """A whole new order: ids not in the gallery are ignored; images left out keep their
    order after the ones named."""
    try:
        galleries.set_order(store_id=store_id, gallery_id=gallery_id, image_ids=image_ids)
        gallery = galleries.get(store_id=store_id, gallery_id=gallery_id)
    except GalleryNotFound:
        return Gone()
    return Done(f"The order of '{gallery.title}' was saved.", gallery_id)
