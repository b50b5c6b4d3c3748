"""What the renditions of an edited image show: the crop of the upright original, turned, then
each preset ("contain" or "cover" around the focal point). Real uploads, real rendition jobs,
real files (both storage backends), pixels compared with Pillow."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image, ImageChops, ImageDraw, ImageStat
from sqlalchemy.engine import Engine

from imageapp.config import Settings, get_settings
from imageapp.jobs.tasks import get_jobs
from imageapp.models import Rendition
from imageapp.services.accounts import CurrentUser
from imageapp.services.edits import CropBox, FocalPoint, ImageEdit, save_edit
from imageapp.services.rebuild import rebuild_renditions
from imageapp.services.renditions import RenditionService
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.images import encode, make_image
from tests.images_metadata import QUADRANT_COLOURS, oriented_file
from tests.services.test_edits import upload
from tests.stored import read_bytes

# Lossless PNG copies, so pixels can be compared exactly (or nearly, once resized).
PRESETS = [
    {"name": "full", "longest_side": 4000, "formats": ["png"]},
    {"name": "small", "longest_side": 50, "formats": ["png"]},
    {"name": "square", "fit": "cover", "width": 40, "height": 40, "formats": ["png"]},
    {"name": "strip", "fit": "cover", "width": 64, "height": 16, "formats": ["png", "webp"]},
]
RED = (255, 0, 0)


@pytest.fixture(autouse=True)
def _presets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before ``settings``: every service of the test (and its rendition jobs) uses these."""
    monkeypatch.setenv("IMAGEAPP_RENDITION_PRESETS", json.dumps(PRESETS))


def rendition(engine: Engine, storage: Storage, image_id: int, preset: str) -> Image.Image:
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(Rendition.path, Rendition.width, Rendition.height).where(
                Rendition.image_id == image_id,
                Rendition.preset == preset,
                Rendition.format == "png",
            )
        ).one()
    picture = Image.open(BytesIO(read_bytes(storage, row.path)))
    picture.load()
    assert picture.size == (row.width, row.height)  # the row tells the truth
    return picture.convert("RGB")


def edit(
    engine: Engine, settings: Settings, user: CurrentUser, image_id: int, change: ImageEdit
) -> None:
    saved = save_edit(
        engine, get_jobs(settings), store_id=user.store_id, image_id=image_id, edit=change
    )
    assert saved is not None


def max_difference(a: Image.Image, b: Image.Image) -> int:
    assert a.size == b.size
    return max(high for _low, high in ImageChops.difference(a, b).getextrema())


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    return max(ImageStat.Stat(ImageChops.difference(a, b)).mean)


def reddest(picture: Image.Image) -> tuple[int, int]:
    """The middle of the reddest spot: the centroid of the pixels at least half as red as the
    reddest one."""
    pixels = picture.load()
    assert pixels is not None
    scores = {
        (x, y): pixels[x, y][0] - (pixels[x, y][1] + pixels[x, y][2]) / 2
        for y in range(picture.height)
        for x in range(picture.width)
    }
    best = max(scores.values())
    spot = [where for where, score in scores.items() if score >= best / 2]
    return (
        round(sum(x for x, _y in spot) / len(spot)),
        round(sum(y for _x, y in spot) / len(spot)),
    )


def dotted(size: tuple[int, int], centre: tuple[int, int], radius: int = 6) -> Image.Image:
    """Grey with one red dot (what must survive a cover crop around it)."""
    picture = Image.new("RGB", size, (128, 128, 128))
    x, y = centre
    ImageDraw.Draw(picture).ellipse((x - radius, y - radius, x + radius, y + radius), fill=RED)
    return picture


@pytest.fixture
def photo() -> Image.Image:
    return make_image((200, 120), seed=7)


def test_a_crop_is_the_upright_original_cropped(
    engine: Engine,
    settings: Settings,
    storage: Storage,
    uploads: UploadService,
    alice: CurrentUser,
    photo: Image.Image,
) -> None:
    image_id = upload(uploads, alice, encode(photo, "PNG"), "p.png")
    assert rendition(engine, storage, image_id, "full").size == (200, 120)
    edit(engine, settings, alice, image_id, ImageEdit(crop=CropBox(30, 20, 100, 60)))
    expected = photo.crop((30, 20, 130, 80))
    assert max_difference(rendition(engine, storage, image_id, "full"), expected) <= 2
    small = rendition(engine, storage, image_id, "small")
    assert small.size == (50, 30)
    assert mean_difference(small, expected.resize((50, 30), Image.Resampling.LANCZOS)) < 4


def test_turning_right_and_left_from_an_exif_turned_jpeg(
    engine: Engine,
    settings: Settings,
    storage: Storage,
    uploads: UploadService,
    alice: CurrentUser,
) -> None:
    # Stored 60 x 120 with EXIF orientation 6; shown upright as 120 x 60 quadrants.
    image_id = upload(uploads, alice, oriented_file("jpeg", 6, (120, 60)))
    red, green, blue, yellow = QUADRANT_COLOURS

    def quadrants(picture: Image.Image) -> list[tuple[int, ...]]:
        w, h = picture.size
        return [
            picture.getpixel((x, y))
            for x, y in ((w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4))
        ] + [picture.getpixel((3 * w // 4, 3 * h // 4))]

    def near(found: list[tuple[int, ...]], wanted: tuple[tuple[int, int, int], ...]) -> bool:
        return all(
            max(abs(a - b) for a, b in zip(f, w, strict=True)) < 40
            for f, w in zip(found, wanted, strict=True)
        )

    upright = rendition(engine, storage, image_id, "full")
    assert upright.size == (120, 60)
    assert near(quadrants(upright), (red, green, blue, yellow))

    right = ImageEdit().rotated_right()
    edit(engine, settings, alice, image_id, right)
    turned = rendition(engine, storage, image_id, "full")
    assert turned.size == (60, 120)
    # Clockwise: the left column (red over blue) becomes the top row (blue, red).
    assert near(quadrants(turned), (blue, red, yellow, green))
    assert rendition(engine, storage, image_id, "small").size == (25, 50)

    edit(engine, settings, alice, image_id, ImageEdit().rotated_left())
    left = rendition(engine, storage, image_id, "full")
    assert left.size == (60, 120)
    assert near(quadrants(left), (green, yellow, red, blue))

    edit(engine, settings, alice, image_id, right.rotated_right())
    upside = rendition(engine, storage, image_id, "full")
    assert upside.size == (120, 60)
    assert near(quadrants(upside), (yellow, blue, green, red))

    # A crop of the right half (green over yellow), then turned clockwise: yellow, green.
    edit(engine, settings, alice, image_id, ImageEdit(rotate=90, crop=CropBox(60, 0, 60, 60)))
    half = rendition(engine, storage, image_id, "full")
    assert half.size == (60, 60)
    assert near(quadrants(half), (yellow, green, yellow, green))


def test_a_cover_preset_has_its_exact_size_and_keeps_the_focal_point(
    engine: Engine,
    settings: Settings,
    storage: Storage,
    uploads: UploadService,
    alice: CurrentUser,
) -> None:
    image_id = upload(uploads, alice, encode(dotted((200, 120), (170, 20)), "PNG"), "d.png")
    centred = rendition(engine, storage, image_id, "square")
    assert centred.size == (40, 40)
    # No focal point: the centre window (x 40..160) misses the dot.
    assert centred.getpixel(reddest(centred))[1] > 100  # type: ignore[index]

    edit(engine, settings, alice, image_id, ImageEdit(focal=FocalPoint(170, 20)))
    square = rendition(engine, storage, image_id, "square")
    assert square.size == (40, 40)
    # The 120 x 120 window is pushed against the right edge (x 80..200): the dot at 30, 7.
    x, y = reddest(square)
    assert abs(x - 30) <= 1
    assert abs(y - 7) <= 1
    assert square.getpixel((x, y))[1] < 60  # type: ignore[index]
    strip = rendition(engine, storage, image_id, "strip")
    assert strip.size == (64, 16)
    x, y = reddest(strip)  # a 200 x 50 window from the top: the dot at 54, 6
    assert abs(x - 54) <= 1
    assert abs(y - 6) <= 1

    # Turned clockwise and cropped, the point follows: (170, 20) of the upright original is
    # (120 - 20.5, 170.5 - 60) in the crop of x 60..190, y 0..120 turned (120 x 130).
    edit(
        engine,
        settings,
        alice,
        image_id,
        ImageEdit(rotate=90, crop=CropBox(60, 0, 130, 120), focal=FocalPoint(170, 20)),
    )
    turned = rendition(engine, storage, image_id, "square")
    assert turned.size == (40, 40)
    # Window 120 x 120 of 120 x 130, its top clamped to 10: the dot at (99.5, 100.5) / 3.
    x, y = reddest(turned)
    assert abs(x - 33) <= 1
    assert abs(y - 33) <= 1
    assert turned.getpixel((x, y))[1] < 60  # type: ignore[index]


def test_a_focal_point_in_a_corner_keeps_the_window_inside_the_image(
    engine: Engine,
    settings: Settings,
    storage: Storage,
    uploads: UploadService,
    alice: CurrentUser,
) -> None:
    image_id = upload(uploads, alice, encode(dotted((200, 120), (196, 116), 3), "PNG"), "c.png")
    edit(engine, settings, alice, image_id, ImageEdit(focal=FocalPoint(199, 119)))
    square = rendition(engine, storage, image_id, "square")
    assert square.size == (40, 40)
    x, y = reddest(square)  # the window is the right-hand 120 x 120: the dot at the corner
    assert x >= 37
    assert y >= 37
    strip = rendition(engine, storage, image_id, "strip")
    assert strip.size == (64, 16)
    x, y = reddest(strip)
    assert x >= 61
    assert y >= 13


def test_a_cover_preset_larger_than_the_crop_still_has_its_size(
    engine: Engine,
    settings: Settings,
    storage: Storage,
    uploads: UploadService,
    alice: CurrentUser,
    photo: Image.Image,
) -> None:
    image_id = upload(uploads, alice, encode(photo, "PNG"), "p.png")
    edit(engine, settings, alice, image_id, ImageEdit(crop=CropBox(0, 0, 20, 10)))
    assert rendition(engine, storage, image_id, "full").size == (20, 10)
    assert rendition(engine, storage, image_id, "square").size == (40, 40)
    assert rendition(engine, storage, image_id, "strip").size == (64, 16)


def test_rebuild_makes_a_cover_preset_added_later(
    engine: Engine,
    storage: Storage,
    uploads: UploadService,
    alice: CurrentUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image_id = upload(uploads, alice, encode(dotted((200, 120), (20, 100)), "PNG"), "d.png")
    edit(engine, get_settings(), alice, image_id, ImageEdit(focal=FocalPoint(20, 100)))
    added = [*PRESETS, {"name": "tile", "fit": "cover", "width": 30, "height": 60}]
    monkeypatch.setenv("IMAGEAPP_RENDITION_PRESETS", json.dumps(added))
    get_settings.cache_clear()
    service = RenditionService(engine=engine, storage=storage, settings=get_settings())
    report = rebuild_renditions(service)
    assert (report.rebuilt, report.failed) == (1, 0)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Rendition.preset, Rendition.format, Rendition.width, Rendition.height).where(
                Rendition.image_id == image_id, Rendition.preset == "tile"
            )
        ).all()
    assert {(row.format, row.width, row.height) for row in rows} == {
        ("avif", 30, 60),
        ("webp", 30, 60),
        ("jpeg", 30, 60),
    }
    assert rebuild_renditions(service).rebuilt == 0  # done: nothing outdated left
