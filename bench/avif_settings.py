"""``python -m bench.avif_settings``: which AVIF quality and speed match the WebP renditions.

For each test photo and each default preset (thumb 320, web 1600), the picture is resized as
the rendering pipeline does, encoded as WebP with the preset's settings and as AVIF over a grid
of (quality, speed), decoded again and compared with the resized picture by SSIM
(scikit-image's ``structural_similarity``). A setting qualifies when, on every real photo and
preset, its SSIM is within 1 % of WebP's and its files together are smaller. The synthetic
pictures (bench/images.py, heavy sensor grain that AV1 smooths away) are shown apart: SSIM
punishes the lost grain, so no setting that is smaller than WebP matches them within 1 %.
Prints one Markdown table per speed, then the chosen setting: the fastest speed, then the
lowest quality, that qualifies.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image
from skimage import data as samples
from skimage.metrics import structural_similarity

from bench.images import photo_like
from imageapp.config import DEFAULT_PRESETS
from imageapp.services.rendering import AVIF_THREADS, REDUCING_GAP, RESAMPLING, target_size

QUALITIES = (55, 60, 62, 64, 66, 68, 70)
SPEEDS = (6, 8, 9)
SSIM_SLACK = 0.01


def photos() -> dict[str, Image.Image]:
    """Real photos shipped with scikit-image (small) and large photo-like pictures."""
    found = {
        name: Image.fromarray(getattr(samples, name)()).convert("RGB")
        for name in ("astronaut", "coffee", "chelsea", "rocket")
    }
    found["synthetic 24 MP"] = photo_like((6000, 4000), seed=1)
    found["synthetic 12 MP"] = photo_like((4000, 3000), seed=2)
    return found


def ssim(reference: Image.Image, data: bytes) -> float:
    with Image.open(io.BytesIO(data)) as decoded:
        got = np.asarray(decoded.convert("RGB"))
    return float(structural_similarity(np.asarray(reference), got, channel_axis=2))


def encoded(picture: Image.Image, fmt: str, **options: object) -> tuple[bytes, float]:
    buffer = io.BytesIO()
    started = time.perf_counter()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue(), time.perf_counter() - started


@dataclass
class Totals:
    size: int = 0
    seconds: float = 0.0
    worst_ratio: float = 2.0  # lowest SSIM(AVIF) / SSIM(WebP) over the real photos
    worst_synthetic: float = 2.0


def main() -> None:
    resized = []
    for name, photo in photos().items():
        for preset in DEFAULT_PRESETS:
            size = target_size(photo.size, preset.longest_side)
            picture = photo.resize(size, RESAMPLING, reducing_gap=REDUCING_GAP)
            resized.append((name, preset, picture))
    webp_size, webp_seconds, webp_ssim = 0, 0.0, {}
    for name, preset, picture in resized:
        data, seconds = encoded(
            picture, "WEBP", quality=preset.webp_quality, method=preset.webp_method
        )
        webp_size, webp_seconds = webp_size + len(data), webp_seconds + seconds
        webp_ssim[name, preset.name] = ssim(picture, data)
    print(f"WebP (quality 80, method 2): {webp_size / 1024:.0f} KB, {webp_seconds:.2f} s")
    for name, preset in webp_ssim:
        print(f"- {name} {preset}: SSIM {webp_ssim[name, preset]:.4f}")
    chosen = None
    for speed in SPEEDS:
        print(
            f"\n| AVIF speed {speed} | KB (all) | vs WebP size | worst SSIM vs WebP, photos "
            "| same, synthetic | seconds |"
        )
        print("|---|---|---|---|---|---|")
        for quality in QUALITIES:
            totals = Totals()
            for name, preset, picture in resized:
                data, seconds = encoded(
                    picture, "AVIF", quality=quality, speed=speed, max_threads=AVIF_THREADS
                )
                totals.size += len(data)
                totals.seconds += seconds
                ratio = ssim(picture, data) / webp_ssim[name, preset.name]
                if name.startswith("synthetic"):
                    totals.worst_synthetic = min(totals.worst_synthetic, ratio)
                else:
                    totals.worst_ratio = min(totals.worst_ratio, ratio)
            print(
                f"| q{quality} | {totals.size / 1024:.0f} | {totals.size / webp_size:.2f} "
                f"| {totals.worst_ratio:.4f} | {totals.worst_synthetic:.4f} "
                f"| {totals.seconds:.2f} |"
            )
            qualifies = totals.worst_ratio >= 1 - SSIM_SLACK and totals.size < webp_size
            if qualifies and (chosen is None or chosen[1] < speed):  # qualities ascend
                chosen = (quality, speed)
    print(f"\nchosen (fastest speed, then lowest quality that qualifies): {chosen}")


if __name__ == "__main__":
    main()
