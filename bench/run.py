"""Run every imageapp benchmark once and print Markdown tables: ``python -m bench.run``.

Needs ``pip install -r bench/requirements.txt`` (pyvips, pyvips-binary) on top of the dev
requirements. Takes a few minutes; uses a temporary directory it removes afterwards.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import PIL
import pyvips
from alembic.config import Config
from PIL import Image

from alembic import command
from bench.images import jpeg_of_about, photo_like, save
from bench.renditions import ENGINES, Measurement, measure_all
from bench.upload import (
    BareClient,
    ImageappClient,
    Throughput,
    ensure_account,
    rss_growth_during,
    serve,
    throughput,
)
from imageapp.config import PROJECT_ROOT
from imageapp.services.privacy import strip_metadata
from imageapp.services.validation import SNIFF_BYTES, inspect_image, sniff_type

REPEATS = 7
ROUNDS = 2
BIG_UPLOAD_MB = 200


def make_images(directory: Path) -> dict[str, Path]:
    print("Making test images ...", flush=True)
    big = photo_like((6000, 4000), seed=1)
    medium = photo_like((4243, 2828), seed=2)
    return {
        "24 MP JPEG": save(big, directory / "24mp.jpg", format="JPEG", quality=90),
        "12 MP PNG": save(medium, directory / "12mp.png", format="PNG"),
        "12 MP WebP": save(medium, directory / "12mp.webp", format="WEBP", quality=90),
        "2 MB JPEG": jpeg_of_about(directory / "2mb.jpg", 2, seed=3),
        "8 MB JPEG": jpeg_of_about(directory / "8mb.jpg", 8, seed=4),
    }


def describe(path: Path) -> str:
    with Image.open(path) as image:
        width, height = image.size
    return f"{width}x{height}, {path.stat().st_size / 1024 / 1024:.1f} MB"


def table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def renditions_section(images: dict[str, Path]) -> None:
    print("## Renditions: full preset set (thumb 320 + web 1600, WebP + JPEG)\n")
    rows = []
    for label in ("24 MP JPEG", "12 MP PNG", "12 MP WebP"):
        found = measure_all(label, images[label], REPEATS)
        vips = min((found["pyvips"], found["pyvips-1decode"]), key=lambda m: m.median_ms)
        for engine in ENGINES:
            rows.append(_rendition_row(label, images[label], found[engine], vips))
    table(
        [
            "input",
            "engine",
            "ms (median)",
            "peak RSS +MB",
            "output KB",
            "time vs best pyvips",
            "RSS vs best pyvips",
        ],
        rows,
    )


def _rendition_row(label: str, path: Path, item: Measurement, vips: Measurement) -> list[str]:
    return [
        f"{label} ({describe(path)})",
        item.engine,
        f"{item.median_ms:.0f}",
        f"{item.peak_mb:.0f}",
        f"{item.output_kb:.0f}",
        f"{item.median_ms / vips.median_ms:.2f}x",
        f"{item.peak_mb / vips.peak_mb:.2f}x",
    ]


def timed(function: Callable[[], object], repeats: int = REPEATS) -> float:
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def timed_pair(
    first: Callable[[], object], second: Callable[[], object], repeats: int = REPEATS
) -> tuple[float, float]:
    """Median ms of each, run in turns so a busy moment hits both alike."""
    first(), second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for function, found in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            function()
            found.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def validation_section(images: dict[str, Path], directory: Path) -> None:
    print("## Step-1 validation cost per image\n")
    rows = []
    for label, path in images.items():
        head = path.read_bytes()[:SNIFF_BYTES]

        def validate(path: Path = path, head: bytes = head) -> None:
            inspect_image(path, sniff_type(head), 100_000_000)

        def full_decode(path: Path = path) -> None:
            with Image.open(path) as image:
                image.load()

        copy = directory / f"strip{path.suffix}"

        def strip(path: Path = path, copy: Path = copy, head: bytes = head) -> None:
            shutil.copyfile(path, copy)
            strip_metadata(copy, sniff_type(head).mime_type)

        validation, decode = timed_pair(validate, full_decode)
        rows.append(
            [
                label,
                f"{validation:.0f}",
                f"{decode:.0f}",
                f"{validation / decode:.2f}x",
                f"{timed(strip):.1f}",
            ]
        )
    table(
        [
            "input",
            "validation ms (sniff + checked decode)",
            "plain full Pillow decode ms",
            "ratio",
            "metadata strip ms (copy + strip)",
        ],
        rows,
    )


def imageapp_env(directory: Path) -> dict[str, str]:
    """A fresh, migrated SQLite database and storage for one imageapp server."""
    directory = Path(tempfile.mkdtemp(dir=directory))
    database = directory / "bench.db"
    url = f"sqlite:///{database}"
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "head")
    return {
        "IMAGEAPP_DATABASE_URL": url,
        "IMAGEAPP_STORAGE_DIR": str(directory / "storage"),
        "IMAGEAPP_SECRET_KEY": "bench-secret",
        "IMAGEAPP_MAX_UPLOAD_BYTES": str(300 * 1024 * 1024),
    }


LOADS = ((1, {"2 MB JPEG": 15, "8 MB JPEG": 8}), (8, {"2 MB JPEG": 5, "8 MB JPEG": 3}))


def upload_section(images: dict[str, Path], directory: Path) -> None:
    print("## Step 1 over HTTP (uvicorn, one worker each, loopback)\n")
    bodies = {label: images[label].read_bytes() for label in ("2 MB JPEG", "8 MB JPEG")}
    bare_dir = directory / "bare"
    bare_dir.mkdir()
    imageapp_app = "imageapp.fallback.app:create_fallback_app"
    with (
        serve(imageapp_app, imageapp_env(directory)) as server,
        serve("bench.bare_app:create_app", {"BENCH_BARE_DIR": str(bare_dir)}) as bare,
    ):
        ensure_account(server.base_url)
        targets: dict[str, Callable[[], object]] = {
            "imageapp": lambda: ImageappClient(server.base_url),
            "bare + validation": lambda: BareClient(bare.base_url, "/validate"),
            "bare stream only": lambda: BareClient(bare.base_url, "/stream"),
        }
        _throughput_table(_loads(targets, bodies))
    big_upload_section(images["2 MB JPEG"], directory)


def big_upload_section(jpeg: Path, directory: Path) -> None:
    """A fresh server, one small upload to warm it, then one big upload while RSS is sampled."""
    big = _big_upload(jpeg, directory)
    with serve("imageapp.fallback.app:create_fallback_app", imageapp_env(directory)) as server:
        ensure_account(server.base_url)
        client = ImageappClient(server.base_url)
        client.upload(jpeg.read_bytes())
        start = time.perf_counter()
        before, growth = rss_growth_during(server, lambda: client.upload(big))
        seconds = time.perf_counter() - start
    print(
        f"Server RSS during one {BIG_UPLOAD_MB} MB upload to imageapp (limit raised, accepted "
        f"in {seconds:.1f} s): {before:.0f} MB before, peak growth {growth:.1f} MB "
        "(target < 30 MB).\n"
    )


def _loads(targets: dict[str, Callable[[], object]], bodies: dict[str, bytes]) -> list[Throughput]:
    """Each load on each server in turns, ROUNDS times; the best round of each counts."""
    results = []
    for clients, requests in LOADS:
        for label, each in requests.items():
            best: dict[str, Throughput] = {}
            for _round in range(ROUNDS):
                for target, make_client in targets.items():
                    result = throughput(target, make_client, bodies[label], label, clients, each)
                    if target not in best or result.mb_per_s > best[target].mb_per_s:
                        best[target] = result
            results += best.values()
    return results


def _big_upload(jpeg: Path, directory: Path) -> Path:
    """A valid JPEG followed by junk up to the size (step 1 reads all, the strip drops it)."""
    path = directory / "big.jpg"
    with path.open("wb") as out:
        out.write(jpeg.read_bytes())
        block = os.urandom(1024 * 1024)
        while out.tell() < BIG_UPLOAD_MB * 1024 * 1024:
            out.write(block)
    return path


def _throughput_table(results: list[Throughput]) -> None:
    imageapp = {(r.label, r.clients): r for r in results if r.target == "imageapp"}
    rows = []
    for result in results:
        ours = imageapp[result.label, result.clients]
        ratio = "" if result.target == "imageapp" else f"{ours.mb_per_s / result.mb_per_s:.2f}x"
        rows.append(
            [
                result.target,
                result.label,
                str(result.clients),
                str(result.requests),
                f"{result.mb_per_s:.1f}",
                f"{result.p50_ms:.0f}",
                f"{result.p95_ms:.0f}",
                ratio,
            ]
        )
    table(
        [
            "server",
            "file",
            "clients",
            "requests",
            "MB/s",
            "p50 ms",
            "p95 ms",
            "imageapp throughput / this",
        ],
        rows,
    )


def main() -> None:
    print(
        f"# imageapp benchmark\n\n{platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, Pillow {PIL.__version__}, pyvips {pyvips.__version__} "
        f"(libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)})\n"
    )
    directory = Path(tempfile.mkdtemp(prefix="imageapp-bench-"))
    try:
        images = make_images(directory)
        renditions_section(images)
        validation_section(images, directory)
        upload_section(images, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
