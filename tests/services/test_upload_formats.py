"""Phone photos through the upload service: multi-picture JPEGs, and every EXIF orientation in
every format, each served copy (preview, original, renditions) looked at as a browser shows it."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, ImageOps, ImageStat
from sqlalchemy.engine import Engine

from imageapp.models import Image as ImageRow
from imageapp.models import Rendition
from imageapp.services.codecs import READABLE_FORMATS
from imageapp.services.heif_metadata import metadata_edits
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.factories import metadata, pending_upload
from tests.images import mpo_bytes
from tests.images_metadata import (
    ORIENTATION,
    ORIENTED_FORMATS,
    SECRET,
    oriented_file,
    private_exif,
    upright_quadrants,
)

SIZE = (120, 60)  # the upright picture: wide, so a quarter turn shows in its shape too
LOSSLESS = {"png", "png-rgba", "webp-lossless"}
# Largest difference of a quadrant's mean colour (0-255) allowed for lossy copies; the
# quadrants' colours lie at least 160 apart in some channel.
TOLERANCE = 30

# Pixels and formats, not where they are kept: the local disk only (the bucket's own
# uploads, privacy and renditions tests cover storing them there).
pytestmark = pytest.mark.local_storage_only


def as_browsers_show(path: Path) -> Image.Image:
    """JPEG: decoded with its EXIF orientation applied, as every browser does. AVIF: with its
    irot/imir applied (Pillow reports them as the EXIF orientation). HEIC: pillow-heif applies
    irot/imir itself and must leave no orientation to apply again. PNG, WebP: the pixels as
    stored, and no orientation may be left (browsers apply it unreliably)."""
    with Image.open(path, formats=READABLE_FORMATS) as image:
        if image.format in ("JPEG", "MPO", "AVIF"):
            return ImageOps.exif_transpose(image).convert("RGBA")
        assert image.getexif().get(ORIENTATION, 1) == 1, path.name
        return image.convert("RGBA")


def quadrant_means(image: Image.Image) -> list[tuple[float, ...]]:
    """Mean colour (and alpha) of the middle of each quadrant, away from blurred edges."""
    width, height = image.size
    means = []
    for index in range(4):
        left, top = (index % 2) * width // 2, (index // 2) * height // 2
        box = (left + width // 8, top + height // 8, left + 3 * width // 8, top + 3 * height // 8)
        means.append(tuple(ImageStat.Stat(image.crop(box)).mean))
    return means


def assert_shows(path: Path, reference: Image.Image, where: object) -> None:
    shown = as_browsers_show(path)
    assert shown.width * reference.height == shown.height * reference.width, (where, shown.size)
    for got, want in zip(quadrant_means(shown), quadrant_means(reference), strict=True):
        assert max(abs(g - w) for g, w in zip(got, want, strict=True)) <= TOLERANCE, (
            where,
            got,
            want,
        )


def assert_no_personal_metadata(path: Path) -> None:
    """Nothing but a JPEG's own orientation tag is left of the EXIF (and no XMP, no secret).
    An AVIF's "EXIF orientation" is Pillow's reading of its irot/imir boxes: no EXIF item."""
    data = path.read_bytes()
    assert SECRET not in data
    assert b"xmpmeta" not in data
    with Image.open(path, formats=READABLE_FORMATS) as image:
        if image.format in ("AVIF", "HEIF"):
            assert metadata_edits(data) == []  # no Exif, XMP or other metadata item is left
        kept = {ORIENTATION} if image.format in ("JPEG", "AVIF") else set()
        assert set(image.getexif()) <= kept


def pending_path(uploads: UploadService, token: str) -> Path:
    """The pending file on the local disk (these tests run there only)."""
    relative, _mime_type = uploads.pending_file(token=token, owner="session-1")
    path = uploads.storage.local_path(relative)
    assert path is not None
    return path


def served_files(engine: Engine, storage: Storage, image_id: int) -> dict[str, Path]:
    """The stored original and every rendition of the image, by what they are."""
    with engine.connect() as connection:
        original = connection.scalar(sa.select(ImageRow.file_path).where(ImageRow.id == image_id))
        renditions = connection.execute(
            sa.select(Rendition.preset, Rendition.format, Rendition.path).where(
                Rendition.image_id == image_id
            )
        ).all()
    assert original
    files = {"original": storage.path_of(original)}
    files |= {f"{preset}.{fmt}": storage.path_of(path) for preset, fmt, path in renditions}
    return files


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", list(ORIENTED_FORMATS))
def test_every_served_copy_shows_upright(
    uploads: UploadService, engine: Engine, storage: Storage, kind: str, orientation: int
) -> None:
    reference = upright_quadrants(SIZE, "RGBA" if kind == "png-rgba" else "RGB").convert("RGBA")
    pending = pending_upload(uploads, data=oriented_file(kind, orientation, SIZE))
    assert (pending.width, pending.height) == SIZE  # the size people see, not as stored
    preview = pending_path(uploads, pending.upload_token)
    assert_shows(preview, reference, (kind, orientation, "preview"))
    if kind in LOSSLESS:  # turned without loss: every pixel exactly the reference's
        assert as_browsers_show(preview).tobytes() == reference.tobytes()
    assert_no_personal_metadata(preview)

    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    files = served_files(engine, storage, image_id)
    assert len(files) == 7  # the original, thumb and web in three formats each
    for name, path in files.items():
        assert_shows(path, reference, (kind, orientation, name))
        if name != "original":
            assert_no_personal_metadata(path)


def test_the_kept_metadata_loses_only_the_orientation(
    uploads: UploadService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With IMAGEAPP_KEEP_ORIGINAL_METADATA a turned WebP is still turned upright, and its EXIF
    kept, less the orientation (else a browser that applies it would turn it twice)."""
    monkeypatch.setattr(uploads.settings, "keep_original_metadata", True)
    pending = pending_upload(uploads, data=oriented_file("webp", 6, SIZE))
    preview = pending_path(uploads, pending.upload_token)
    assert_shows(preview, upright_quadrants(SIZE).convert("RGBA"), "kept metadata")
    with Image.open(preview) as image:
        exif = image.getexif()
    assert ORIENTATION not in exif
    assert exif[0x013B] == SECRET.decode()  # Artist: the metadata was kept


def test_a_multi_picture_jpeg_is_accepted_as_its_first_picture(
    uploads: UploadService, engine: Engine, storage: Storage
) -> None:
    """A phone's MPO (the photo, then a depth map), held upright: EXIF orientation 6."""
    data = mpo_bytes((96, 64), exif=private_exif(6).tobytes())
    with Image.open(BytesIO(data)) as image:
        assert (image.format, image.n_frames) == ("MPO", 2)
        first_picture = image.convert("RGB").tobytes()

    pending = pending_upload(uploads, data=data)
    assert (pending.mime_type, pending.width, pending.height) == ("image/jpeg", 64, 96)
    preview = pending_path(uploads, pending.upload_token)
    stored = preview.read_bytes()
    assert b"MPF\x00" not in stored  # the picture index went with the second picture
    assert_no_personal_metadata(preview)
    with Image.open(preview) as image:  # a plain JPEG of the first picture, bit for bit
        assert (image.format, getattr(image, "n_frames", 1)) == ("JPEG", 1)
        assert image.convert("RGB").tobytes() == first_picture
        assert dict(image.getexif()) == {ORIENTATION: 6}

    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    files = served_files(engine, storage, image_id)
    assert len(files) == 7
    for name, path in files.items():
        assert as_browsers_show(path).size == (64, 96), name
