"""What the rendition jobs do, queue aside: find the images whose renditions are missing or
outdated, and make only what one image lacks.

Both are idempotent: a job run twice, or for an image a rebuild already did, finds nothing
missing and writes nothing, so duplicate or repeated jobs are harmless.
"""

from __future__ import annotations

import logging
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import col

from imageapp.config import RenditionPreset
from imageapp.models import Image, Rendition
from imageapp.services.rebuild import finished_presets
from imageapp.services.rendering import preset_spec
from imageapp.services.renditions import KEPT_STATUSES, RenditionService

log = logging.getLogger(__name__)


class RenditionJobs(Protocol):
    """Where finalize hands an image whose renditions are to be made."""

    def enqueue(self, image_id: int) -> None: ...


class InlineRenditionJobs:
    """Makes the renditions at once, in the caller (no queue: scripts, some tests)."""

    def __init__(self, renditions: RenditionService) -> None:
        self.renditions = renditions

    def enqueue(self, image_id: int) -> None:
        make_missing_renditions(self.renditions, image_id)


def missing_presets(service: RenditionService, image_id: int) -> list[RenditionPreset]:
    """The configured presets this image has no current, complete set of files of."""
    with service.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                col(Rendition.image_id),
                col(Rendition.preset),
                col(Rendition.spec),
                col(Rendition.path),
            ).where(col(Rendition.image_id) == image_id)
        ).all()
    finished = finished_presets(service, rows)
    return [
        preset
        for preset in service.settings.rendition_presets
        if (image_id, preset.name, preset_spec(preset)) not in finished
    ]


def make_missing_renditions(service: RenditionService, image_id: int) -> int:
    """Make what this image lacks; returns the files written (0: nothing was missing)."""
    needed = missing_presets(service, image_id)
    if not needed:
        log.info("image %s: renditions already complete; nothing to do", image_id)
        return 0
    return service.generate(image_id, needed)


def images_missing_renditions(service: RenditionService) -> list[int]:
    """Kept images lacking a current rendition row of some preset (rows only: cheap enough to
    run often; a lost file is found by the image's job or by ``renditions rebuild``)."""
    lacking = [
        ~sa.exists().where(
            col(Rendition.image_id) == col(Image.id),
            col(Rendition.preset) == preset.name,
            col(Rendition.spec) == preset_spec(preset),
        )
        for preset in service.settings.rendition_presets
    ]
    query = (
        sa.select(col(Image.id))
        .where(
            col(Image.status).in_(KEPT_STATUSES),
            col(Image.file_path).is_not(None),
            sa.or_(*lacking),
        )
        .order_by(col(Image.id))
    )
    with service.engine.connect() as connection:
        return [image_id for image_id in connection.scalars(query) if image_id is not None]
