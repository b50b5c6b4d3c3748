"""``imageapp renditions rebuild``: redo missing or outdated renditions, resumably.

An image's preset counts as done when a row of it carries the preset's current fingerprint
(rows of one preset are written in one transaction, so one such row means all of them) and
every row of it still has its file: rows are not trusted blindly, a file lost to a disk
restore, a hand or a bug is remade. An interrupted rebuild therefore picks up where it
stopped; a changed preset is redone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col

from imageapp.config import RenditionPreset, Settings
from imageapp.models import Image, Rendition
from imageapp.services.errors import ImageAppError
from imageapp.services.rendering import preset_spec
from imageapp.services.renditions import KEPT_STATUSES, RenditionService

log = logging.getLogger(__name__)
BATCH_SIZE = 200
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RebuildReport:
    images: int  # images looked at
    rebuilt: int  # images that needed (and got) new renditions
    failed: int  # images whose renditions could not be made (logged)
    removed: int  # renditions of presets no longer configured, deleted


def chosen_presets(settings: Settings, name: str | None) -> tuple[RenditionPreset, ...]:
    """All configured presets, or the one called ``name`` (ImageAppError if there is none)."""
    if name is None:
        return settings.rendition_presets
    preset = settings.preset(name)
    if preset is None:
        known = ", ".join(preset.name for preset in settings.rendition_presets)
        raise ImageAppError("unknown_preset", f"There is no preset {name!r}; configured: {known}.")
    return (preset,)


def rebuild_renditions(
    service: RenditionService,
    *,
    preset_name: str | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> RebuildReport:
    """Make every missing or outdated rendition; ``progress(done, total)`` after each image."""
    presets = chosen_presets(service.settings, preset_name)
    removed = service.remove_unconfigured() if preset_name is None else 0
    kept = (col(Image.status).in_(KEPT_STATUSES), col(Image.file_path).is_not(None))
    with service.engine.connect() as connection:
        total = connection.scalar(sa.select(sa.func.count()).select_from(Image).where(*kept)) or 0
    done = rebuilt = failed = 0
    last_id = 0
    while True:
        with service.engine.connect() as connection:
            ids = connection.scalars(
                sa.select(col(Image.id))
                .where(*kept, col(Image.id) > last_id)
                .order_by(col(Image.id))
                .limit(batch_size)
            ).all()
            rows = connection.execute(
                sa.select(
                    col(Rendition.image_id),
                    col(Rendition.preset),
                    col(Rendition.spec),
                    col(Rendition.path),
                ).where(col(Rendition.image_id).in_(ids))
            ).all()
        if not ids:
            break
        finished = finished_presets(service, rows)
        for image_id in ids:
            assert image_id is not None
            needed = [p for p in presets if (image_id, p.name, preset_spec(p)) not in finished]
            if needed:
                try:
                    service.generate(image_id, needed)
                    rebuilt += 1
                except Exception:
                    log.exception("image %s: renditions failed", image_id)
                    failed += 1
            done += 1
            if progress is not None:
                progress(done, max(total, done))
        last_id = ids[-1] or 0
    return RebuildReport(images=done, rebuilt=rebuilt, failed=failed, removed=removed)


def finished_presets(
    service: RenditionService, rows: Sequence[sa.Row[int, str, str, str]]
) -> set[tuple[int, str, str]]:
    """(image, preset, fingerprint) of presets whose rows all have their file on disk."""
    missing = {(row.image_id, row.preset) for row in rows if not service.storage.exists(row.path)}
    for image_id, preset in sorted(missing):
        log.warning("image %s: a %s rendition's file is missing; remaking it", image_id, preset)
    return {
        (row.image_id, row.preset, row.spec)
        for row in rows
        if (row.image_id, row.preset) not in missing
    }
