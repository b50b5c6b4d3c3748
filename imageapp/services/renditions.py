"""Keeping an image's renditions: make them from the stored original, record them, find them.

Crash safety: the file names are announced as write intents first (``services.intents``), then
the files are written (and fsynced), then the rows are recorded in one transaction that also
settles the intents, then files no row refers to anymore are removed. ``cleanup-temp`` never
removes an announced file, so no row ever lacks its file; a crash leaves at worst an
unreferenced file (its intent expires), which ``cleanup-temp`` sweeps. Names start with the
original's uuid (``<uuid>.<preset>.<digest>.<nonce>.<ext>``), so everything made from one
original can be found from its name; the digest (of the content) makes the public name, the
random nonce makes every stored name written only once, so a sweep deciding that an old file is
an orphan can never delete a new file of the same content written meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from imageapp.config import RenditionPreset, Settings
from imageapp.models import Image, ImageStatus, Rendition, utcnow
from imageapp.services.edits import (
    EDIT_COLUMNS,
    OUTDATED_SPEC,
    ImageEdit,
    current_edit,
    edit_of,
)
from imageapp.services.intents import FileIntents, IntentLost, WriteIntent
from imageapp.services.rendering import EXTENSIONS, RenderedFile, render_presets
from imageapp.services.storage import IMAGES, Storage

log = logging.getLogger(__name__)
DIGEST_LENGTH = 16
NONCE_LENGTH = 8
# Names written before nonces were added have none.
RENDITION_NAME = re.compile(
    r"^(?P<stem>[0-9a-f-]{36})\.(?P<preset>[a-z][a-z0-9_]*)\.(?P<digest>[0-9a-f]{16})"
    r"(?:\.(?P<nonce>[0-9a-f]{8}))?\.(?P<extension>avif|webp|jpg|png)$"
)
# Images whose originals are kept: renditions are made for both (inactive ones may come back).
KEPT_STATUSES = (ImageStatus.ACTIVE.value, ImageStatus.INACTIVE.value)


@dataclass(frozen=True, slots=True)
class StoredRendition:
    """One recorded rendition, as the UIs and the media route need it."""

    image_id: int
    preset: str
    format: str
    width: int
    height: int
    size_bytes: int
    path: str
    # Made before the image's current edit (edits.py marks them): still served until the
    # new set replaces them, but a page showing them should watch for that set.
    outdated: bool = False

    @property
    def digest(self) -> str:
        found = RENDITION_NAME.match(self.path.rpartition("/")[2])
        return found["digest"] if found else ""

    @property
    def file_name(self) -> str:
        """The public, content-addressed name: ``<preset>.<digest>.<extension>``."""
        return f"{self.preset}.{self.digest}.{EXTENSIONS[self.format]}"


def rendition_name(original_path: str, rendered: RenderedFile) -> str:
    stem = original_path.rpartition("/")[2].partition(".")[0]
    digest = hashlib.sha256(rendered.data).hexdigest()[:DIGEST_LENGTH]
    nonce = secrets.token_hex(NONCE_LENGTH // 2)
    return f"{stem}.{rendered.preset}.{digest}.{nonce}.{EXTENSIONS[rendered.format]}"


def renditions_of(
    engine: Engine, image_ids: Iterable[int]
) -> dict[int, tuple[StoredRendition, ...]]:
    """The recorded renditions of these images, smallest first (for srcset)."""
    ids = sorted(set(image_ids))
    found: dict[int, list[StoredRendition]] = {image_id: [] for image_id in ids}
    if not ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                col(Rendition.image_id),
                col(Rendition.preset),
                col(Rendition.format),
                col(Rendition.width),
                col(Rendition.height),
                col(Rendition.size_bytes),
                col(Rendition.path),
                (col(Rendition.spec) == OUTDATED_SPEC).label("outdated"),
            )
            .where(col(Rendition.image_id).in_(ids))
            .order_by(col(Rendition.image_id), col(Rendition.width), col(Rendition.format))
        )
        for row in rows:
            found[row.image_id].append(StoredRendition(*row))
    return {image_id: tuple(items) for image_id, items in found.items()}


class RenditionsStalled(Exception):
    """Writing took longer than the intent's lease; nothing was recorded (rebuild retries)."""

    def __init__(self, image_id: int) -> None:
        super().__init__(f"image {image_id}: writing renditions outlasted the lease; not recorded")


class EditChanged(Exception):
    """The image's edit changed while its renditions were made: they show the old one."""


class RenditionService:
    """Makes and records the renditions of stored originals."""

    def __init__(self, *, engine: Engine, storage: Storage, settings: Settings) -> None:
        self.engine = engine
        self.storage = storage
        self.settings = settings
        self.intents = FileIntents(engine)

    def generate(self, image_id: int, presets: Sequence[RenditionPreset] | None = None) -> int:
        """(Re)make these presets (default: all) of one kept image; returns files recorded."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(col(Image.file_path), *(col(column) for column in EDIT_COLUMNS)).where(
                    col(Image.id) == image_id, col(Image.status).in_(KEPT_STATUSES)
                )
            ).first()
        if row is None or not row.file_path:
            return 0
        original, edit = row.file_path, edit_of(row)
        with self.storage.local_copy(original) as local:  # the bucket's: a spooled copy
            rendered = render_presets(local, presets or self.settings.rendition_presets, edit=edit)
        named = [(item, f"{IMAGES}/{rendition_name(original, item)}") for item in rendered]
        intent = self.intents.declare(path for _item, path in named)
        try:
            for item, path in named:
                self.storage.write_image_file(path.rpartition("/")[2], item.data)
            with self.engine.begin() as connection:
                self.intents.fulfil(connection, intent)
                _still_edited(connection, image_id, edit)
                superseded = self._record(connection, image_id, named)
        except sa.exc.IntegrityError:  # the image was deleted meanwhile
            self._forget(named, intent)
            return 0
        except EditChanged:  # the newer edit's job makes the current set
            self._forget(named, intent)
            log.info("image %s: edited while its renditions were made; not recorded", image_id)
            return 0
        except IntentLost:
            self._forget(named, intent)
            raise RenditionsStalled(image_id) from None
        except BaseException:
            self._forget(named, intent)
            raise
        for path in superseded:
            self.storage.delete(path)
        log.info("image %s: %d rendition(s) written", image_id, len(named))
        return len(named)

    def _forget(self, named: list[tuple[RenderedFile, str]], intent: WriteIntent) -> None:
        """Remove the files of a write that was not recorded, then their intent."""
        for _item, path in named:
            self.storage.delete(path)
        try:
            self.intents.withdraw(intent)
        except sa.exc.SQLAlchemyError:  # the files are gone; the lease ends on its own
            log.warning("could not withdraw the intent of %s", intent.paths, exc_info=True)

    def _record(
        self, connection: Connection, image_id: int, written: list[tuple[RenderedFile, str]]
    ) -> set[str]:
        """Replace the rows of the rendered presets; returns the paths no row uses anymore."""
        existing = connection.execute(
            sa.select(
                col(Rendition.id), col(Rendition.preset), col(Rendition.format), col(Rendition.path)
            ).where(
                col(Rendition.image_id) == image_id,
                col(Rendition.preset).in_({item.preset for item, _path in written}),
            )
        ).all()
        made = {(item.preset, item.format) for item, _path in written}
        # A format the preset no longer lists (or JPEG that became PNG) loses its row.
        stale = [row.id for row in existing if (row.preset, row.format) not in made]
        if stale:
            connection.execute(sa.delete(Rendition).where(col(Rendition.id).in_(stale)))
        for item, path in written:
            _upsert(connection, image_id, item, path)
        return {row.path for row in existing} - {path for _item, path in written}

    def remove_unconfigured(self) -> int:
        """Delete renditions of presets no longer configured (rows, then files)."""
        names = [preset.name for preset in self.settings.rendition_presets]
        with self.engine.begin() as connection:
            paths = connection.scalars(
                sa.delete(Rendition)
                .where(col(Rendition.preset).not_in(names))
                .returning(col(Rendition.path))
            ).all()
        for path in paths:
            self.storage.delete(path)
        return len(paths)


def _still_edited(connection: Connection, image_id: int, edit: ImageEdit) -> None:
    """EditChanged unless the image still has ``edit``. The row stays locked (PostgreSQL; SQLite
    already holds the write lock after ``fulfil``) until the renditions are recorded, so an edit
    saved meanwhile waits for them and then marks them outdated."""
    now = current_edit(connection, image_id, lock=True)
    if now is not None and now != edit:
        raise EditChanged(image_id)


def _upsert(connection: Connection, image_id: int, item: RenderedFile, path: str) -> None:
    values = {
        "image_id": image_id,
        "preset": item.preset,
        "format": item.format,
        "width": item.width,
        "height": item.height,
        "size_bytes": len(item.data),
        "path": path,
        "spec": item.spec,
        "created_at": utcnow(),
    }
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Rendition).values(values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["image_id", "preset", "format"],
            set_={key: statement.excluded[key] for key in values if key != "image_id"},
        )
    )
