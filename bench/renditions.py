"""imageapp's full preset set against the same presets and formats made by pyvips.

Engines: ``imageapp`` (``render_presets`` as configured: libvips decodes PNG and WebP, Pillow
the rest), ``imageapp-pillow`` (everything decoded by Pillow: imageapp before libvips came
in), ``pyvips`` (``thumbnail`` per preset from the file) and ``pyvips-1decode`` (the largest
preset from the file, the smaller from it, as imageapp does). Every engine encodes AVIF (same
quality and speed: libvips' ``effort`` is 9 - libaom speed), WebP and JPEG per preset.
pyvips-binary's libheif has no HEVC decoder, so for a HEIC the pyvips engines get the pixels
from pillow-heif (``new_from_memory``) and shrink them with ``thumbnail_image``.

Time: every engine in its own process (``python -m bench.renditions time ENGINE PATH``), the
engines taking turns, one job each per round, after one warm-up job; the median counts.
CPU: the job process's user + system time (every thread), the work done whatever the load.
Memory: one job in a fresh process per engine (``python -m bench.renditions peak ...``): its
peak RSS (VmHWM) less its RSS once the libraries are imported (pyvips in every engine).
pyvips' operation cache is off: every job decodes the file again, as imageapp does.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from imageapp.config import DEFAULT_PRESETS, RenditionPreset

ENGINES = ("imageapp", "imageapp-pillow", "pyvips", "pyvips-1decode")
PEAK_RUNS = 2  # fresh processes per engine and input; the lower peak counts


@dataclass(frozen=True)
class Measurement:
    engine: str
    image: str
    median_ms: float
    median_cpu_ms: float  # user + system time of all the job's threads: the work, load aside
    peak_mb: float
    output_kb: float


def status_kb(field: str) -> int:
    """A field of /proc/self/status, in kB (VmRSS: now, VmHWM: peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def pillow_job(presets: tuple[RenditionPreset, ...], decoder: str | None) -> Callable[[Path], int]:
    from imageapp.services.rendering import render_presets

    def job(path: Path) -> int:
        found = render_presets(path, presets, decoder=decoder)  # type: ignore[arg-type]
        return sum(len(item.data) for item in found)

    return job


def _vips_source(path: Path, side: int):  # type: ignore[no-untyped-def]
    """The largest preset's image: shrink-on-load from the file, or from pillow-heif's pixels."""
    import pyvips

    if path.suffix != ".heic":
        return pyvips.Image.thumbnail(str(path), side, height=side, size="down")
    import pillow_heif

    heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=True)[0]
    full = pyvips.Image.new_from_memory(heif.data, *heif.size, len(heif.mode), "uchar")
    return full.thumbnail_image(side, height=side, size="down")


def vips_job(presets: tuple[RenditionPreset, ...], one_decode: bool) -> Callable[[Path], int]:
    """``thumbnail`` per preset from the file (shrink-on-load each time), or, with
    ``one_decode``, the largest from the file and the smaller ones from it (imageapp's way)."""
    import pyvips

    pyvips.cache_set_max(0)
    ordered = sorted(presets, key=lambda preset: preset.longest_side, reverse=True)

    def encode(image: pyvips.Image, preset: RenditionPreset) -> int:
        avif = image.heifsave_buffer(
            compression="av1", Q=preset.avif_quality, effort=9 - preset.avif_speed, keep="icc"
        )
        webp = image.webpsave_buffer(Q=preset.webp_quality, effort=preset.webp_method, keep="icc")
        jpeg = image.jpegsave_buffer(Q=preset.jpeg_quality, optimize_coding=True, keep="icc")
        return len(avif) + len(webp) + len(jpeg)

    def job(path: Path) -> int:
        total, largest = 0, None
        for preset in ordered:
            side = preset.longest_side
            if one_decode and largest is not None:
                image = largest.thumbnail_image(side, height=side, size="down").copy_memory()
            else:  # copy_memory: the three encoders then read it, not the file, again
                image = largest = _vips_source(path, side).copy_memory()
            total += encode(image, preset)
        return total

    return job


def make_job(engine: str) -> Callable[[Path], int]:
    jobs = {
        "imageapp": lambda: pillow_job(DEFAULT_PRESETS, None),
        "imageapp-pillow": lambda: pillow_job(DEFAULT_PRESETS, "pillow"),
        "pyvips": lambda: vips_job(DEFAULT_PRESETS, one_decode=False),
        "pyvips-1decode": lambda: vips_job(DEFAULT_PRESETS, one_decode=True),
    }
    return jobs[engine]()


def _imported(engine: str) -> Callable[[Path], int]:
    """The engine's job, every library it may touch loaded (so none counts as its memory)."""
    import pillow_heif  # noqa: F401
    import pyvips

    import imageapp.services.codecs  # noqa: F401
    from imageapp.services.vips_reader import _pyvips

    _pyvips()
    pyvips.cache_set_max(0)
    return make_job(engine)


def time_worker(engine: str, path: Path) -> None:
    """Serve ``run`` lines (one job each, answers its ms) until ``done`` (answers the output)."""
    job = _imported(engine)
    output = job(path)  # warm-up: lazy library set-up is not what we time
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        start, cpu = time.perf_counter(), time.process_time()
        job(path)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(wall * 1000, cpu * 1000, flush=True)
    print(json.dumps({"output_kb": output / 1024}), flush=True)


def peak_worker(engine: str, path: Path) -> None:
    """One job in this fresh process; prints its peak RSS growth in MB."""
    job = _imported(engine)
    baseline = status_kb("VmRSS")
    job(path)
    print((status_kb("VmHWM") - baseline) / 1024, flush=True)


def _spawn(mode: str, engine: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.renditions", mode, engine, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def peak_mb(engine: str, path: Path) -> float:
    runs = [float(_spawn("peak", engine, path).communicate()[0].strip()) for _ in range(PEAK_RUNS)]
    return min(runs)


def measure_all(label: str, path: Path, rounds: int) -> dict[str, Measurement]:
    """Every engine in its own process, run in turns (round-robin), so a busy moment of the
    machine hits all engines alike instead of one; then each engine's peak, fresh."""
    workers = {engine: _spawn("time", engine, path) for engine in ENGINES}
    for process in workers.values():
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    times: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    cpu: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    for _round in range(rounds):
        for engine, process in workers.items():
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write("run\n")
            process.stdin.flush()
            wall, used = process.stdout.readline().split()
            times[engine].append(float(wall))
            cpu[engine].append(float(used))
    found = {}
    for engine, process in workers.items():
        totals = json.loads(process.communicate("done\n")[0].strip().splitlines()[-1])
        found[engine] = Measurement(
            engine,
            label,
            statistics.median(times[engine]),
            statistics.median(cpu[engine]),
            peak_mb(engine, path),
            totals["output_kb"],
        )
    return found


if __name__ == "__main__":
    {"time": time_worker, "peak": peak_worker}[sys.argv[1]](sys.argv[2], Path(sys.argv[3]))
