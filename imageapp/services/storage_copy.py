"""``imageapp storage copy``: every stored file from one backend to another, verified.

Names stay the same (``temp/...``, ``images/...``), so the database needs no change: copy,
point IMAGEAPP_STORAGE_URL at the target, restart. Resumable: a file the target already has
with the same SHA-256 is skipped, so an interrupted copy (or a second pass after the switch,
for files uploaded meanwhile) only moves what is missing. Each copied file is read back from
the target and its SHA-256 compared with the source's; a mismatch is removed and reported.
Unfinished ``.part``/``.strip`` files of live writers are not copied.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from imageapp.services.storage import IMAGES, TEMP, Storage, StoredObject, unfinished_target

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class CopyReport:
    copied: int
    skipped: int  # already there with the same checksum
    failed: tuple[str, ...]  # paths that could not be copied or did not verify
    gone: int  # listed, then removed from the source before it was copied
    copied_bytes: int


def stored_sha256(storage: Storage, relative: str) -> str:
    """SHA-256 of the bytes as stored now (read back, not taken from metadata)."""
    chunks, _span = storage.read(relative)
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def files_to_copy(storage: Storage) -> list[StoredObject]:
    return [
        item
        for directory in (TEMP, IMAGES)
        for item in storage.list_files(directory)
        if unfinished_target(item.name) is None and not item.name.startswith(".")
    ]


def copy_library(source: Storage, target: Storage, progress: Progress | None = None) -> CopyReport:
    """Copy every finished file of ``source`` that ``target`` lacks; verify each one."""
    items = files_to_copy(source)
    copied = skipped = gone = copied_bytes = 0
    failed: list[str] = []
    for done, item in enumerate(items, start=1):
        try:
            outcome = _copy_one(source, target, item.relative)
        except FileNotFoundError:
            outcome = "gone"
        if outcome == "copied":
            copied += 1
            copied_bytes += item.size
        elif outcome == "skipped":
            skipped += 1
        elif outcome == "gone":
            gone += 1
        else:
            failed.append(item.relative)
        if progress is not None:
            progress(done, len(items))
    return CopyReport(copied, skipped, tuple(failed), gone, copied_bytes)


def _copy_one(source: Storage, target: Storage, relative: str) -> str:
    wanted = source.sha256_of(relative)
    if target.exists(relative) and target.sha256_of(relative) == wanted:
        return "skipped"
    with source.local_copy(relative) as local:
        target.put_file(relative, local)
    if stored_sha256(target, relative) != wanted:
        log.error("%s: checksum differs after copying; removed from the target", relative)
        target.delete(relative)
        return "failed"
    return "copied"
