"""The edit service: checking, saving, reading and resetting an image's edit, and the rendition
job it queues (real databases, real files on both storage backends)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.config import Settings
from imageapp.jobs.tasks import get_jobs
from imageapp.models import Image as ImageRow
from imageapp.models import Rendition
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.edits import (
    CropBox,
    EditChanged,
    EditedImage,
    EditInvalid,
    FocalPoint,
    ImageEdit,
    read_edit,
    reset_edit,
    rotate_edit,
    save_edit,
)
from imageapp.services.trash import TrashService
from imageapp.services.uploads import UploadService
from tests.factories import metadata
from tests.images import jpeg_bytes


def upload(uploads: UploadService, user: CurrentUser, data: bytes, name: str = "p.jpg") -> int:
    pending = uploads.create_pending(
        stream=BytesIO(data),
        filename=name,
        owner=user.upload_owner,
        store_id=user.store_id,
        uploaded_by=user.id,
    )
    return uploads.finalize(
        token=pending.upload_token, owner=user.upload_owner, metadata=metadata()
    )


def rendition_paths(engine: Engine, image_id: int) -> dict[tuple[str, str], str]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Rendition.preset, Rendition.format, Rendition.path).where(
                Rendition.image_id == image_id
            )
        )
        return {(row.preset, row.format): row.path for row in rows}


def edit_columns(engine: Engine, image_id: int) -> tuple[object, ...]:
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(
                ImageRow.rotate,
                ImageRow.crop_x,
                ImageRow.crop_y,
                ImageRow.crop_width,
                ImageRow.crop_height,
                ImageRow.focal_x,
                ImageRow.focal_y,
            ).where(ImageRow.id == image_id)
        ).one()
    return tuple(row)


# --- the value objects -------------------------------------------------------------------------


def test_the_original_edit_and_its_turns() -> None:
    edit = ImageEdit()
    assert edit.is_original
    assert edit.rotated_right() == ImageEdit(rotate=90)
    assert edit.rotated_left() == ImageEdit(rotate=270)
    assert edit.rotated_left().rotated_left() == ImageEdit(rotate=180)
    assert ImageEdit(rotate=270).rotated_right().is_original
    cropped = ImageEdit(crop=CropBox(1, 2, 3, 4), focal=FocalPoint(2, 3))
    assert not cropped.is_original
    assert not ImageEdit(focal=FocalPoint(0, 0)).is_original
    # Turning keeps the crop and the focal point: they are in upright-original pixels.
    assert cropped.rotated_right() == ImageEdit(90, CropBox(1, 2, 3, 4), FocalPoint(2, 3))


def test_edited_size_follows_the_crop_then_the_turn() -> None:
    plain = EditedImage(1, ImageEdit(), 4000, 3000)
    assert (plain.edited_width, plain.edited_height) == (4000, 3000)
    turned = EditedImage(1, ImageEdit(rotate=90), 4000, 3000)
    assert (turned.edited_width, turned.edited_height) == (3000, 4000)
    cropped = EditedImage(1, ImageEdit(rotate=270, crop=CropBox(10, 20, 300, 100)), 4000, 3000)
    assert (cropped.edited_width, cropped.edited_height) == (100, 300)
    upside = EditedImage(1, ImageEdit(rotate=180, crop=CropBox(10, 20, 300, 100)), 4000, 3000)
    assert (upside.edited_width, upside.edited_height) == (300, 100)


# --- checking ------------------------------------------------------------------------------------


@pytest.fixture
def alice_photo(uploads: UploadService, alice: CurrentUser) -> int:
    """A 64 x 48 photo of alice's store, with its renditions."""
    return upload(uploads, alice, jpeg_bytes((64, 48)))


BAD_EDITS = [
    (ImageEdit(rotate=45), "rotate", "The rotation must be 0, 90, 180 or 270 degrees (clockwise)."),
    (
        ImageEdit(crop=CropBox(10, 0, 60, 10)),
        "crop_width",
        "The crop goes past the right edge of the image (width 64 px).",
    ),
    (
        ImageEdit(crop=CropBox(0, 40, 10, 9)),
        "crop_height",
        "The crop goes past the bottom edge of the image (height 48 px).",
    ),
    (
        ImageEdit(crop=CropBox(0, 0, 0, 10)),
        "crop_width",
        "The crop needs a width of at least 1 px.",
    ),
    (
        ImageEdit(crop=CropBox(0, 0, 10, -3)),
        "crop_height",
        "The crop needs a height of at least 1 px.",
    ),
    (
        ImageEdit(crop=CropBox(-1, 0, 10, 10)),
        "crop_x",
        "The crop cannot start left of the image: x must be 0 or more.",
    ),
    (
        ImageEdit(crop=CropBox(0, -5, 10, 10)),
        "crop_y",
        "The crop cannot start above the image: y must be 0 or more.",
    ),
    (
        ImageEdit(crop=CropBox(64, 0, 1, 1)),
        "crop_x",
        "The crop starts past the right edge of the image (width 64 px).",
    ),
    (
        ImageEdit(focal=FocalPoint(64, 0)),
        "focal_x",
        "The focal point must be inside the image (width 64 px).",
    ),
    (
        ImageEdit(focal=FocalPoint(0, -1)),
        "focal_y",
        "The focal point must be inside the image (height 48 px).",
    ),
    (
        ImageEdit(crop=CropBox(10, 10, 20, 20), focal=FocalPoint(5, 15)),
        "focal_x",
        "The focal point must be inside the crop.",
    ),
    (
        ImageEdit(crop=CropBox(10, 10, 20, 20), focal=FocalPoint(15, 30)),
        "focal_y",
        "The focal point must be inside the crop.",
    ),
]


@pytest.mark.parametrize(("edit", "field", "message"), BAD_EDITS)
def test_an_edit_that_does_not_fit_is_refused_and_changes_nothing(
    engine: Engine,
    settings: Settings,
    alice: CurrentUser,
    alice_photo: int,
    edit: ImageEdit,
    field: str,
    message: str,
) -> None:
    before_columns = edit_columns(engine, alice_photo)
    before_files = rendition_paths(engine, alice_photo)
    with pytest.raises(EditInvalid) as refused:
        save_edit(
            engine, get_jobs(settings), store_id=alice.store_id, image_id=alice_photo, edit=edit
        )
    assert refused.value.errors == {field: message}
    assert edit_columns(engine, alice_photo) == before_columns
    assert rendition_paths(engine, alice_photo) == before_files
    found = read_edit(engine, store_id=alice.store_id, image_id=alice_photo)
    assert found is not None
    assert found.edit.is_original


def test_every_problem_is_named_at_once(
    engine: Engine, settings: Settings, alice: CurrentUser, alice_photo: int
) -> None:
    edit = ImageEdit(rotate=1, crop=CropBox(-1, 0, 0, 49), focal=FocalPoint(100, 10))
    with pytest.raises(EditInvalid) as refused:
        save_edit(
            engine, get_jobs(settings), store_id=alice.store_id, image_id=alice_photo, edit=edit
        )
    assert set(refused.value.errors) == {
        "rotate",
        "crop_x",
        "crop_width",
        "crop_height",
        "focal_x",
    }


def test_a_crop_of_the_whole_image_and_a_focal_point_on_its_edge_fit(
    engine: Engine, settings: Settings, alice: CurrentUser, alice_photo: int
) -> None:
    edit = ImageEdit(rotate=180, crop=CropBox(0, 0, 64, 48), focal=FocalPoint(63, 47))
    saved = save_edit(
        engine, get_jobs(settings), store_id=alice.store_id, image_id=alice_photo, edit=edit
    )
    assert saved == EditedImage(alice_photo, edit, 64, 48)


# --- saving and reading --------------------------------------------------------------------------


def test_a_saved_edit_is_read_back_and_kept_on_the_row(
    engine: Engine, settings: Settings, alice: CurrentUser, alice_photo: int
) -> None:
    edit = ImageEdit(rotate=90, crop=CropBox(4, 6, 40, 30), focal=FocalPoint(20, 10))
    saved = save_edit(
        engine, get_jobs(settings), store_id=alice.store_id, image_id=alice_photo, edit=edit
    )
    assert saved == EditedImage(alice_photo, edit, 64, 48)
    assert read_edit(engine, store_id=alice.store_id, image_id=alice_photo) == saved
    assert edit_columns(engine, alice_photo) == (90, 4, 6, 40, 30, 20, 10)
    assert (saved.edited_width, saved.edited_height) == (30, 40)


def test_the_size_is_the_upright_original_of_an_exif_turned_jpeg(
    engine: Engine, uploads: UploadService, alice: CurrentUser
) -> None:
    from tests.images_metadata import oriented_jpeg

    image_id = upload(uploads, alice, oriented_jpeg(6, size=(120, 60)))  # stored 60 x 120
    found = read_edit(engine, store_id=alice.store_id, image_id=image_id)
    assert found is not None
    assert (found.original_width, found.original_height) == (120, 60)


def test_saving_remakes_the_renditions_and_reset_brings_the_original_back(
    engine: Engine, settings: Settings, alice: CurrentUser, alice_photo: int
) -> None:
    jobs = get_jobs(settings)
    original = rendition_paths(engine, alice_photo)
    assert original
    edit = ImageEdit(rotate=90)
    save_edit(engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=edit)
    turned = rendition_paths(engine, alice_photo)
    assert turned.keys() == original.keys()
    assert not set(turned.values()) & set(original.values())  # every file made anew
    with engine.connect() as connection:
        sizes = set(
            (row.width, row.height)
            for row in connection.execute(
                sa.select(Rendition.width, Rendition.height).where(
                    Rendition.image_id == alice_photo
                )
            ).all()
        )
    assert sizes == {(48, 64)}  # smaller than every preset: the turned original's size
    reset = reset_edit(engine, jobs, store_id=alice.store_id, image_id=alice_photo)
    assert reset is not None
    assert reset.edit.is_original
    assert edit_columns(engine, alice_photo) == (0, None, None, None, None, None, None)
    back = rendition_paths(engine, alice_photo)
    assert not set(back.values()) & set(turned.values())
    # The same content as before the edit: the public (content-addressed) names are the same.
    digest = lambda path: path.split(".")[2]  # noqa: E731
    assert {key: digest(path) for key, path in back.items()} == {
        key: digest(path) for key, path in original.items()
    }


def test_saving_the_same_edit_again_remakes_nothing(
    engine: Engine, settings: Settings, alice: CurrentUser, alice_photo: int
) -> None:
    jobs = get_jobs(settings)
    edit = ImageEdit(rotate=180)
    save_edit(engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=edit)
    made = rendition_paths(engine, alice_photo)
    save_edit(engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=edit)
    assert rendition_paths(engine, alice_photo) == made


class RecordingJobs:
    """Jobs that only note what was queued (the queue itself is tested in test_jobs.py)."""

    def __init__(self) -> None:
        self.queued: list[int] = []

    def enqueue(self, image_id: int) -> None:
        self.queued.append(image_id)


def test_an_edit_marks_the_old_renditions_outdated_until_its_job_runs(
    engine: Engine, settings: Settings, storage_backend: str, alice: CurrentUser, alice_photo: int
) -> None:
    from imageapp.services.rendition_jobs import images_missing_renditions, missing_presets
    from imageapp.services.renditions import RenditionService
    from imageapp.services.storage import Storage

    jobs = RecordingJobs()
    before = rendition_paths(engine, alice_photo)
    save_edit(
        engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=ImageEdit(rotate=90)
    )
    assert jobs.queued == [alice_photo]
    # The old files are still recorded (and served) while the job waits ...
    assert rendition_paths(engine, alice_photo) == before
    from imageapp.services.backends import storage_for

    storage: Storage = storage_for(settings)
    service = RenditionService(engine=engine, storage=storage, settings=settings)
    # ... but count as outdated: the job, reconcile and `renditions rebuild` all remake them.
    assert [p.name for p in missing_presets(service, alice_photo)] == ["thumb", "web"]
    assert images_missing_renditions(service) == [alice_photo]
    from imageapp.services.rendition_jobs import make_missing_renditions

    assert make_missing_renditions(service, alice_photo) == len(before)
    assert images_missing_renditions(service) == []
    after = rendition_paths(engine, alice_photo)
    assert not set(after.values()) & set(before.values())
    for path in before.values():
        assert not storage.exists(path)  # the replaced set is removed once the new one is in
    for path in after.values():
        assert storage.exists(path)


def test_a_job_that_rendered_an_edit_changed_meanwhile_records_nothing(
    engine: Engine, settings: Settings, alice: CurrentUser, alice_photo: int, monkeypatch
) -> None:
    from imageapp.services import renditions as renditions_module
    from imageapp.services.backends import storage_for
    from imageapp.services.renditions import RenditionService

    storage = storage_for(settings)
    service = RenditionService(engine=engine, storage=storage, settings=settings)
    jobs = RecordingJobs()
    save_edit(
        engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=ImageEdit(rotate=90)
    )
    real_render = renditions_module.render_presets

    def render_then_edit(*args, **kwargs):  # the person edits again while the job renders
        rendered = real_render(*args, **kwargs)
        save_edit(
            engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=ImageEdit(rotate=180)
        )
        return rendered

    monkeypatch.setattr(renditions_module, "render_presets", render_then_edit)
    before = rendition_paths(engine, alice_photo)
    assert service.generate(alice_photo) == 0
    assert rendition_paths(engine, alice_photo) == before
    assert jobs.queued == [alice_photo, alice_photo]  # the newer edit's job does the work
    monkeypatch.setattr(renditions_module, "render_presets", real_render)
    assert service.generate(alice_photo) == len(before)
    with engine.connect() as connection:
        sizes = set(
            (row.width, row.height)
            for row in connection.execute(
                sa.select(Rendition.width, Rendition.height).where(
                    Rendition.image_id == alice_photo
                )
            ).all()
        )
    assert sizes == {(64, 48)}  # turned 180 degrees, not 90


# --- whose image ---------------------------------------------------------------------------------


def test_trashed_and_other_stores_images_are_none(
    engine: Engine,
    settings: Settings,
    alice: CurrentUser,
    alice_photo: int,
    trash: TrashService,
) -> None:
    bob = AccountService(engine).create_user(
        store_name="Lighthouse", email="bob@example.com", password="long password 2"
    )
    jobs = get_jobs(settings)
    edit = ImageEdit(rotate=90)
    assert read_edit(engine, store_id=bob.store_id, image_id=alice_photo) is None
    assert save_edit(engine, jobs, store_id=bob.store_id, image_id=alice_photo, edit=edit) is None
    assert read_edit(engine, store_id=alice.store_id, image_id=alice_photo + 999) is None
    trash.move_to_trash(store_id=alice.store_id, user_id=alice.id, image_ids=[alice_photo])
    assert read_edit(engine, store_id=alice.store_id, image_id=alice_photo) is None
    assert save_edit(engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=edit) is None
    # Even a bad edit of an image one may not see says nothing about the image.
    bad = ImageEdit(crop=CropBox(0, 0, 10_000, 1))
    assert save_edit(engine, jobs, store_id=bob.store_id, image_id=alice_photo, edit=bad) is None
    assert edit_columns(engine, alice_photo) == (0, None, None, None, None, None, None)


# --- two windows at once ------------------------------------------------------------------------

CROP = CropBox(2, 3, 40, 30)
CONCURRENT = 6  # 6 quarter turns: 540° = 180°, which no lost rotation can also give


class ThreadSafeJobs(RecordingJobs):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def enqueue(self, image_id: int) -> None:
        with self._lock:
            self.queued.append(image_id)


def at_once(count: int, work: Callable[[], object]) -> list[object]:
    """``work`` in ``count`` threads released together; their results (or raised errors)."""
    barrier = threading.Barrier(count)

    def run() -> object:
        barrier.wait()
        return work()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [future.result() for future in futures]


@pytest.mark.local_storage_only
def test_concurrent_rotations_all_count(
    engine: Engine, alice: CurrentUser, alice_photo: int
) -> None:
    """N windows press "Rotate right" at the same moment: N quarter turns, none lost."""
    jobs = ThreadSafeJobs()
    save_edit(
        engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=ImageEdit(crop=CROP)
    )
    results = at_once(
        CONCURRENT,
        lambda: rotate_edit(
            engine, jobs, store_id=alice.store_id, image_id=alice_photo, quarter_turns=1
        ),
    )
    assert all(isinstance(result, EditedImage) for result in results)
    # Each saved its own turn on top of the one before.
    assert sorted(result.edit.rotate for result in results) == [0, 90, 90, 180, 180, 270]
    assert edit_columns(engine, alice_photo) == (180, 2, 3, 40, 30, None, None)
    assert jobs.queued == [alice_photo] * (1 + CONCURRENT)  # each turn remakes the renditions


@pytest.mark.local_storage_only
def test_concurrent_rotations_through_the_forms_all_count(
    engine: Engine, settings: Settings, alice: CurrentUser, alice_photo: int
) -> None:
    """The use case both UIs' rotate buttons call (read, turn, save) loses none either."""
    from imageapp.services.usecases.edits import EditSaved, edit_image

    results = at_once(
        CONCURRENT,
        lambda: edit_image(
            engine,
            settings.model_copy(update={"queue_immediate": False}),
            store_id=alice.store_id,
            image_id=alice_photo,
            action="rotate_right",
            fields={},
        ),
    )
    assert all(isinstance(result, EditSaved) for result in results)
    assert edit_columns(engine, alice_photo)[0] == 180


@pytest.mark.local_storage_only
def test_a_save_from_a_stale_form_overwrites_nothing(
    engine: Engine, alice: CurrentUser, alice_photo: int
) -> None:
    """The form was built on the original; another window turned it meanwhile."""
    jobs = RecordingJobs()
    built_on = ImageEdit()
    save_edit(
        engine, jobs, store_id=alice.store_id, image_id=alice_photo, edit=ImageEdit(rotate=90)
    )
    with pytest.raises(EditChanged) as clash:
        save_edit(
            engine,
            jobs,
            store_id=alice.store_id,
            image_id=alice_photo,
            edit=ImageEdit(crop=CROP),
            expected=built_on,
        )
    assert clash.value.current.edit == ImageEdit(rotate=90)
    assert edit_columns(engine, alice_photo) == (90, None, None, None, None, None, None)
    assert jobs.queued == [alice_photo]
    # Built on the edit it has: saved.
    saved = save_edit(
        engine,
        jobs,
        store_id=alice.store_id,
        image_id=alice_photo,
        edit=ImageEdit(crop=CROP),
        expected=ImageEdit(rotate=90),
    )
    assert saved is not None
    assert saved.edit == ImageEdit(crop=CROP)
    assert edit_columns(engine, alice_photo) == (0, 2, 3, 40, 30, None, None)


@pytest.mark.local_storage_only
def test_concurrent_stale_saves_let_exactly_one_win(
    engine: Engine, alice: CurrentUser, alice_photo: int
) -> None:
    """Two windows built on the same edit save different ones at once: one lands, the other
    is told (compare-and-save), never a silent overwrite."""
    jobs = ThreadSafeJobs()
    edits = iter([ImageEdit(rotate=90), ImageEdit(rotate=270)] * CONCURRENT)
    lock = threading.Lock()

    def save() -> object:
        with lock:
            edit = next(edits)
        try:
            return save_edit(
                engine,
                jobs,
                store_id=alice.store_id,
                image_id=alice_photo,
                edit=edit,
                expected=ImageEdit(),
            )
        except EditChanged as changed:
            return changed

    results = at_once(CONCURRENT, save)
    won = [result for result in results if isinstance(result, EditedImage)]
    assert len(won) == 1
    assert len(jobs.queued) == 1
    final = edit_columns(engine, alice_photo)[0]
    assert all(result.edit.rotate == final for result in won)
    assert all(
        result.current.edit.rotate == final for result in results if isinstance(result, EditChanged)
    )
