"""Catch blocking work on an event loop's thread, deterministically (no timing involved).

While a ``LoopWatch`` is active, every database statement (SQLAlchemy), file-system call
(Python's audit events: ``open``, ``os.remove``, ``os.listdir`` ...), image decode (Pillow),
password hash (argon2) and upload chunk (hashed and written) made by a thread that is running
an asyncio event loop is recorded with its stack. The same calls in worker threads
(``asyncio.to_thread``, Starlette's thread pool) are fine and ignored. A test then asserts
that nothing was recorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from PIL import Image

from imageapp.services.incoming import IncomingUpload
from imageapp.services.storage import TempFileWriter

# Audit events of calls that touch the disk (https://docs.python.org/3/library/audit_events.html).
DISK_EVENTS = frozenset(
    {
        "open",
        "os.chmod",
        "os.link",
        "os.listdir",
        "os.mkdir",
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.scandir",
        "os.symlink",
        "os.truncate",
        "os.utime",
        "shutil.copyfile",
        "shutil.move",
        "shutil.rmtree",
        "sqlite3.connect",
    }
)
# Opening Python's own modules (a lazy import) is not the app's blocking work.
IMPORT_SUFFIXES = (".py", ".pyc", ".so", ".pth")


@dataclasses.dataclass(frozen=True)
class Blocking:
    what: str
    stack: str

    def __str__(self) -> str:
        return f"{self.what}\n{self.stack}"


def on_event_loop() -> bool:
    """True in a thread that is running an asyncio event loop right now."""
    return asyncio._get_running_loop() is not None


class LoopWatch:
    """Records blocking calls made on an event loop's thread while ``active``."""

    def __init__(self) -> None:
        self.active = False
        self.found: list[Blocking] = []
        self._lock = threading.Lock()

    def note(self, what: str) -> None:
        if not self.active or not on_event_loop():
            return
        stack = "".join(traceback.format_stack(limit=14)[:-2])
        with self._lock:
            self.found.append(Blocking(what, stack))

    def report(self) -> str:
        return "\n\n".join(str(item) for item in self.found[:8])


_WATCH = LoopWatch()
_HOOKED = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCH.active or event not in DISK_EVENTS:
        return
    target = str(args[0]) if args else ""
    if event == "open" and target.endswith(IMPORT_SUFFIXES):
        return
    _WATCH.note(f"disk: {event}({target!r})")


def _watched(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def watched(*args: Any, **kwargs: Any) -> Any:
        _WATCH.note(name)
        return function(*args, **kwargs)

    return watched


def _on_statement(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
    _WATCH.note(f"database: {statement.split(chr(10))[0][:120]}")


def _on_connect(_dbapi_connection: Any, _record: Any) -> None:
    _WATCH.note("database: new connection")


@contextmanager
def watching_the_loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopWatch]:
    """Record blocking calls on event-loop threads for the duration of the block."""
    global _HOOKED
    if not _HOOKED:  # audit hooks cannot be removed: one per process, switched by ``active``
        sys.addaudithook(_audit)
        _HOOKED = True
    for owner, attribute, label in (
        (Image.Image, "load", "Pillow: Image.load (decode)"),
        (PasswordHasher, "hash", "argon2: hash"),
        (PasswordHasher, "verify", "argon2: verify"),
        (IncomingUpload, "write", "upload: hash and write a chunk"),
        (IncomingUpload, "finish", "upload: validate and record"),
        (TempFileWriter, "write", "disk: write to a temp file"),
    ):
        monkeypatch.setattr(owner, attribute, _watched(label, getattr(owner, attribute)))
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _on_statement)
    sa.event.listen(sa.pool.Pool, "connect", _on_connect)
    _WATCH.found.clear()
    _WATCH.active = True
    try:
        yield _WATCH
    finally:
        _WATCH.active = False
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", _on_statement)
        sa.event.remove(sa.pool.Pool, "connect", _on_connect)
