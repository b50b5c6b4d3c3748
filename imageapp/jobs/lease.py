"""One embedded job worker per machine and queue, however many web workers serve.

Each web worker process runs the app's lifespan, so N web workers would start N embedded
workers: N rendition jobs at once competing with the requests for the CPUs (renditions are
CPU-bound), and N reconciles every ten minutes. The web worker that holds this lease (an
exclusive ``flock`` on a file named after the queue) runs it; the others try again now and
then, so when that process ends (the kernel drops its lock) another one takes over.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path


def lease_path(queue_url: str, directory: Path | None = None) -> Path:
    """The lock file for this queue on this machine (the URL itself never leaves the hash)."""
    digest = hashlib.sha256(queue_url.encode()).hexdigest()[:16]
    return (directory or Path(tempfile.gettempdir())) / f"imageapp-embedded-worker-{digest}.lock"


class MachineLease:
    """An exclusive, non-blocking ``flock``: held until released or the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """True if this process now holds the lease (or held it already)."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a curious operator
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
