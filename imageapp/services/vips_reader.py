"""PNG and WebP originals decoded by libvips (pyvips), shrunk while they load.

Pillow decodes a whole PNG with zlib on one thread and a whole WebP through libwebp's
animation decoder as RGBA (a 12 MP WebP peaks near 200 MB); libvips streams the PNG through
its shrink and decodes the WebP at reduced scale, so it is faster and holds a fraction of
the pixels (README, Benchmarks). Only the decode and the shrink to the largest preset happen
here: the result is a Pillow image, and the rest of the pipeline (orientation, alpha, ICC
profile, every encoder) is the Pillow one, so both paths make the same files.

libvips does no colour management here (no ``export_profile``): the pixels stay in the
file's own space and the caller attaches the file's ICC profile, as the Pillow path does.
Its operation cache is off: a job must never see an older file's pixels under the same path,
nor keep decoded images alive between jobs.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from PIL import Image

# Pillow's mode for an 8-bit libvips image of this many bands.
MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


class VipsDecodeError(OSError):
    """libvips could not read the file (damaged or truncated); an OSError as Pillow's are."""


@functools.cache
def _pyvips() -> Any:
    """Import libvips once, on first use: the web processes never load it."""
    import pyvips

    pyvips.cache_set_max(0)
    pyvips.cache_set_max_mem(0)
    pyvips.cache_set_max_files(0)
    return pyvips


def shrunk_on_load(path: Path, size: tuple[int, int]) -> Image.Image:
    """The first frame of ``path`` resized to exactly ``size`` (as stored: not turned).

    ``size`` keeps the aspect ratio (``rendering.target_size``); libvips picks its own
    shrink-on-load factor and finishes with Lanczos, like Pillow's ``reducing_gap`` resize.
    """
    pyvips = _pyvips()
    width, height = size
    try:
        image = pyvips.Image.thumbnail(
            str(path), width, height=height, size="force", no_rotate=True, fail_on="error"
        )
        if image.format == "ushort":  # 16-bit PNG: the high byte, as Pillow reads it
            image = (image >> 8).cast("uchar")
        elif image.format != "uchar":
            image = image.cast("uchar")
        pixels = image.write_to_memory()
    except pyvips.Error as exc:
        raise VipsDecodeError(f"libvips cannot read {path.name}: {exc}") from None
    mode = MODES[image.bands]
    return Image.frombytes(mode, (image.width, image.height), pixels)
