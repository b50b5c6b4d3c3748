"""Galleries: create, rename, delete, their images in a manual order, and one cover each.

Order is kept as sparse integers (``GAP`` apart): moving an image writes one row, between its
new neighbours; only when two neighbours have no room left is that gallery renumbered. Every
change first updates the gallery's own row: on PostgreSQL that locks it, on SQLite it takes
the write lock, so two people reordering one gallery at once are applied one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from imageapp.models import Gallery, GalleryImage, Image, utcnow
from imageapp.services.errors import FormInvalid, ImageAppError
from imageapp.services.metadata import SLUG_PATTERN, TITLE_MAX, slugify
from imageapp.services.scoping import in_library, not_trashed, served
from imageapp.services.sql import batches, first_free_slug

GAP = 1024
DESCRIPTION_MAX = 5000


@dataclass(frozen=True, slots=True)
class GallerySummary:
    id: int
    title: str
    slug: str
    description: str
    image_count: int
    cover_image_id: int | None  # the featured image, else the first one


class GalleryNotFound(ImageAppError):
    def __init__(self) -> None:
        super().__init__("gallery_not_found", "There is no such gallery in your store.")


def check_gallery_fields(title: str, description: str, slug: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Enter a title for the gallery."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"The title is {len(title)} characters long; the limit is {TITLE_MAX}."
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"The description is longer than {DESCRIPTION_MAX} characters."
    if slug and not SLUG_PATTERN.match(slug):
        errors["slug"] = "Use only lowercase letters a-z, digits and single hyphens."
    return errors


class GalleryService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- galleries ------------------------------------------------------------------------

    def create(self, *, store_id: int, title: str, description: str = "", slug: str = "") -> int:
        title, description, slug = " ".join(title.split()), description.strip(), slug.strip()
        errors = check_gallery_fields(title, description, slug)
        if errors:
            raise FormInvalid(errors)
        with self.engine.begin() as connection:
            slug = slug or first_free_slug(
                connection,
                col(Gallery.slug),
                col(Gallery.store_id) == store_id,
                slugify(title) or "gallery",
            )
            if _slug_taken(connection, store_id, slug, except_id=None):
                raise FormInvalid({"slug": f"Another gallery already uses '{slug}'."})
            now = utcnow()
            gallery_id = connection.execute(
                sa.insert(Gallery)
                .values(
                    store_id=store_id,
                    title=title,
                    slug=slug,
                    description=description,
                    created_at=now,
                    updated_at=now,
                )
                .returning(col(Gallery.id))
            ).scalar_one()
        assert gallery_id is not None
        return gallery_id

    def update(
        self, *, store_id: int, gallery_id: int, title: str, description: str = "", slug: str = ""
    ) -> None:
        """Rename or re-describe; an empty slug keeps the current one."""
        title, description, slug = " ".join(title.split()), description.strip(), slug.strip()
        errors = check_gallery_fields(title, description, slug)
        if errors:
            raise FormInvalid(errors)
        with self.engine.begin() as connection:
            self._lock(connection, store_id, gallery_id)
            if slug and _slug_taken(connection, store_id, slug, except_id=gallery_id):
                raise FormInvalid({"slug": f"Another gallery already uses '{slug}'."})
            values: dict[str, object] = {"title": title, "description": description}
            if slug:
                values["slug"] = slug
            connection.execute(
                sa.update(Gallery).where(col(Gallery.id) == gallery_id).values(**values)
            )

    def delete(self, *, store_id: int, gallery_id: int) -> None:
        """The gallery and its placements go; the images stay in the library."""
        with self.engine.begin() as connection:
            self._lock(connection, store_id, gallery_id)
            connection.execute(sa.delete(Gallery).where(col(Gallery.id) == gallery_id))

    def get(self, *, store_id: int, gallery_id: int) -> GallerySummary:
        found = [g for g in self._summaries(store_id, gallery_id) if g.id == gallery_id]
        if not found:
            raise GalleryNotFound()
        return found[0]

    def summaries(self, *, store_id: int) -> list[GallerySummary]:
        """Every gallery of the store, by title."""
        return self._summaries(store_id, None)

    def image_ids(self, *, store_id: int, gallery_id: int) -> list[int]:
        """The gallery's images in display order (ties, if any, broken by id: always stable)."""
        with self.engine.connect() as connection:
            _require(connection, store_id, gallery_id)
            return _ordered_ids(connection, gallery_id)

    def entry_title(self, *, store_id: int, gallery_id: int, image_id: int) -> str | None:
        """The title of an image placed in the gallery ("" if it has none); None if the image
        is not in it. Raises GalleryNotFound for a gallery that is not the store's."""
        with self.engine.connect() as connection:
            _require(connection, store_id, gallery_id)
            found = connection.execute(
                sa.select(sa.func.coalesce(col(Image.title), ""))
                .join(GalleryImage, col(GalleryImage.image_id) == col(Image.id))
                .where(
                    col(GalleryImage.gallery_id) == gallery_id,
                    col(Image.id) == image_id,
                    not_trashed(),
                )
            ).first()
        return None if found is None else str(found[0])

    # -- placing images ---------------------------------------------------------------------

    def add_images(self, *, store_id: int, gallery_id: int, image_ids: Sequence[int]) -> list[int]:
        """Append the store's images (in the given order) that are not there yet; returns the
        ids actually added. Ids of other stores, pending or unknown images are skipped."""
        with self.engine.begin() as connection:
            lock_gallery(connection, store_id, gallery_id)
            return append_images(connection, store_id, gallery_id, image_ids)

    def remove_images(
        self, *, store_id: int, gallery_id: int, image_ids: Sequence[int]
    ) -> list[int]:
        """Take images out of the gallery; the others keep their order. Returns removed ids."""
        removed: list[int] = []
        with self.engine.begin() as connection:
            self._lock(connection, store_id, gallery_id)
            for batch in batches(image_ids):
                removed += connection.scalars(
                    sa.delete(GalleryImage)
                    .where(
                        col(GalleryImage.gallery_id) == gallery_id,
                        col(GalleryImage.image_id).in_(batch),
                    )
                    .returning(col(GalleryImage.image_id))
                )
        return sorted(removed)

    def move(self, *, store_id: int, gallery_id: int, image_id: int, position: int) -> None:
        """Put one image at ``position`` (1 = first; past the end = last)."""
        with self.engine.begin() as connection:
            self._lock(connection, store_id, gallery_id)
            ordered = _ordered_ids(connection, gallery_id)
            if image_id not in ordered:
                raise ImageAppError("not_in_gallery", "That image is not in this gallery.")
            others = [i for i in ordered if i != image_id]
            index = min(max(position, 1), len(ordered)) - 1
            _place(connection, gallery_id, image_id, others, index)

    def set_order(self, *, store_id: int, gallery_id: int, image_ids: Sequence[int]) -> None:
        """Apply a whole order (drag and drop). Ids no longer in the gallery are ignored, and
        images the caller did not know about (added meanwhile) keep their place at the end."""
        with self.engine.begin() as connection:
            self._lock(connection, store_id, gallery_id)
            current = _ordered_ids(connection, gallery_id)
            known = [i for i in dict.fromkeys(image_ids) if i in set(current)]
            final = known + [i for i in current if i not in set(known)]
            _renumber(connection, gallery_id, final)

    def set_featured(self, *, store_id: int, gallery_id: int, image_id: int | None) -> None:
        """Make ``image_id`` the gallery's cover (None: no featured image)."""
        with self.engine.begin() as connection:
            self._lock(connection, store_id, gallery_id)
            if image_id is not None and image_id not in _ordered_ids(connection, gallery_id):
                raise ImageAppError("not_in_gallery", "That image is not in this gallery.")
            connection.execute(
                sa.update(GalleryImage)
                .where(col(GalleryImage.gallery_id) == gallery_id, col(GalleryImage.is_featured))
                .values(is_featured=False)
            )
            if image_id is not None:
                connection.execute(
                    sa.update(GalleryImage)
                    .where(
                        col(GalleryImage.gallery_id) == gallery_id,
                        col(GalleryImage.image_id) == image_id,
                    )
                    .values(is_featured=True)
                )

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _lock(connection: Connection, store_id: int, gallery_id: int) -> None:
        lock_gallery(connection, store_id, gallery_id)

    def _summaries(self, store_id: int, gallery_id: int | None) -> list[GallerySummary]:
        members = (
            sa.select(
                col(GalleryImage.gallery_id).label("gallery_id"),
                sa.func.count().label("image_count"),
            )
            .join(Image, col(Image.id) == col(GalleryImage.image_id))
            .where(not_trashed())
            .group_by(col(GalleryImage.gallery_id))
            .subquery()
        )
        query = (
            sa.select(
                col(Gallery.id),
                col(Gallery.title),
                col(Gallery.slug),
                col(Gallery.description),
                sa.func.coalesce(members.c.image_count, 0),
            )
            .outerjoin(members, members.c.gallery_id == col(Gallery.id))
            .where(col(Gallery.store_id) == store_id)
            .order_by(col(Gallery.title), col(Gallery.id))
        )
        if gallery_id is not None:
            query = query.where(col(Gallery.id) == gallery_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
            covers = _covers(connection, [row[0] for row in rows])
        return [
            GallerySummary(
                id=row[0],
                title=row[1],
                slug=row[2],
                description=row[3],
                image_count=int(row[4]),
                cover_image_id=covers.get(row[0]),
            )
            for row in rows
        ]


def lock_gallery(connection: Connection, store_id: int, gallery_id: int) -> None:
    """Touch the gallery row first: it serialises changes to one gallery (see above), and a
    delete of it waits for the caller's transaction, or has happened: GalleryNotFound."""
    touched = connection.execute(
        sa.update(Gallery)
        .where(col(Gallery.id) == gallery_id, col(Gallery.store_id) == store_id)
        .values(updated_at=utcnow())
    ).rowcount
    if not touched:
        raise GalleryNotFound()


def append_images(
    connection: Connection, store_id: int, gallery_id: int, image_ids: Sequence[int]
) -> list[int]:
    """Put the store's finished images last, in order (the caller holds ``lock_gallery``)."""
    own = set(_own_image_ids(connection, store_id, image_ids))
    present = set(_ordered_ids(connection, gallery_id, with_trashed=True))
    wanted = [i for i in dict.fromkeys(image_ids) if i in own and i not in present]
    last = connection.scalar(
        sa.select(sa.func.max(col(GalleryImage.display_order))).where(
            col(GalleryImage.gallery_id) == gallery_id
        )
    )
    start = (last or 0) + GAP
    if wanted:
        connection.execute(
            sa.insert(GalleryImage),
            [
                {
                    "gallery_id": gallery_id,
                    "image_id": image_id,
                    "display_order": start + n * GAP,
                    "is_featured": False,
                }
                for n, image_id in enumerate(wanted)
            ],
        )
    return wanted


def _require(connection: Connection, store_id: int, gallery_id: int) -> None:
    found = connection.scalar(
        sa.select(col(Gallery.id)).where(
            col(Gallery.id) == gallery_id, col(Gallery.store_id) == store_id
        )
    )
    if found is None:
        raise GalleryNotFound()


def _ordered_ids(
    connection: Connection, gallery_id: int, *, with_trashed: bool = False
) -> list[int]:
    """The gallery's images in order: those people see, or (``with_trashed``) every placement,
    the trashed images' too (they keep their place until restored or gone for good)."""
    query = (
        sa.select(col(GalleryImage.image_id))
        .where(col(GalleryImage.gallery_id) == gallery_id)
        .order_by(col(GalleryImage.display_order), col(GalleryImage.image_id))
    )
    if not with_trashed:
        query = query.join(Image, col(Image.id) == col(GalleryImage.image_id)).where(not_trashed())
    return list(connection.scalars(query))


def _orders(connection: Connection, gallery_id: int) -> dict[int, int]:
    return dict(
        connection.execute(
            sa.select(col(GalleryImage.image_id), col(GalleryImage.display_order)).where(
                col(GalleryImage.gallery_id) == gallery_id
            )
        ).all()
    )


def _place(
    connection: Connection, gallery_id: int, image_id: int, others: list[int], index: int
) -> None:
    """Give ``image_id`` an order between ``others[index - 1]`` and ``others[index]``."""
    orders = _orders(connection, gallery_id)
    before = orders[others[index - 1]] if index > 0 else None
    after = orders[others[index]] if index < len(others) else None
    if before is None and after is None:
        value: int | None = GAP
    elif before is None:
        value = after - GAP if after is not None else GAP
    elif after is None:
        value = before + GAP
    else:
        value = (before + after) // 2 if after - before > 1 else None
    if value is None:  # no room left between the neighbours: renumber this gallery once
        _renumber(connection, gallery_id, [*others[:index], image_id, *others[index:]])
        return
    connection.execute(
        sa.update(GalleryImage)
        .where(col(GalleryImage.gallery_id) == gallery_id, col(GalleryImage.image_id) == image_id)
        .values(display_order=value)
    )


def _renumber(connection: Connection, gallery_id: int, ordered: Iterable[int]) -> None:
    """Number the gallery anew in the ``ordered`` (visible) order; a trashed image keeps its
    slot among the others, so a restore puts it back where it was."""
    shown = list(ordered)
    visible, queue = set(shown), iter(shown)
    every = [
        next(queue, image_id) if image_id in visible else image_id
        for image_id in _ordered_ids(connection, gallery_id, with_trashed=True)
    ]
    rows = [
        {"image": image_id, "order": (n + 1) * GAP} for n, image_id in enumerate([*every, *queue])
    ]
    if not rows:  # an empty gallery: nothing to number (an empty executemany is refused)
        return
    connection.execute(
        sa.update(GalleryImage)
        .where(
            col(GalleryImage.gallery_id) == gallery_id,
            col(GalleryImage.image_id) == sa.bindparam("image"),
        )
        .values(display_order=sa.bindparam("order")),
        rows,
    )


def _covers(connection: Connection, gallery_ids: list[int]) -> dict[int, int]:
    """Each gallery's featured image, else its first."""
    if not gallery_ids:
        return {}
    rows = connection.execute(
        sa.select(col(GalleryImage.gallery_id), col(GalleryImage.image_id))
        .join(Image, col(Image.id) == col(GalleryImage.image_id))
        .where(col(GalleryImage.gallery_id).in_(gallery_ids), served())
        .order_by(
            col(GalleryImage.gallery_id),
            col(GalleryImage.is_featured).desc(),
            col(GalleryImage.display_order),
            col(GalleryImage.image_id),
        )
    ).all()
    covers: dict[int, int] = {}
    for gallery_id, image_id in rows:
        covers.setdefault(gallery_id, image_id)
    return covers


def _own_image_ids(connection: Connection, store_id: int, image_ids: Sequence[int]) -> list[int]:
    """Those of ``image_ids`` that are finished images of the store (never pending ones)."""
    found: list[int] = []
    for batch in batches(image_ids):
        found += connection.scalars(
            sa.select(col(Image.id)).where(col(Image.id).in_(batch), in_library(store_id))
        )
    return found


def _slug_taken(connection: Connection, store_id: int, slug: str, except_id: int | None) -> bool:
    query = sa.select(col(Gallery.id)).where(
        col(Gallery.store_id) == store_id, col(Gallery.slug) == slug
    )
    if except_id is not None:
        query = query.where(col(Gallery.id) != except_id)
    return connection.scalar(query) is not None
