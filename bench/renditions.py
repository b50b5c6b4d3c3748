"""imageapp's full preset set (Pillow) against the same presets made by pyvips.

Every engine runs in its own process (``python -m bench.renditions ENGINE PATH``), so its peak
RSS (VmHWM) belongs to that job alone; reported as the growth over the process's RSS after
imports. The engines take turns, one job each per round; times are the median over the rounds
after one warm-up job. pyvips' operation cache is off: every job decodes the file again, as
imageapp does.
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


@dataclass(frozen=True)
class Measurement:
    engine: str
    image: str
    median_ms: float
    peak_mb: float
    output_kb: float


def status_kb(field: str) -> int:
    """A field of /proc/self/status, in kB (VmRSS: now, VmHWM: peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def pillow_job(presets: tuple[RenditionPreset, ...]) -> Callable[[Path], int]:
    from imageapp.services.rendering import render_presets

    def job(path: Path) -> int:
        return sum(len(item.data) for item in render_presets(path, presets))

    return job


def vips_job(presets: tuple[RenditionPreset, ...], one_decode: bool) -> Callable[[Path], int]:
    """``thumbnail`` per preset from the file (shrink-on-load each time), or, with
    ``one_decode``, the largest from the file and the smaller ones from it (imageapp's way)."""
    import pyvips

    pyvips.cache_set_max(0)
    ordered = sorted(presets, key=lambda preset: preset.longest_side, reverse=True)

    def encode(image: pyvips.Image, preset: RenditionPreset) -> int:
        webp = image.webpsave_buffer(Q=preset.webp_quality, effort=preset.webp_method, keep="icc")
        jpeg = image.jpegsave_buffer(Q=preset.jpeg_quality, optimize_coding=True, keep="icc")
        return len(webp) + len(jpeg)

    def job(path: Path) -> int:
        total, largest = 0, None
        for preset in ordered:
            side = preset.longest_side
            if one_decode and largest is not None:
                image = largest.thumbnail_image(side, height=side, size="down").copy_memory()
            else:  # copy_memory: the two encoders then read it, not the file, again
                image = pyvips.Image.thumbnail(str(path), side, height=side, size="down")
                image = largest = image.copy_memory()
            total += encode(image, preset)
        return total

    return job


ENGINES = ("pillow", "pillow-webp-m2", "pyvips", "pyvips-1decode")


def make_job(engine: str) -> Callable[[Path], int]:
    method_2 = tuple(preset.model_copy(update={"webp_method": 2}) for preset in DEFAULT_PRESETS)
    jobs = {
        "pillow": lambda: pillow_job(DEFAULT_PRESETS),
        "pillow-webp-m2": lambda: pillow_job(method_2),
        "pyvips": lambda: vips_job(DEFAULT_PRESETS, one_decode=False),
        "pyvips-1decode": lambda: vips_job(DEFAULT_PRESETS, one_decode=True),
    }
    return jobs[engine]()


def worker(engine: str, path: Path) -> None:
    """Serve ``run`` lines (one job each, answers its ms) until ``done`` (answers the totals)."""
    job = make_job(engine)
    baseline = status_kb("VmRSS")
    output = job(path)  # warm-up: lazy library set-up is not what we measure
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        start = time.perf_counter()
        job(path)
        print((time.perf_counter() - start) * 1000, flush=True)
    peak_mb = (status_kb("VmHWM") - baseline) / 1024
    print(json.dumps({"peak_mb": peak_mb, "output_kb": output / 1024}), flush=True)


def measure_all(label: str, path: Path, rounds: int) -> dict[str, Measurement]:
    """Every engine in its own process, run in turns (round-robin), so a busy moment of the
    machine hits all engines alike instead of one."""
    workers = {
        engine: subprocess.Popen(
            [sys.executable, "-m", "bench.renditions", engine, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for engine in ENGINES
    }
    for process in workers.values():
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    times: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    for _round in range(rounds):
        for engine, process in workers.items():
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write("run\n")
            process.stdin.flush()
            times[engine].append(float(process.stdout.readline()))
    found = {}
    for engine, process in workers.items():
        totals = json.loads(process.communicate("done\n")[0].strip().splitlines()[-1])
        found[engine] = Measurement(
            engine, label, statistics.median(times[engine]), totals["peak_mb"], totals["output_kb"]
        )
    return found


if __name__ == "__main__":
    worker(sys.argv[1], Path(sys.argv[2]))
