"""``imageapp renditions rebuild`` as a real subprocess, and its progress bar."""

from __future__ import annotations

import io
import json
import os
import time

import pytest
import sqlalchemy as sa

from imageapp.cli import ProgressBar
from imageapp.models import Image, Rendition
from imageapp.services.uploads import UploadService
from tests.cli.test_cleanup_temp import cli_env, run_cli
from tests.factories import metadata, pending_upload
from tests.images import jpeg_bytes
from tests.stored import put_bytes


def finished(uploads: UploadService, seed: int) -> int:
    pending = pending_upload(uploads, data=jpeg_bytes((400, 300), seed=seed))
    return uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())


def renditions(uploads: UploadService) -> set[tuple[int, str, str]]:
    with uploads.engine.connect() as connection:
        rows = connection.execute(sa.select(Rendition.image_id, Rendition.preset, Rendition.format))
        return {tuple(row) for row in rows}  # type: ignore[misc]


def test_rebuild_makes_what_is_missing_and_resumes(uploads: UploadService) -> None:
    first, second = finished(uploads, 1), finished(uploads, 2)
    complete = renditions(uploads)
    with uploads.engine.begin() as connection:
        connection.execute(sa.delete(Rendition))

    result = run_cli("renditions", "rebuild", env=cli_env(uploads))
    assert result.returncode == 0, result.stderr
    assert "Rebuilt renditions of 2 image(s) of 2; 0 failed." in result.stdout
    assert "renditions [##############################] 2/2" in result.stderr
    assert renditions(uploads) == complete
    assert {image_id for image_id, _p, _f in complete} == {first, second}

    again = run_cli("renditions", "rebuild", env=cli_env(uploads))
    assert "Rebuilt renditions of 0 image(s) of 2" in again.stdout


def test_one_preset_and_preset_changes(uploads: UploadService) -> None:
    image_id = finished(uploads, 3)
    with uploads.engine.begin() as connection:
        connection.execute(sa.delete(Rendition).where(Rendition.preset == "thumb"))
    result = run_cli("renditions", "rebuild", "--preset", "thumb", env=cli_env(uploads))
    assert result.returncode == 0, result.stderr
    assert {p for _i, p, _f in renditions(uploads)} == {"thumb", "web"}

    presets = json.dumps([{"name": "small", "longest_side": 100, "formats": ["webp"]}])
    env = cli_env(uploads) | {"IMAGEAPP_RENDITION_PRESETS": presets}
    result = run_cli("renditions", "rebuild", env=env)
    assert result.returncode == 0, result.stderr
    assert "Removed 6 rendition(s) of presets no longer configured." in result.stdout
    assert renditions(uploads) == {(image_id, "small", "webp")}

    unknown = run_cli("renditions", "rebuild", "--preset", "huge", env=env)
    assert unknown.returncode == 2
    assert "There is no preset 'huge'; configured: small." in unknown.stderr


def test_a_broken_original_fails_alone(uploads: UploadService) -> None:
    broken, fine = finished(uploads, 4), finished(uploads, 5)
    with uploads.engine.begin() as connection:
        connection.execute(sa.delete(Rendition))
        path = connection.scalar(sa.select(Image.file_path).where(Image.id == broken))
    uploads.storage.delete(path)
    put_bytes(uploads.storage, path, b"not an image any more")
    result = run_cli("renditions", "rebuild", env=cli_env(uploads))
    assert result.returncode == 1
    assert "Rebuilt renditions of 1 image(s) of 2; 1 failed." in result.stdout
    assert f"image {broken}: renditions failed" in result.stderr
    assert {image_id for image_id, _p, _f in renditions(uploads)} == {fine}


@pytest.mark.local_storage_only  # ages files with os.utime
def test_cleanup_temp_sweeps_orphan_renditions(uploads: UploadService) -> None:
    image_id = finished(uploads, 6)
    with uploads.engine.connect() as connection:
        original = connection.scalar(sa.select(Image.file_path).where(Image.id == image_id))
    stem = original.split("/")[1].split(".")[0]
    orphan = uploads.storage.write_image_file(f"{stem}.web.0123456789abcdef.jpg", b"x")
    old = time.time() - 7200
    for path in uploads.storage.images_dir.iterdir():
        os.utime(path, (old, old))
    result = run_cli("cleanup-temp", env=cli_env(uploads))
    assert result.returncode == 0, result.stderr
    assert "Removed 1 orphan rendition file(s)." in result.stdout
    assert not uploads.storage.exists(orphan)
    assert len(renditions(uploads)) == 6


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_on_a_terminal_and_logs_tenths_elsewhere() -> None:
    terminal = Terminal()
    bar = ProgressBar("work", terminal, width=4)
    for done in range(1, 3):
        bar(done, 2)
    assert terminal.getvalue() == "\rwork [##..] 1/2\rwork [####] 2/2\n"

    log = io.StringIO()
    bar = ProgressBar("work", log, width=10)
    for done in range(1, 101):
        bar(done, 100)
    lines = log.getvalue().splitlines()
    assert len(lines) == 11  # the start, then every tenth
    assert lines[0] == "work [..........] 1/100"
    assert lines[-1] == "work [##########] 100/100"


def test_rebuild_builds_a_cover_preset_added_later(uploads: UploadService) -> None:
    image_id = finished(uploads, 6)  # 400 x 300
    presets = json.dumps(
        [
            {"name": "thumb", "longest_side": 320},
            {"name": "web", "longest_side": 1600},
            {"name": "card", "fit": "cover", "width": 120, "height": 160, "formats": ["webp"]},
        ]
    )
    env = cli_env(uploads) | {"IMAGEAPP_RENDITION_PRESETS": presets}
    result = run_cli("renditions", "rebuild", env=env)
    assert result.returncode == 0, result.stderr
    assert "Rebuilt renditions of 1 image(s) of 1; 0 failed." in result.stdout
    with uploads.engine.connect() as connection:
        rows = connection.execute(
            sa.select(Rendition.preset, Rendition.width, Rendition.height).where(
                Rendition.image_id == image_id
            )
        ).all()
    assert {(row.preset, row.width, row.height) for row in rows} == {
        ("thumb", 320, 240),
        ("web", 400, 300),
        ("card", 120, 160),
    }
    again = run_cli("renditions", "rebuild", env=env)
    assert "Rebuilt renditions of 0 image(s) of 1" in again.stdout
    bad = json.dumps([{"name": "card", "fit": "cover", "width": 120}])
    refused = run_cli(
        "renditions", "rebuild", env=cli_env(uploads) | {"IMAGEAPP_RENDITION_PRESETS": bad}
    )
    assert refused.returncode != 0
    assert 'needs both "width" and "height"' in refused.stderr + refused.stdout
