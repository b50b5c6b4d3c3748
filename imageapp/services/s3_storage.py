"""Every file in an S3-compatible bucket (``IMAGEAPP_STORAGE_URL=s3://BUCKET[/PREFIX]``).

The same names as on disk (``temp/<uuid>.jpg``, ``images/...``) under the optional prefix, so
rows, intents and removal records mean the same on both backends. What differs:
- a pending file is first written to a local spool file (Pillow validates, turns upright and
  strips files, not streams), then uploaded (multipart past ``MULTIPART_BYTES``) and the spool
  file removed, in every outcome;
- promotion is a server-side copy to the derived permanent name (no bytes through the app);
- objects appear whole or not at all, so there are no ``.part`` files to sweep;
- a listing's ``modified`` is the object's LastModified.
Every failure to reach the bucket or to be let in is ``StorageUnavailable``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from imageapp.services.storage import (
    CHUNK_SIZE,
    IMAGES,
    TEMP,
    TUS_PARTS,
    ByteRange,
    RangeNotSatisfiable,
    StorageUnavailable,
    StoredObject,
    TempFileWriter,
    file_sha256,
)

log = logging.getLogger(__name__)
MULTIPART_BYTES = 8 * 1024 * 1024
DELETE_BATCH = 1000  # the most one DeleteObjects request takes
TRANSFER = TransferConfig(
    multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES, max_concurrency=4
)
MISSING = {"404", "NoSuchKey", "NotFound"}
REFUSED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"}
# The object's own SHA-256, recorded when it is written (``storage copy`` compares it).
SHA256_KEY = "sha256"


@dataclass(frozen=True, slots=True)
class BucketAddress:
    bucket: str
    prefix: str  # "" or "some/prefix/"

    @classmethod
    def parse(cls, url: str) -> BucketAddress:
        """``s3://BUCKET[/PREFIX]``; ValueError with a clear message otherwise."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://BUCKET[/PREFIX] address: {url!r}")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")


def translate(exc: Exception, doing: str) -> Exception:
    """A missing object as FileNotFoundError, everything else as StorageUnavailable."""
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in MISSING:
            return FileNotFoundError(doing)
        if code in REFUSED:
            return StorageUnavailable(f"{doing}: the server refused the credentials ({code})")
        return StorageUnavailable(f"{doing}: {code or exc}")
    return StorageUnavailable(f"{doing}: {exc}")


class S3TempWriter(TempFileWriter):
    """A pending file spooled locally, uploaded by ``publish``; ``discard`` removes both."""

    def __init__(self, storage: S3Storage, spool: Path, relative: str, max_bytes: int) -> None:
        super().__init__(spool, relative, max_bytes)
        self._storage = storage
        self._published = False

    def publish(self) -> None:
        self.close()
        try:
            self._published = True  # from the first byte sent on, discard must delete it
            self._storage.put_file(self.relative, self.path)
        finally:
            self.path.unlink(missing_ok=True)

    def discard(self) -> None:
        super().discard()
        if self._published:
            self._published = False
            try:
                self._storage.delete(self.relative)
            except StorageUnavailable:  # its intent lapses, then the temp sweep removes it
                log.warning("could not remove %s from the bucket", self.relative, exc_info=True)


class S3Storage:
    """The bucket (and prefix) every web and job worker shares."""

    def __init__(
        self,
        address: BucketAddress,
        *,
        endpoint_url: str | None = None,
        spool_dir: Path | None = None,
        client: Any | None = None,
    ) -> None:
        self.address = address
        self.bucket = address.bucket
        self.prefix = address.prefix
        self.url = f"s3://{address.bucket}/{address.prefix}".rstrip("/")
        try:
            self.client = client or s3_client(endpoint_url or "")
        except BotoCoreError as exc:  # e.g. a key id without its secret
            raise StorageUnavailable(f"cannot set up the S3 client: {exc}") from exc
        self.spool_dir = spool_dir or Path(tempfile.gettempdir()) / "imageapp-spool"
        self.spool_dir.mkdir(parents=True, exist_ok=True)

    def key(self, relative: str) -> str:
        directory, _, name = relative.rpartition("/")
        if directory not in (TEMP, IMAGES, TUS_PARTS) or not name or name in (".", ".."):
            raise ValueError(f"not a storage path: {relative!r}")
        return f"{self.prefix}{relative}"

    @staticmethod
    def new_temp_path(extension: str) -> str:
        return f"{TEMP}/{uuid.uuid4()}.{extension}"

    @staticmethod
    def permanent_name_for(temp_relative: str) -> str:
        """Same rule as on disk, so cleanup finds a half-promoted copy from the temp name."""
        return f"{IMAGES}/{temp_relative.rpartition('/')[2]}"

    def open_temp_writer(self, relative: str, max_bytes: int) -> TempFileWriter:
        self.key(relative)
        spool = self.spool_dir / f"{uuid.uuid4()}-{relative.rpartition('/')[2]}"
        return S3TempWriter(self, spool, relative, max_bytes)

    def promote(self, temp_relative: str) -> str:
        """Server-side copy to the permanent name; the temp object keeps existing.

        FileNotFoundError if the temp object is gone (cleaned up meanwhile)."""
        target = self.permanent_name_for(temp_relative)
        source = {"Bucket": self.bucket, "Key": self.key(temp_relative)}
        try:
            self.client.copy(source, self.bucket, self.key(target), Config=TRANSFER)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"copying {temp_relative}") from exc
        return target

    def write_image_file(self, name: str, data: bytes) -> str:
        relative = f"{IMAGES}/{name}"
        digest = hashlib.sha256(data).hexdigest()
        self._call(
            "put_object",
            relative,
            Key=self.key(relative),
            Body=data,
            Metadata={SHA256_KEY: digest},
        )
        return relative

    def put_file(self, relative: str, source: Path) -> None:
        """Upload a local file (multipart when big), recording its SHA-256 with it."""
        extra = {"Metadata": {SHA256_KEY: file_sha256(source)}}
        try:
            self.client.upload_file(
                str(source), self.bucket, self.key(relative), ExtraArgs=extra, Config=TRANSFER
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"uploading {relative}") from exc
        except boto3.exceptions.S3UploadFailedError as exc:
            raise StorageUnavailable(f"uploading {relative}: {exc}") from exc

    def delete(self, relative: str | None) -> bool:
        """Remove an object; True if it was there (S3's DELETE alone cannot tell)."""
        if not relative or not self.exists(relative):
            return False
        self._call("delete_object", relative, Key=self.key(relative))
        return True

    def delete_many(self, paths: Iterable[str]) -> int:
        """Remove objects 1,000 per request (bulk deletes, cleanup). S3 does not say which
        keys existed, so this counts the keys removed or already absent."""
        keys = [self.key(relative) for relative in paths if relative]
        removed = 0
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            found = self._call(
                "delete_objects", "a batch", Delete={"Objects": batch, "Quiet": True}
            )
            errors = found.get("Errors", [])
            if errors:
                first = errors[0]
                raise StorageUnavailable(f"deleting {first.get('Key')}: {first.get('Code')}")
            removed += len(batch)
        return removed

    def _head(self, relative: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._call("head_object", relative, Key=self.key(relative))
        except FileNotFoundError:
            return None
        return found

    def exists(self, relative: str) -> bool:
        return self._head(relative) is not None

    def size_of(self, relative: str) -> int | None:
        found = self._head(relative)
        return None if found is None else int(found["ContentLength"])

    def list_files(self, directory: str) -> Iterator[StoredObject]:
        """Every object directly under ``temp/``, ``temp/tus/`` or ``images/``, page by page."""
        start = f"{self.prefix}{directory}/"
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start, Delimiter="/"
        )
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    name = item["Key"][len(start) :]
                    if name:
                        modified = item["LastModified"].timestamp()
                        yield StoredObject(f"{directory}/{name}", int(item["Size"]), modified)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"listing {directory}/") from exc

    @staticmethod
    def local_path(relative: str) -> Path | None:
        return None  # no local file: media is streamed from the bucket

    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        """Download to a spool file for Pillow; removed afterwards, whatever happens."""
        spool = self.spool_dir / f"{uuid.uuid4()}-{relative.rpartition('/')[2]}"
        try:
            try:
                self.client.download_file(
                    self.bucket, self.key(relative), str(spool), Config=TRANSFER
                )
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, f"downloading {relative}") from exc
            yield spool
        finally:
            spool.unlink(missing_ok=True)

    def read(
        self, relative: str, first: int | None = None, last: int | None = None
    ) -> tuple[Iterator[bytes], ByteRange]:
        """A streaming GET (``Range`` when asked); nothing is held in memory."""
        extra: dict[str, Any] = {}
        if first is not None:
            extra["Range"] = f"bytes={first}-{'' if last is None else last}"
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key(relative), **extra)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                raise RangeNotSatisfiable(self.size_of(relative) or 0) from None
            raise translate(exc, f"reading {relative}") from exc
        except BotoCoreError as exc:
            raise translate(exc, f"reading {relative}") from exc
        body = found["Body"]
        length = int(found["ContentLength"])
        if "ContentRange" in found:  # "bytes 0-9/1234"
            span, _, total = str(found["ContentRange"]).removeprefix("bytes ").partition("/")
            start = int(span.partition("-")[0])
            byte_range = ByteRange(start, start + length - 1, int(total))
        else:
            byte_range = ByteRange(0, length - 1, length)
        return _stream(body), byte_range

    def sha256_of(self, relative: str) -> str:
        """The recorded SHA-256, else one computed from the bytes."""
        found = self._head(relative)
        if found is None:
            raise FileNotFoundError(relative)
        recorded = found.get("Metadata", {}).get(SHA256_KEY)
        if recorded:
            return str(recorded)
        chunks, _range = self.read(relative)
        digest = hashlib.sha256()
        for chunk in chunks:
            digest.update(chunk)
        return digest.hexdigest()

    def check(self) -> None:
        """Fail now, with a clear message, if the bucket cannot be reached, read or written."""
        try:
            self._call("head_bucket", "the bucket")
        except FileNotFoundError:
            raise StorageUnavailable(f"the bucket {self.bucket!r} does not exist") from None
        self._call("list_objects_v2", "the bucket", Prefix=self.prefix, MaxKeys=1)
        probe = self.key(f"{TEMP}/.check-{uuid.uuid4()}")  # read-only keys fail here, not later
        self._call("put_object", "a test object", Key=probe, Body=b"")
        self._call("delete_object", "a test object", Key=probe)

    def _call(self, operation: str, relative: str, **arguments: Any) -> Any:
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **arguments)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"{operation} {relative} in {self.url}") from exc


def _stream(body: Any) -> Iterator[bytes]:
    try:
        while chunk := body.read(CHUNK_SIZE):
            yield chunk
    finally:
        body.close()


@lru_cache(maxsize=8)
def _client_for(endpoint_url: str, access_key: str, secret: str, region: str) -> Any:
    """One thread-safe client per endpoint and credentials (they pool connections)."""
    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        # A non-AWS server is usually addressed by path (no bucket DNS names needed).
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        signature_version="s3v4",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret or None,
        config=config,
    )


def s3_client(endpoint_url: str) -> Any:
    """A client from the standard AWS_* variables (read when asked for, like every setting)."""
    return _client_for(
        endpoint_url,
        os.environ.get("AWS_ACCESS_KEY_ID", ""),
        os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
