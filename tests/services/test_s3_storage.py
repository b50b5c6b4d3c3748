"""The S3 backend against a real SeaweedFS: credentials checked, failures clear, nothing left.

What the shared service tests cannot show by running on both backends: a wrong secret is
refused by the server's signature check, an unreachable bucket is a clear StorageUnavailable
that leaves no row, intent, spool file or object behind, big files go up in parts, and the
orphan sweeps on a bucket spare exactly what rows and intents name.
"""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.config import Settings
from imageapp.models import FileIntent, Image
from imageapp.services.backends import storage_for
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.errors import UploadRejected
from imageapp.services.s3_storage import BucketAddress, S3Storage
from imageapp.services.storage import StorageUnavailable
from imageapp.services.uploads import UploadService
from tests.factories import a_store, metadata, pending_upload
from tests.images import jpeg_bytes
from tests.stored import image_names, put_bytes, read_bytes, temp_names
from tests.support.seaweed import (
    ACCESS_KEY,
    READ_ONLY_KEY,
    READ_ONLY_SECRET,
    SECRET_KEY,
    SeaweedServer,
)

pytestmark = pytest.mark.s3
NOW = timedelta(0)


def bucket_storage(
    server: SeaweedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, secret: str
) -> S3Storage:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    address = BucketAddress.parse(server.new_library())
    return S3Storage(address, endpoint_url=server.endpoint_url, spool_dir=tmp_path / "spool")


def test_a_wrong_secret_is_refused_by_the_server(
    seaweed: SeaweedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    storage = bucket_storage(seaweed, monkeypatch, tmp_path, secret="not-the-secret")
    with pytest.raises(StorageUnavailable) as refused:
        storage.check()
    assert "refused the credentials" in refused.value.detail
    source = tmp_path / "file"
    source.write_bytes(b"must not be stored")
    with pytest.raises(StorageUnavailable):
        storage.put_file("images/x.jpg", source)
    listed = seaweed.client().list_objects_v2(Bucket=storage.bucket, Prefix=storage.prefix)
    assert listed.get("KeyCount", 0) == 0  # the right key sees that nothing was written


def test_a_key_that_may_only_read_is_refused_at_the_check(
    seaweed: SeaweedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    storage = bucket_storage(seaweed, monkeypatch, tmp_path, secret=SECRET_KEY)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", READ_ONLY_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", READ_ONLY_SECRET)
    read_only = S3Storage(storage.address, endpoint_url=seaweed.endpoint_url, spool_dir=tmp_path)
    with pytest.raises(StorageUnavailable) as refused:
        read_only.check()
    assert "put_object a test object" in refused.value.detail
    assert "refused the credentials" in refused.value.detail


def test_an_unreachable_server_or_missing_bucket_is_a_clear_error(
    seaweed: SeaweedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    unreachable = S3Storage(
        BucketAddress.parse("s3://nowhere"), endpoint_url="http://127.0.0.1:9", spool_dir=tmp_path
    )
    with pytest.raises(StorageUnavailable) as down:
        unreachable.check()
    assert "Could not connect" in down.value.detail
    assert "try again" in down.value.message  # what people are told; no address in it
    storage = bucket_storage(seaweed, monkeypatch, tmp_path, secret=SECRET_KEY)
    missing = S3Storage(
        BucketAddress.parse("s3://no-such-bucket-here"),
        endpoint_url=seaweed.endpoint_url,
        spool_dir=tmp_path,
    )
    storage.check()
    with pytest.raises(StorageUnavailable) as gone:
        missing.check()
    assert "does not exist" in gone.value.detail


def spool_files(settings: Settings) -> list[str]:
    spool = settings.storage_dir / "spool"
    return sorted(p.name for p in spool.iterdir()) if spool.exists() else []


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_a_step_one_whose_upload_is_refused_leaves_nothing(
    uploads: UploadService, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "revoked")  # the key was revoked meanwhile
    uploads.storage = storage_for(settings)
    with pytest.raises(StorageUnavailable):
        uploads.create_pending(
            stream=BytesIO(jpeg_bytes()), filename="a.jpg", owner="s", store_id=a_store(engine)
        )
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(Image)) == 0
        assert connection.scalar(sa.select(sa.func.count()).select_from(FileIntent)) == 0
    assert spool_files(settings) == []
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    assert temp_names(storage_for(settings)) == []


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_spool_files_go_in_every_outcome_and_big_files_go_up_in_parts(
    uploads: UploadService, storage: S3Storage, settings: Settings, tmp_path: Path
) -> None:
    pending_upload(uploads)  # accepted
    with pytest.raises(UploadRejected):
        pending_upload(uploads, data=jpeg_bytes()[:-300])
    assert spool_files(settings) == []
    big = tmp_path / "big"
    big.write_bytes(os.urandom(9 * 1024 * 1024))  # past the 8 MB part size
    storage.put_file("images/big.jpg", big)
    head = storage.client.head_object(Bucket=storage.bucket, Key=storage.key("images/big.jpg"))
    assert head["ETag"].strip('"').endswith("-2")  # uploaded as two parts
    assert storage.sha256_of("images/big.jpg") == hashlib.sha256(big.read_bytes()).hexdigest()
    assert read_bytes(storage, "images/big.jpg") == big.read_bytes()


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_the_sweeps_on_a_bucket_spare_what_rows_and_intents_name(
    uploads: UploadService, cleanup: DiskImageCleanupService, storage: S3Storage
) -> None:
    """Everything counts as old (``--older-than 0``): only references decide."""
    finished = pending_upload(uploads)
    image_id = uploads.finalize(token=finished.upload_token, owner="session-1", metadata=metadata())
    waiting = pending_upload(uploads)
    in_progress = pending_upload(uploads)
    linked = storage.promote(in_progress.temp_path)  # a finalize between copy and commit
    stem = "0b7c4a0e-0000-4000-8000-00000000abcd"
    put_bytes(storage, f"temp/{stem}.jpg", b"an orphan temp file")
    put_bytes(storage, f"images/{stem}.jpg", b"an orphan original")
    original = f"images/{finished.temp_path.rpartition('/')[2]}"
    put_bytes(storage, original.replace(".jpg", ".web.0123456789abcdef.webp"), b"orphan")
    announced = original.replace(".jpg", ".web.fedcba9876543210.0badc0de.webp")
    uploads.intents.declare([announced])
    put_bytes(storage, announced, b"being written")
    renditions_before = [name for name in image_names(storage) if name.count(".") > 1]

    assert cleanup.sweep_orphan_temp_files(NOW) == 1
    assert cleanup.sweep_orphan_originals(NOW) == 1
    assert cleanup.sweep_orphan_renditions(NOW) == 1
    assert temp_names(storage) == sorted(
        p.rpartition("/")[2] for p in (waiting.temp_path, in_progress.temp_path)
    )
    assert storage.exists(linked)
    assert storage.exists(original)
    assert storage.exists(announced)
    assert len(image_names(storage)) == 2 + len(renditions_before) - 1
    assert image_id
