"""Renditions made by Pillow: sizes, formats, orientation, alpha, colour, no metadata."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from imageapp.config import RenditionPreset
from imageapp.services.rendering import (
    RenderedFile,
    draft,
    preset_spec,
    render_presets,
    target_size,
)
from tests.images import (
    animated_avif_bytes,
    avif_bytes,
    encode,
    gif_bytes,
    heic_bytes,
    jpeg_bytes,
    make_image,
    png_bytes,
    webp_bytes,
)
from tests.images_metadata import (
    MARK,
    cmyk_jpeg,
    has_no_personal_metadata,
    jpeg_with_metadata,
    oriented_jpeg,
    png_with_metadata,
    srgb_profile,
    transparent_png,
    webp_with_metadata,
)

THUMB = RenditionPreset(name="thumb", longest_side=32)
WEB = RenditionPreset(name="web", longest_side=80)
PRESETS = (THUMB, WEB)


def render(tmp_path: Path, data: bytes, presets: tuple[RenditionPreset, ...] = PRESETS) -> dict:
    path = tmp_path / "original"
    path.write_bytes(data)
    return {(r.preset, r.format): r for r in render_presets(path, presets)}


def is_mark(colour: tuple[int, ...]) -> bool:
    """Close to the red of MARK (JPEG moves colours a little)."""
    return all(abs(a - b) < 60 for a, b in zip(colour, MARK, strict=True))


def opened(rendered: RenderedFile) -> Image.Image:
    image = Image.open(io.BytesIO(rendered.data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("size", "web_size", "thumb_size"),
    [
        ((400, 300), (80, 60), (32, 24)),
        ((300, 400), (60, 80), (24, 32)),
        ((50, 20), (50, 20), (32, 13)),
    ],
)
def test_sizes_and_formats(
    tmp_path: Path, size: tuple[int, int], web_size: tuple[int, int], thumb_size: tuple[int, int]
) -> None:
    rendered = render(tmp_path, jpeg_bytes(size))
    assert sorted(rendered) == [
        ("thumb", "avif"),
        ("thumb", "jpeg"),
        ("thumb", "webp"),
        ("web", "avif"),
        ("web", "jpeg"),
        ("web", "webp"),
    ]
    for (preset, fmt), item in rendered.items():
        expected = web_size if preset == "web" else thumb_size
        image = opened(item)
        assert image.size == (item.width, item.height) == expected
        assert image.format == {"avif": "AVIF", "jpeg": "JPEG", "webp": "WEBP"}[fmt]
        assert image.mode == "RGB"


def test_never_upscales(tmp_path: Path) -> None:
    rendered = render(tmp_path, png_bytes((20, 10)))
    assert {(r.width, r.height) for r in rendered.values()} == {(20, 10)}


@pytest.mark.parametrize(
    "factory",
    [png_bytes, webp_bytes, gif_bytes, heic_bytes, avif_bytes, animated_avif_bytes],
)
def test_every_input_type_renders(tmp_path: Path, factory: object) -> None:
    rendered = render(tmp_path, factory((200, 100)))  # type: ignore[operator]
    assert {(r.preset, r.width) for r in rendered.values()} == {("thumb", 32), ("web", 80)}


def test_transparency_keeps_alpha_in_png(tmp_path: Path) -> None:
    rendered = render(tmp_path, transparent_png((400, 200)))
    assert sorted(rendered) == [
        ("thumb", "avif"),
        ("thumb", "png"),
        ("thumb", "webp"),
        ("web", "avif"),
        ("web", "png"),
        ("web", "webp"),
    ]
    for item in rendered.values():
        image = opened(item)
        assert image.mode == "RGBA"
        # Left half see-through: exactly in PNG and WebP (lossless alpha); AVIF's alpha plane
        # is coded lossy like its colour, so a value may be off by a step or two.
        slack = 2 if item.format == "avif" else 0
        assert image.getpixel((0, 0))[3] <= slack
        assert image.getpixel((image.width - 1, 0))[3] >= 255 - slack


def test_an_opaque_alpha_channel_is_dropped(tmp_path: Path) -> None:
    rendered = render(tmp_path, png_bytes((200, 100)))  # RGBA, but every pixel opaque
    assert ("web", "jpeg") in rendered
    assert opened(rendered["web", "webp"]).mode == "RGB"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(tmp_path: Path, orientation: int) -> None:
    rendered = render(tmp_path, oriented_jpeg(orientation, (240, 120)))
    for item in rendered.values():
        image = opened(item).convert("RGB")
        assert image.width > image.height, (orientation, image.size)
        corners = {
            "top-left": image.getpixel((1, 1)),
            "top-right": image.getpixel((image.width - 2, 1)),
            "bottom-left": image.getpixel((1, image.height - 2)),
            "bottom-right": image.getpixel((image.width - 2, image.height - 2)),
        }
        red = {name for name, colour in corners.items() if is_mark(colour)}
        assert red == {"top-left"}, (orientation, item.preset, item.format, corners)


@pytest.mark.parametrize("factory", [jpeg_with_metadata, png_with_metadata, webp_with_metadata])
def test_no_metadata_but_the_icc_profile(tmp_path: Path, factory: object) -> None:
    for item in render(tmp_path, factory()).values():  # type: ignore[operator]
        assert has_no_personal_metadata(item.data)
        image = opened(item)
        assert dict(image.getexif()) == {}
        assert "xmp" not in image.info
        assert image.info.get("icc_profile") == srgb_profile()


def test_cmyk_becomes_rgb(tmp_path: Path) -> None:
    for item in render(tmp_path, cmyk_jpeg()).values():
        assert opened(item).mode == "RGB"


def test_animation_renders_its_first_frame(tmp_path: Path) -> None:
    first = make_image((64, 48), seed=0).convert("P").convert("RGB")
    rendered = render(tmp_path, gif_bytes((64, 48), frames=3), (WEB,))
    image = opened(rendered["web", "webp"])
    assert getattr(image, "n_frames", 1) == 1
    difference = sum(abs(a - b) for a, b in zip(image.tobytes(), first.tobytes(), strict=True))
    assert difference / len(first.tobytes()) < 8  # lossy WebP of the same frame


def test_jpeg_decodes_at_the_smallest_scale_the_largest_preset_allows(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(encode(make_image((2000, 1000)), "JPEG"))
    with Image.open(path) as image:
        draft(image, 240)
        assert image.size == (250, 125)  # 1/8 scale, still above 240 x 120
    with Image.open(path) as image:
        draft(image, 600)
        assert image.size == (1000, 500)  # 1/2: 1/4 would be smaller than 600 x 300


def test_target_size_keeps_the_aspect_and_never_grows() -> None:
    assert target_size((4000, 3000), 1600) == (1600, 1200)
    assert target_size((3000, 4000), 320) == (240, 320)
    assert target_size((100, 50), 320) == (100, 50)
    assert target_size((10000, 1), 320) == (320, 1)


def test_spec_changes_with_the_settings_that_shape_a_file() -> None:
    assert preset_spec(WEB) == preset_spec(WEB.model_copy(update={"name": "x"}))
    for change in ({"webp_quality": 50}, {"longest_side": 81}, {"formats": ("webp",)}):
        assert preset_spec(WEB) != preset_spec(WEB.model_copy(update=change))


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp"])
@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_an_edit_on_a_reduced_decode_keeps_its_place(
    tmp_path: Path, kind: str, orientation: int
) -> None:
    """A JPEG decoded at 1/4 scale (draft), a PNG/WebP shrunk while loading (libvips): the crop,
    given in full-size upright pixels, still cuts out exactly the green quadrant."""
    from imageapp.services.edits import CropBox, ImageEdit
    from tests.images_metadata import QUADRANT_COLOURS, oriented_file

    path = tmp_path / "original"
    path.write_bytes(oriented_file(kind, orientation, (1600, 1200)))
    green = QUADRANT_COLOURS[1]
    small = RenditionPreset(name="small", longest_side=200, formats=("png",))
    edit = ImageEdit(rotate=90, crop=CropBox(820, 20, 760, 560))  # inside the top-right quadrant
    (rendered,) = render_presets(path, (small,), edit=edit)
    picture = opened(rendered).convert("RGB")
    assert picture.size == (147, 200)  # 560 x 760 turned, scaled to 200
    low, high = zip(*picture.getextrema(), strict=True)
    assert all(abs(a - g) <= 40 for a, g in zip(low, green, strict=True)), (low, high)
    assert all(abs(a - g) <= 40 for a, g in zip(high, green, strict=True)), (low, high)
