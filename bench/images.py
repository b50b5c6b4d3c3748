"""Photo-like test images made with Pillow: smooth structure at every scale, soft-edged shapes
and sensor grain, so encoders and decoders work as hard as on a real photo (not flat colour).
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

OCTAVES = ((128, 0.5), (32, 0.35), (8, 0.22), (2, 0.1))


def _fractal(size: tuple[int, int]) -> Image.Image:
    """Noise summed over octaves (1/f-like), the texture of foliage, sky and skin."""
    width, height = size
    field = Image.effect_noise((width // 512 + 2, height // 512 + 2), 64)
    field = field.resize(size, Image.Resampling.BICUBIC)
    for divisor, weight in OCTAVES:
        octave = Image.effect_noise((width // divisor + 1, height // divisor + 1), 64)
        field = Image.blend(field, octave.resize(size, Image.Resampling.BICUBIC), weight)
    return ImageOps.autocontrast(field, cutoff=1)


def _shapes(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Soft-edged objects: the edges a photo has and pure noise lacks."""
    small = (max(1, size[0] // 4), max(1, size[1] // 4))
    canvas = Image.new("RGB", small, (120, 120, 120))
    draw = ImageDraw.Draw(canvas)
    for _ in range(60):
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        w, h = rng.randrange(small[0] // 3 + 1), rng.randrange(small[1] // 3 + 1)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=colour)
    return canvas.resize(size, Image.Resampling.BICUBIC)


def photo_like(size: tuple[int, int], seed: int = 0) -> Image.Image:
    rng = random.Random(seed)
    fields = [_fractal(size) for _ in range(3)]
    colour = Image.merge("RGB", (fields[0], Image.blend(fields[0], fields[1], 0.5), fields[2]))
    picture = Image.blend(_shapes(size, rng), colour, 0.45)
    grain = Image.effect_noise(size, 16).convert("RGB")
    picture = ImageChops.add(picture, grain, scale=1.0, offset=-128)
    return picture.filter(ImageFilter.UnsharpMask(radius=1.5, percent=50, threshold=1))


def save(image: Image.Image, path: Path, **options: object) -> Path:
    image.save(path, **options)
    return path


def jpeg_of_about(path: Path, megabytes: float, seed: int = 0) -> Path:
    """A photo-like JPEG close to ``megabytes`` in size (pixels scaled after one probe)."""
    probe = (1500, 1000)
    save(photo_like(probe, seed), path, format="JPEG", quality=90)
    scale = (megabytes * 1024 * 1024 / path.stat().st_size) ** 0.5
    size = (int(probe[0] * scale), int(probe[1] * scale))
    return save(photo_like(size, seed), path, format="JPEG", quality=90)
