"""``python -m bench.delete [LIBRARY] [DELETED]``: a confirmed bulk delete of 1,000 images in a
library of 10,000 (each an original and 4 renditions: 50,000 files), SQLite and PostgreSQL.

Prints a Markdown table: how long the delete takes to answer (the service calls both UIs make:
since the trash, the move to the trash and then "delete forever" of the same images), and how
long until a separate ``imageapp worker`` process has removed every file of the
deleted images; the other images' files are checked to be all still there. Files are tiny (the
cost under test is finding and removing them, not their size). Takes about a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench.databases import migrate, scratch_postgres
from imageapp.config import get_settings
from imageapp.db import create_engine_for, dispose_engines
from imageapp.jobs.tasks import forget_jobs
from imageapp.models import Image, Rendition, Store, utcnow
from imageapp.services.factory import build_bulk_service
from imageapp.services.rendering import EXTENSIONS, preset_spec

LIBRARY = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
DELETED = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
FILES_GONE_TIMEOUT_S = 120


def fill(url: str, images_dir: Path) -> tuple[int, list[int], dict[int, list[str]]]:
    """LIBRARY images with current rendition rows of every preset (reconcile finds nothing to
    do) and their files; returns the store, the image ids and each image's files."""
    engine = create_engine_for(url)
    presets = get_settings().rendition_presets
    with engine.begin() as connection:
        store = sa.insert(Store).values(name="Bench", created_at=utcnow())
        store_id = connection.execute(store).inserted_primary_key
    files: dict[int, list[str]] = {}
    for start in range(0, LIBRARY, 1000):
        now, stems = utcnow(), [str(uuid.uuid4()) for _ in range(min(1000, LIBRARY - start))]
        rows = [
            _image_row(store_id[0], f"images/{stem}.jpg", n + start, now)
            for n, stem in enumerate(stems)
        ]
        with engine.begin() as connection:
            ids = connection.scalars(
                sa.insert(Image).returning(Image.id, sort_by_parameter_order=True), rows
            ).all()
            renditions = [
                _rendition_row(image_id, stem, preset, fmt, now)
                for image_id, stem in zip(ids, stems, strict=True)
                for preset in presets
                for fmt in preset.formats
            ]
            connection.execute(sa.insert(Rendition), renditions)
        for image_id, stem in zip(ids, stems, strict=True):
            files[image_id] = [f"images/{stem}.jpg"]
        for row in renditions:
            files[row["image_id"]].append(row["path"])
    engine.dispose()
    for paths in files.values():
        for path in paths:
            (images_dir.parent / path).write_bytes(b"x")
    return store_id[0], sorted(files), files


def _image_row(store_id: int, path: str, n: int, now: object) -> dict[str, object]:
    return {
        "status": "active", "file_path": path, "original_filename": f"p{n}.jpg",
        "mime_type": "image/jpeg", "size_bytes": 1, "width": 4, "height": 3,
        "title": f"Bench {n}", "slug": f"bench-{n}", "store_id": store_id,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def _rendition_row(image_id: int, stem: str, preset: object, fmt: str, now: object) -> dict:
    digest, nonce = uuid.uuid4().hex[:16], uuid.uuid4().hex[:8]
    name = f"{stem}.{preset.name}.{digest}.{nonce}.{EXTENSIONS[fmt]}"  # type: ignore[attr-defined]
    return {
        "image_id": image_id, "preset": preset.name, "format": fmt,  # type: ignore[attr-defined]
        "width": 4, "height": 3, "size_bytes": 1, "path": f"images/{name}",
        "spec": preset_spec(preset), "created_at": now,  # type: ignore[arg-type]
    }  # fmt: skip


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``imageapp worker`` in its own process; returns once it has started its threads."""
    command = [sys.executable, "-m", "imageapp", "worker", "--concurrency", "2"]
    handle = log.open("wb")
    process = subprocess.Popen(command, env=os.environ | env, stdout=handle, stderr=handle)
    deadline = time.monotonic() + 60
    while b"job thread(s)" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text()}")
        time.sleep(0.1)
    time.sleep(1)  # its start-up reconcile jobs
    return process


def list_once(images_dir: Path) -> float:
    """What one listing of images/ costs (the old delete did one per image, or per batch)."""
    started = time.perf_counter()
    sum(1 for _ in images_dir.iterdir())
    return (time.perf_counter() - started) * 1000


def run(label: str, url: str, root: Path) -> str:
    storage = root / "storage"
    env = {"IMAGEAPP_DATABASE_URL": url, "IMAGEAPP_STORAGE_DIR": str(storage)}
    os.environ.update(env)
    get_settings.cache_clear()
    (storage / "images").mkdir(parents=True)
    (storage / "temp").mkdir()
    migrate(url)
    store_id, ids, files = fill(url, storage / "images")
    deleted = ids[: DELETED * 2 : 2]  # every other image: spread through the library
    doomed = [storage / path for image_id in deleted for path in files[image_id]]
    kept = [
        storage / path
        for image_id in ids
        if image_id not in set(deleted)
        for path in files[image_id]
    ]
    listing_ms = list_once(storage / "images")
    worker = start_worker(env, root / f"worker-{label}.log")
    try:
        bulk = build_bulk_service()
        started = time.perf_counter()
        bulk.delete(store_id=store_id, image_ids=deleted)  # to the trash: files stay
        done = bulk.trash.delete_forever(store_id=store_id, image_ids=deleted)
        answered = time.perf_counter() - started
        while any(path.exists() for path in doomed):
            if time.perf_counter() - started > FILES_GONE_TIMEOUT_S:
                raise RuntimeError(f"files still there after {FILES_GONE_TIMEOUT_S} s")
            time.sleep(0.05)
        gone = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        forget_jobs()
        dispose_engines()
    assert done == len(deleted), done
    assert all(path.exists() for path in kept), "a kept image lost a file"
    return (
        f"| {label} | {len(ids):,} ({len(doomed) + len(kept):,} files) | {done:,} "
        f"({len(doomed):,} files) | {answered:.2f} | {gone:.2f} | {listing_ms:.0f} |"
    )


def main() -> None:
    import logging

    logging.disable(logging.INFO)
    lines = [
        "| database | library | deleted | answer (s) | files gone (s) | one listing (ms) |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "sqlite").mkdir()
        lines.append(run("SQLite", f"sqlite:///{root / 'sqlite' / 'bench.db'}", root / "sqlite"))
        with scratch_postgres() as url:
            (root / "pg").mkdir()
            lines.append(run("PostgreSQL", url, root / "pg"))
    print(
        f"Confirmed bulk delete of {DELETED:,} images in a library of {LIBRARY:,}, "
        "files removed by a separate `imageapp worker --concurrency 2`\n"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
