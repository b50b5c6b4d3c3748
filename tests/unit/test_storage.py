"""Local storage: random names, streamed writes with a limit, atomic promotion, no escapes."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from imageapp.services.storage import LocalStorage, SizeLimitExceeded


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "root")


@pytest.mark.parametrize(
    "relative", ["../secret", "temp/../../etc/passwd", "/etc/passwd", "images/sub/x.jpg", "x.jpg"]
)
def test_paths_outside_temp_and_images_are_refused(storage: LocalStorage, relative: str) -> None:
    with pytest.raises(ValueError, match="not a storage path"):
        storage.path_of(relative)


def test_temp_files_get_random_names_with_the_given_extension(storage: LocalStorage) -> None:
    names = set()
    for _ in range(3):
        writer = storage.open_temp_writer(storage.new_temp_path("webp"), max_bytes=10)
        writer.write(b"abc")
        writer.close()
        names.add(writer.relative)
    assert len(names) == 3
    assert all(name.startswith("temp/") and name.endswith(".webp") for name in names)


def test_writing_past_the_limit_removes_the_partial_file(storage: LocalStorage) -> None:
    writer = storage.open_temp_writer(storage.new_temp_path("jpg"), max_bytes=5)
    writer.write(b"12345")
    with pytest.raises(SizeLimitExceeded):
        writer.write(b"6")
    assert list(storage.temp_dir.iterdir()) == []


def test_promote_links_and_keeps_the_bytes(storage: LocalStorage) -> None:
    writer = storage.open_temp_writer(storage.new_temp_path("png"), max_bytes=100)
    writer.write(b"image bytes")
    writer.close()
    permanent = storage.promote(writer.relative)
    assert permanent == storage.permanent_name_for(writer.relative)
    assert storage.path_of(permanent).read_bytes() == b"image bytes"
    assert storage.promote(writer.relative) == permanent  # repeating it is harmless


def test_promote_copies_when_hard_links_are_impossible(
    storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = storage.open_temp_writer(storage.new_temp_path("png"), max_bytes=100)
    writer.write(b"across devices")
    writer.close()

    def no_links(*_args: object) -> None:
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    permanent = storage.promote(writer.relative)
    assert storage.path_of(permanent).read_bytes() == b"across devices"
    assert [p.name for p in storage.images_dir.iterdir()] == [Path(permanent).name]


def test_promote_of_a_vanished_file_says_so(storage: LocalStorage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.promote("temp/00000000-0000-4000-8000-000000000000.jpg")


def test_delete_tolerates_missing_files(storage: LocalStorage) -> None:
    assert storage.delete("temp/none.jpg") is False
    assert storage.delete(None) is False
