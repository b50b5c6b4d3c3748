"""``python -m bench.cleanup``: cleanup-temp over 100,000 expired uploads, SQLite and PostgreSQL.

Prints a Markdown table: rows and files removed, seconds, rows per second, and how much the
process's peak RSS grew (the batches must keep memory flat however many rows expire).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.databases import migrate, scratch_postgres
from imageapp.db import create_engine_for
from imageapp.models import Image, utcnow
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.storage import LocalStorage

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def fill(url: str, storage: LocalStorage) -> None:
    """ROWS expired pending uploads, each with a small temp file."""
    old = utcnow() - timedelta(days=1)
    engine = create_engine_for(url)
    batch = []
    for n in range(ROWS):
        name = f"temp/{uuid.uuid4()}.jpg"
        storage.path_of(name).write_bytes(b"x")
        batch.append(
            {
                "status": "pending",
                "upload_token": str(uuid.uuid4()),
                "upload_owner": "bench",
                "temp_path": name,
                "original_filename": "x.jpg",
                "mime_type": "image/jpeg",
                "size_bytes": 1,
                "width": 1,
                "height": 1,
                "created_at": old,
                "updated_at": old,
            }
        )
        if len(batch) == 5000 or n == ROWS - 1:
            with engine.begin() as connection:
                connection.execute(sa.insert(Image), batch)
            batch = []
    engine.dispose()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class PeakRss:
    """Samples this process's RSS every 10 ms while the cleanup runs."""

    def __enter__(self) -> PeakRss:
        self.start = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(label: str, url: str, root: Path) -> str:
    storage = LocalStorage(root)
    migrate(url)
    fill(url, storage)
    engine = create_engine_for(url)
    service = DiskImageCleanupService(engine, storage)
    with PeakRss() as memory:
        started = time.perf_counter()
        removed = service.cleanup_expired_pending(timedelta(hours=1))
        seconds = time.perf_counter() - started
    grew = memory.peak - memory.start
    left = sum(1 for _ in storage.temp_dir.iterdir())
    engine.dispose()
    return (
        f"| {label} | {removed} | {left} | {seconds:.1f} | {removed / seconds:,.0f} | {grew:.1f} |"
    )


def main() -> None:
    import logging

    logging.disable(logging.INFO)  # one log line per removal would dominate the timing
    lines = [
        "| database | removed | temp files left | seconds | rows/s | peak RSS growth (MB) |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        lines.append(run("SQLite", f"sqlite:///{root / 'bench.db'}", root / "sqlite-storage"))
        with scratch_postgres() as url:
            lines.append(run("PostgreSQL", url, root / "pg-storage"))
    print(f"cleanup-temp over {ROWS:,} expired uploads (batches of 500)\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
