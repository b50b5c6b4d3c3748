"""The ``imageapp`` command, run as a real subprocess against a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from imageapp.models import FileIntent, Image, utcnow
from imageapp.services.accounts import AccountService
from imageapp.services.uploads import UploadService
from tests.cli.commands import run_cli
from tests.factories import a_store, finished_image, pending_upload
from tests.images import jpeg_bytes
from tests.stored import put_bytes


def cli_env(uploads: UploadService) -> dict[str, str]:
    return {
        "IMAGEAPP_DATABASE_URL": uploads.settings.database_url,
        "IMAGEAPP_STORAGE_DIR": str(uploads.settings.storage_dir),
        "IMAGEAPP_SECRET_KEY": "x",
    }


def make_expired(uploads: UploadService, count: int) -> list[str]:
    paths = [pending_upload(uploads).temp_path for _ in range(count)]
    with uploads.engine.begin() as connection:
        connection.execute(sa.update(Image).values(created_at=utcnow() - timedelta(hours=3)))
    return paths


def test_dry_run_reports_and_removes_nothing(uploads: UploadService) -> None:
    paths = make_expired(uploads, 3)
    result = run_cli("cleanup-temp", "--dry-run", env=cli_env(uploads))
    assert result.returncode == 0, result.stderr
    assert "Would remove 3 pending upload(s)" in result.stdout
    assert all(uploads.storage.exists(path) for path in paths)


def test_cleanup_removes_expired_uploads_and_logs(uploads: UploadService) -> None:
    paths = make_expired(uploads, 3)
    fresh = pending_upload(uploads)
    result = run_cli("cleanup-temp", "--older-than", "60", env=cli_env(uploads))
    assert result.returncode == 0, result.stderr
    assert "Removed 3 pending upload(s)" in result.stdout
    assert result.stderr.count("removed pending upload") == 3
    assert not any(uploads.storage.exists(path) for path in paths)
    assert uploads.get_pending(token=fresh.upload_token, owner="session-1") == fresh


def test_unreachable_database_fails_with_a_clear_message(tmp_path: Path) -> None:
    result = run_cli(
        "cleanup-temp",
        env={
            "IMAGEAPP_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "IMAGEAPP_STORAGE_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 2
    assert "cannot use the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_commands() -> None:
    result = run_cli("--help", env={})
    assert result.returncode == 0
    assert "cleanup-temp" in result.stdout
    sub = run_cli("cleanup-temp", "--help", env={})
    assert "--older-than MINUTES" in sub.stdout
    assert "--dry-run" in sub.stdout


def test_bad_arguments_are_refused() -> None:
    result = run_cli("cleanup-temp", "--older-than", "soon", env={})
    assert result.returncode == 2
    assert "not a whole number of minutes" in result.stderr


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("imageapp")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert "cleanup-temp" in result.stdout


def test_older_than_zero_spares_files_being_written_and_sweeps_dead_writes(
    uploads: UploadService,
) -> None:
    storage, intents = uploads.storage, uploads.intents
    live, dead = storage.new_temp_path("jpg"), storage.new_temp_path("jpg")
    intents.declare([live])
    intents.declare([dead])
    with uploads.engine.begin() as connection:  # the second writer stopped renewing long ago
        connection.execute(
            sa.update(FileIntent)
            .where(FileIntent.path == dead)
            .values(expires_at=utcnow() - timedelta(hours=1))
        )
    for path in (live, dead):
        put_bytes(storage, path, b"arriving")
    result = run_cli("cleanup-temp", "--older-than", "0", env=cli_env(uploads))
    assert result.returncode == 0, result.stderr
    assert "Expired 1 unfinished file write(s)" in result.stdout
    assert "Removed 1 orphan temp file(s)." in result.stdout
    assert storage.exists(live)
    assert not storage.exists(dead)


def test_cleanup_empties_the_trash_older_than_trash_days(uploads: UploadService) -> None:
    """IMAGEAPP_TRASH_DAYS decides what the trash keeps; --dry-run only counts."""
    user = AccountService(uploads.engine).create_user(
        store_name="Harbour", email="ann@example.com", password="long password 1"
    )
    old, recent = finished_image(uploads, user, 1), finished_image(uploads, user, 2)
    with uploads.engine.begin() as connection:
        for image_id, days in ((old, 4), (recent, 2)):
            connection.execute(
                sa.update(Image)
                .where(Image.id == image_id)
                .values(trashed_at=utcnow() - timedelta(days=days), trashed_by=user.id)
            )
        old_file = connection.scalar(sa.select(Image.file_path).where(Image.id == old))
    env = cli_env(uploads) | {"IMAGEAPP_TRASH_DAYS": "3"}
    dry = run_cli("cleanup-temp", "--dry-run", env=env)
    assert "Would delete 1 image(s) forever that have been in the trash longer than 3 days." in (
        dry.stdout
    )
    result = run_cli("cleanup-temp", env=env)
    assert result.returncode == 0, result.stderr
    assert "Deleted 1 image(s) forever that had been in the trash longer than 3 days." in (
        result.stdout
    )
    with uploads.engine.connect() as connection:
        assert connection.scalars(sa.select(Image.id)).all() == [recent]
    assert old_file
    assert not uploads.storage.exists(old_file)


@pytest.mark.parametrize(
    "storage_backend", [pytest.param("s3", marks=pytest.mark.s3)], indirect=True
)
def test_stale_spool_files_of_a_killed_step_one_are_swept_live_ones_kept(
    uploads: UploadService,
) -> None:
    """With a bucket, step 1 spools the file locally first; a process killed meanwhile leaves
    that spool file (and a half-stripped copy) behind, and no row or intent names them."""
    spool = uploads.storage.spool_dir  # type: ignore[attr-defined]
    data = jpeg_bytes((800, 600), seed=5)
    streaming = uploads.receive(
        filename="live.jpg",
        client_mime_type="image/jpeg",
        owner="session-1",
        store_id=a_store(uploads.engine),
    )
    streaming.write(data[: len(data) // 2])  # a step 1 streaming right now
    (live,) = list(spool.iterdir())
    dead = spool / f"{uuid.uuid4()}-{uuid.uuid4()}.jpg"
    dead_strip = spool / f".{dead.name}.strip"
    recent = spool / f"{uuid.uuid4()}-{uuid.uuid4()}.jpg"  # stopped, but not long ago
    ttl_ago = time.time() - (uploads.settings.pending_ttl_minutes + 1) * 60
    for path in (dead, dead_strip, recent):
        path.write_bytes(b"half a photo")
    for path in (dead, dead_strip):
        os.utime(path, (ttl_ago, ttl_ago))

    result = run_cli("cleanup-temp", "--older-than", "0", env=cli_env(uploads))

    assert result.returncode == 0, result.stderr
    assert "Removed 2 stale local spool file(s) a stopped process left." in result.stdout
    assert not dead.exists()
    assert not dead_strip.exists()
    assert live.exists()
    assert recent.exists()
    streaming.write(data[len(data) // 2 :])
    pending = streaming.finish()
    assert uploads.storage.exists(pending.temp_path)
    assert sorted(spool.iterdir()) == [recent]
