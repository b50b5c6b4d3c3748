"""Real image files made by Pillow in memory, and a few deliberately bad ones."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image

import imageapp.services.codecs  # noqa: F401  (pillow-heif: Pillow writes HEIC too)


def make_image(size: tuple[int, int] = (64, 48), mode: str = "RGB", seed: int = 1) -> Image.Image:
    """A small photo-like image (noise over a gradient), different for each seed."""
    rng = random.Random(seed)
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert(mode)
    noise = Image.frombytes("L", size, bytes(rng.randrange(256) for _ in range(width * height)))
    return Image.blend(image, noise.convert(mode), 0.4)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), seed: int = 1) -> bytes:
    return encode(make_image(size, seed=seed), "JPEG", quality=90)


def png_bytes(size: tuple[int, int] = (64, 48), seed: int = 1) -> bytes:
    return encode(make_image(size, mode="RGBA", seed=seed), "PNG")


def gif_bytes(size: tuple[int, int] = (64, 48), frames: int = 3) -> bytes:
    images = [make_image(size, seed=n).convert("P") for n in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=100)


def webp_bytes(size: tuple[int, int] = (64, 48), seed: int = 1) -> bytes:
    return encode(make_image(size, seed=seed), "WEBP", quality=80)


def mpo_bytes(size: tuple[int, int] = (96, 64), **options: object) -> bytes:
    """A multi-picture JPEG as phones write it: the photo, then a smaller grey second picture
    (a depth map, say). Pillow writes the MP index and ``options`` (EXIF...) into each."""
    photo = make_image(size, seed=1)
    depth_map = Image.new("RGB", (size[0] // 2, size[1] // 2), (90, 90, 90))
    return encode(photo, "MPO", save_all=True, append_images=[depth_map], quality=90, **options)


def heic_bytes(size: tuple[int, int] = (64, 48), seed: int = 1) -> bytes:
    """A HEIC as pillow-heif (libheif, x265) writes it: ftyp brand "heic"."""
    return encode(make_image(size, seed=seed), "HEIF", quality=80)


def avif_bytes(size: tuple[int, int] = (64, 48), seed: int = 1) -> bytes:
    return encode(make_image(size, seed=seed), "AVIF", quality=80)


def animated_avif_bytes(size: tuple[int, int] = (64, 48), frames: int = 3) -> bytes:
    """An AVIF image sequence (brand "avis"): frame n is make_image(seed=n)."""
    images = [make_image(size, seed=n) for n in range(frames)]
    return encode(images[0], "AVIF", save_all=True, append_images=images[1:], duration=100)


def heic_collection_bytes(size: tuple[int, int] = (64, 48), frames: int = 3) -> bytes:
    """A HEIC holding several pictures (a burst): the first is the primary one."""
    images = [make_image(size, seed=n) for n in range(frames)]
    return encode(images[0], "HEIF", save_all=True, append_images=images[1:], quality=80)


IMAGE_FACTORIES = {
    "image/jpeg": jpeg_bytes,
    "image/png": png_bytes,
    "image/gif": gif_bytes,
    "image/webp": webp_bytes,
    "image/heic": heic_bytes,
    "image/avif": avif_bytes,
}


def truncated_jpeg() -> bytes:
    """A JPEG cut in half: ``verify()`` accepts it, a full decode does not."""
    data = jpeg_bytes((640, 480))
    return data[: len(data) // 2]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb's header)."""
    data = bytearray(png_bytes((1, 1)))
    ihdr_start = 8 + 4  # signature, then the IHDR chunk's length
    body = bytes(data[ihdr_start : ihdr_start + 4]) + struct.pack(">II", width, height)
    body += bytes(data[ihdr_start + 12 : ihdr_start + 4 + 13])
    data[ihdr_start : ihdr_start + 17] = body
    crc = zlib.crc32(bytes(data[ihdr_start : ihdr_start + 17])) & 0xFFFFFFFF
    data[ihdr_start + 17 : ihdr_start + 21] = struct.pack(">I", crc)
    return bytes(data)


def heic_claiming(width: int, height: int) -> bytes:
    """A tiny HEIC whose ``ispe`` (image size) property claims ``width`` x ``height``."""
    data = bytearray(heic_bytes((64, 64)))  # coded as it is: no clap box crops the claim
    at = data.index(b"ispe") + 8  # after the box type and its version/flags
    data[at : at + 8] = struct.pack(">II", width, height)
    assert data.count(b"ispe") == 1
    return bytes(data)


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"
