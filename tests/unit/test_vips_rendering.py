"""PNG and WebP originals are decoded by libvips (shrunk while loading), the rest by Pillow;
both paths make the same files: sizes, formats, upright, alpha, ICC profile, no metadata."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from imageapp.config import RenditionPreset
from imageapp.services.rendering import (
    RenderedFile,
    decoder_for,
    release_memory,
    render_presets,
)
from imageapp.services.vips_reader import VipsDecodeError
from tests.images import (
    avif_bytes,
    encode,
    gif_bytes,
    heic_bytes,
    jpeg_bytes,
    make_image,
    mpo_bytes,
    png_bytes,
    webp_bytes,
)
from tests.images_metadata import (
    QUADRANT_COLOURS,
    has_no_personal_metadata,
    oriented_file,
    png_with_metadata,
    srgb_profile,
    transparent_png,
    upright_quadrants,
    webp_with_metadata,
)

PRESETS = (
    RenditionPreset(name="thumb", longest_side=40),
    RenditionPreset(name="web", longest_side=160),
)


def render(tmp_path: Path, data: bytes, decoder: str | None = None) -> dict:
    path = tmp_path / "original"
    path.write_bytes(data)
    found = render_presets(path, PRESETS, decoder=decoder)  # type: ignore[arg-type]
    return {(item.preset, item.format): item for item in found}


def opened(item: RenderedFile) -> Image.Image:
    image = Image.open(io.BytesIO(item.data))
    image.load()
    return image


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    assert first.size == second.size
    mode = "RGBA" if "A" in first.mode + second.mode else "RGB"
    channels = ImageStat.Stat(ImageChops.difference(first.convert(mode), second.convert(mode)))
    return sum(channels.mean) / len(channels.mean)


@pytest.mark.parametrize(
    ("pillow_format", "decoder"),
    [
        ("PNG", "vips"),
        ("WEBP", "vips"),
        ("JPEG", "pillow"),
        ("MPO", "pillow"),
        ("GIF", "pillow"),
        ("HEIF", "pillow"),
        ("AVIF", "pillow"),
    ],
)
def test_which_library_decodes_each_input_type(pillow_format: str, decoder: str) -> None:
    assert decoder_for(pillow_format) == decoder


@pytest.mark.parametrize(
    ("data", "decoder"),
    [
        (png_bytes((400, 300)), "vips"),
        (webp_bytes((400, 300)), "vips"),
        (jpeg_bytes((400, 300)), "pillow"),
        (mpo_bytes((400, 300)), "pillow"),
        (gif_bytes((400, 300)), "pillow"),
        (heic_bytes((400, 300)), "pillow"),
        (avif_bytes((400, 300)), "pillow"),
    ],
)
def test_the_default_is_the_decoder_for_the_type(tmp_path: Path, data: bytes, decoder: str) -> None:
    """Every encoder is deterministic: the default's files are byte for byte that decoder's."""
    default = render(tmp_path, data)
    forced = render(tmp_path, data, decoder)
    assert {key: item.data for key, item in default.items()} == {
        key: item.data for key, item in forced.items()
    }


PHOTOS = {
    "png": lambda: encode(make_image((480, 320), seed=3), "PNG"),
    "png-alpha": lambda: transparent_png((480, 320)),
    "png-grey": lambda: encode(make_image((480, 320), seed=4).convert("L"), "PNG"),
    "png-16-bit": lambda: encode(
        make_image((480, 320), seed=5).convert("L").convert("I;16"), "PNG"
    ),
    "png-palette": lambda: encode(make_image((480, 320), seed=6).convert("P"), "PNG"),
    "webp": lambda: encode(make_image((480, 320), seed=7), "WEBP", quality=90),
    "webp-lossless-alpha": lambda: encode(make_image((480, 320), "RGBA", 8), "WEBP", lossless=True),
}


@pytest.mark.parametrize("kind", sorted(PHOTOS))
def test_libvips_files_match_pillows(tmp_path: Path, kind: str) -> None:
    """Same names, sizes, modes and formats; pixels within resampling's small differences."""
    data = PHOTOS[kind]()
    by_vips, by_pillow = render(tmp_path, data, "vips"), render(tmp_path, data, "pillow")
    assert sorted(by_vips) == sorted(by_pillow)
    for key, item in by_vips.items():
        twin = by_pillow[key]
        assert (item.width, item.height, item.spec) == (twin.width, twin.height, twin.spec)
        ours, theirs = opened(item), opened(twin)
        assert ours.mode == theirs.mode, key
        assert mean_difference(ours, theirs) < 6, (kind, key)


@pytest.mark.parametrize("kind", ["png", "png-rgba", "webp", "webp-lossless"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_libvips_copies_come_out_upright(tmp_path: Path, kind: str, orientation: int) -> None:
    """Stored turned with an EXIF orientation (step 1 turns these; an old original may not
    be): the copies are the upright picture, as Pillow's are."""
    upright = upright_quadrants((240, 120), "RGBA" if kind == "png-rgba" else "RGB")
    rendered = render(tmp_path, oriented_file(kind, orientation, (240, 120)), "vips")
    for (preset, fmt), item in rendered.items():
        image = opened(item).convert("RGB")
        assert image.size == ((160, 80) if preset == "web" else (40, 20)), (orientation, preset)
        width, height = image.size
        for index, colour in enumerate(QUADRANT_COLOURS):
            x = (index % 2) * width // 2 + width // 4
            y = (index // 2) * height // 2 + height // 4
            got = image.getpixel((x, y))
            expected = upright.convert("RGB").resize(image.size).getpixel((x, y))
            assert all(abs(a - b) < 40 for a, b in zip(got, expected, strict=True)), (
                kind,
                orientation,
                preset,
                fmt,
                index,
                got,
                colour,
            )


@pytest.mark.parametrize("factory", [png_with_metadata, webp_with_metadata])
def test_libvips_copies_carry_no_metadata_but_the_icc_profile(
    tmp_path: Path, factory: object
) -> None:
    for item in render(tmp_path, factory(), "vips").values():  # type: ignore[operator]
        assert has_no_personal_metadata(item.data)
        image = opened(item)
        assert dict(image.getexif()) == {}
        assert "xmp" not in image.info
        assert image.info.get("icc_profile") == srgb_profile()


def test_alpha_keeps_png_and_opaque_alpha_is_dropped(tmp_path: Path) -> None:
    see_through = render(tmp_path, transparent_png((400, 200)), "vips")
    assert ("web", "png") in see_through
    assert opened(see_through["web", "png"]).mode == "RGBA"
    assert opened(see_through["web", "png"]).getpixel((0, 0))[3] == 0
    opaque = render(tmp_path, png_bytes((400, 200)), "vips")  # RGBA, every pixel opaque
    assert ("web", "jpeg") in opaque
    assert opened(opaque["web", "webp"]).mode == "RGB"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animation_renders_its_first_frame(tmp_path: Path, fmt: str) -> None:
    frames = [Image.new("RGB", (200, 100), colour) for colour in ("red", "lime", "blue")]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], lossless=True)
    for item in render(tmp_path, data, "vips").values():
        image = opened(item).convert("RGB")
        assert getattr(image, "n_frames", 1) == 1
        red, green, blue = image.getpixel((image.width // 2, image.height // 2))
        assert red > 200, (item.preset, item.format)
        assert max(green, blue) < 60, (item.preset, item.format)


def test_a_damaged_file_fails_as_pillow_would(tmp_path: Path) -> None:
    data = encode(make_image((800, 600), seed=9), "PNG")
    with pytest.raises(VipsDecodeError, match="libvips cannot read") as caught:
        render(tmp_path, data[: len(data) // 2], "vips")
    assert isinstance(caught.value, OSError)  # what callers of the Pillow path expect


def test_release_memory_is_harmless() -> None:
    release_memory()
    release_memory()
