"""``imageapp storage copy --to URL`` (local -> S3 and back, resumable, verified) and the
start-up check of the bucket, as real subprocesses against SeaweedFS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from imageapp.config import PROJECT_ROOT
from imageapp.services.backends import storage_at
from imageapp.services.storage_copy import stored_sha256
from imageapp.services.uploads import UploadService
from tests.cli.test_cleanup_temp import cli_env, run_cli
from tests.factories import metadata, pending_upload
from tests.images import jpeg_bytes
from tests.stored import put_bytes, stored_paths
from tests.support.seaweed import ACCESS_KEY, SECRET_KEY, SeaweedServer

# The library starts on the disk (the source), goes to a bucket and comes back.
pytestmark = [pytest.mark.s3, pytest.mark.local_storage_only]


def library(storage: object) -> set[str]:
    return stored_paths(storage, "temp") | stored_paths(storage, "images")  # type: ignore[arg-type]


def test_help_explains_the_switch_over() -> None:
    result = run_cli("storage", "copy", "--help", env={})
    assert result.returncode == 0
    assert "--to URL" in result.stdout
    assert "Resumable" in result.stdout
    assert "IMAGEAPP_STORAGE_URL" in result.stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about files, not rows
def test_a_library_goes_to_a_bucket_and_back_resumably(
    uploads: UploadService, seaweed: SeaweedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for seed in (1, 2):
        pending = pending_upload(uploads, data=jpeg_bytes(seed=seed))
        uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    waiting = pending_upload(uploads, data=jpeg_bytes(seed=3))
    source = uploads.storage
    files = library(source)
    assert waiting.temp_path in files
    assert len(files) == 1 + 2 * 7  # a pending file; two originals with six renditions each
    bucket = seaweed.new_library()
    monkeypatch.setenv("IMAGEAPP_S3_ENDPOINT_URL", seaweed.endpoint_url)

    s3_env = cli_env(uploads) | {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    s3_env |= {"AWS_REGION": "us-east-1", "IMAGEAPP_S3_ENDPOINT_URL": seaweed.endpoint_url}
    for name, value in s3_env.items():
        monkeypatch.setenv(name, value)
    settings = uploads.settings.model_copy(update={"s3_endpoint_url": seaweed.endpoint_url})
    target = storage_at(bucket, settings)
    # A half-done earlier run: one file there already, one there with the wrong bytes.
    one, other = sorted(files)[:2]
    put_bytes(target, other, b"truncated by an interrupted copy")
    local_one = source.local_path(one)
    assert local_one is not None
    target.put_file(one, local_one)

    result = run_cli("storage", "copy", "--to", bucket, env=s3_env)
    assert result.returncode == 0, result.stderr
    assert f"Copied {len(files) - 1} file(s)" in result.stdout
    assert "1 already there" in result.stdout
    assert f"copying [##############################] {len(files)}/{len(files)}" in result.stderr
    assert library(target) == files
    for relative in files:
        assert stored_sha256(target, relative) == stored_sha256(source, relative)

    again = run_cli("storage", "copy", "--to", bucket, env=s3_env)
    assert again.returncode == 0, again.stderr
    assert f"Copied 0 file(s) (0.0 MB) to {bucket}; {len(files)} already there" in again.stdout

    back = tmp_path / "back-on-disk"
    home = run_cli(
        "storage", "copy", "--to", str(back), env=s3_env | {"IMAGEAPP_STORAGE_URL": bucket}
    )
    assert home.returncode == 0, home.stderr
    restored = storage_at(str(back), uploads.settings)
    assert library(restored) == files
    for relative in files:
        assert stored_sha256(restored, relative) == stored_sha256(source, relative)
    assert not any(name.startswith(".") for name in os.listdir(back / "images"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreachable_target_is_a_clear_error(uploads: UploadService) -> None:
    env = cli_env(uploads) | {
        "IMAGEAPP_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
    }
    result = run_cli("storage", "copy", "--to", "s3://somewhere", env=env)
    assert result.returncode == 2
    assert "imageapp: the storage cannot be used:" in result.stderr
    assert "Traceback" not in result.stderr


def refused_env(uploads: UploadService, seaweed: SeaweedServer) -> dict[str, str]:
    return cli_env(uploads) | {
        "IMAGEAPP_STORAGE_URL": seaweed.new_library(),
        "IMAGEAPP_S3_ENDPOINT_URL": seaweed.endpoint_url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "not-the-secret",
        "AWS_REGION": "us-east-1",
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_refused_credentials_stop_the_start_with_the_reason(
    uploads: UploadService, seaweed: SeaweedServer
) -> None:
    """`make run` (rxconfig, read by `reflex run` first), `imageapp worker` and
    `imageapp storage check` all stop at once and say why."""
    env = refused_env(uploads, seaweed)
    reason = "imageapp: the storage cannot be used: head_bucket the bucket in s3://"
    started = subprocess.run(
        [sys.executable, "-c", "import rxconfig"],
        cwd=PROJECT_ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 1
    assert reason in started.stderr
    assert "the server refused the credentials (403)" in started.stderr
    assert "Traceback" not in started.stderr
    for command in (("worker",), ("storage", "check")):
        result = run_cli(*command, env=env)
        assert result.returncode == 2, result.stderr
        assert reason in result.stderr
        assert "Traceback" not in result.stderr
    env["AWS_SECRET_ACCESS_KEY"] = SECRET_KEY
    ok = run_cli("storage", "check", env=env)
    assert ok.returncode == 0, ok.stderr
    assert f"Storage OK: {env['IMAGEAPP_STORAGE_URL']}" in ok.stdout
