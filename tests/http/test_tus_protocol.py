"""/tus/ over HTTP: every extension, every refusal, on both storage backends (the fallback
app through TestClient, a real SQLite file and real storage)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.models import Image, Store, TusUpload, utcnow
from imageapp.services.accounts import CurrentUser
from imageapp.services.backends import storage_for
from imageapp.services.storage import TEMP, TUS_PARTS
from tests.cli.commands import run_cli
from tests.http.api_support import new_token
from tests.http.conftest import complete
from tests.http.tus_support import (
    OFFSET_TYPE,
    TUS,
    create,
    head,
    metadata,
    patch,
    path_of,
    upload,
)
from tests.images import jpeg_bytes
from tests.stored import names

pytestmark = pytest.mark.both_storages


def parts(settings: Settings) -> list[str]:
    return names(storage_for(settings), TUS_PARTS)


def tus_rows(settings: Settings) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(TusUpload)) or 0


def pending_rows(settings: Settings) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(Image)) or 0


def started(client: TestClient, data: bytes, first: int) -> str:
    """An upload of ``data`` with its first ``first`` bytes sent."""
    created = create(client, len(data))
    assert created.status_code == 201, created.text
    path = path_of(created)
    sent = patch(client, path, 0, data[:first])
    assert sent.status_code == 204, sent.text
    assert sent.headers["upload-offset"] == str(first)
    return path


def test_options_lists_the_protocol(client: TestClient, app_settings: Settings) -> None:
    response = client.options("/tus/")
    assert response.status_code == 204
    assert response.headers["tus-resumable"] == "1.0.0"
    assert response.headers["tus-version"] == "1.0.0"
    assert response.headers["tus-extension"] == (
        "creation,creation-with-upload,termination,expiration,checksum"
    )
    assert response.headers["tus-checksum-algorithm"] == "sha256"
    assert response.headers["tus-max-size"] == str(app_settings.max_upload_bytes)
    assert "access-control-allow-origin" not in response.headers


def test_creation_then_head(client: TestClient, app_settings: Settings) -> None:
    before = utcnow().replace(microsecond=0)
    created = create(client, 1234)
    assert created.status_code == 201, created.text
    assert re.fullmatch(r"/tus/[0-9a-f]{32}", created.headers["location"])
    assert created.headers["tus-resumable"] == "1.0.0"
    expires = parsedate_to_datetime(created.headers["upload-expires"]).replace(tzinfo=None)
    ttl = timedelta(minutes=app_settings.pending_ttl_minutes)
    assert before + ttl <= expires <= utcnow() + ttl
    found = head(client, path_of(created))
    assert found.status_code == 200
    assert found.headers["upload-offset"] == "0"
    assert found.headers["upload-length"] == "1234"
    assert found.headers["upload-metadata"] == metadata(filename="photo.jpg")
    assert found.headers["cache-control"] == "no-store"
    assert found.headers["upload-expires"] == created.headers["upload-expires"]


def test_chunks_then_get_is_step_one_and_step_two_finishes(
    client: TestClient, app_settings: Settings
) -> None:
    data = jpeg_bytes(seed=3)
    path = upload(client, data, size=len(data) // 5 + 1)
    assert parts(app_settings) == []
    found = client.get(path)
    assert found.status_code == 200, found.text
    body = found.json()
    assert set(body) == {"upload_token", "image_id", "preview_url", "duplicates"}
    assert body["duplicates"] == []
    assert body["preview_url"] == f"/nojs/images/upload/preview?token={body['upload_token']}"
    preview = client.get(body["preview_url"])
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "image/jpeg"
    assert client.get(path).json() == body  # asked again: the same answer
    finished = complete(client, title="Resumed")
    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == f"/nojs/images/{body['image_id']}"
    page = client.get(finished.headers["location"])
    assert "Resumed" in page.text


def test_same_bytes_again_lists_the_duplicate(client: TestClient) -> None:
    data = jpeg_bytes(seed=8)
    first = client.get(upload(client, data)).json()
    assert complete(client, title="First").status_code == 303
    again = client.get(upload(client, data)).json()
    assert again["duplicates"] == [
        {"id": first["image_id"], "title": "First", "url": f"/nojs/images/{first['image_id']}"}
    ]


def test_creation_with_upload(client: TestClient, app_settings: Settings) -> None:
    data = jpeg_bytes(seed=4)
    created = client.post(
        "/tus/",
        content=data[:1000],
        headers=TUS
        | {
            "Upload-Length": str(len(data)),
            "Upload-Metadata": metadata(filename="a.jpg"),
            "Content-Type": OFFSET_TYPE,
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["upload-offset"] == "1000"
    path = path_of(created)
    assert head(client, path).headers["upload-offset"] == "1000"
    assert patch(client, path, 1000, data[1000:]).status_code == 204
    assert client.get(path).status_code == 200


def test_creation_with_the_whole_file(client: TestClient) -> None:
    data = jpeg_bytes(seed=5)
    created = client.post(
        "/tus/",
        content=data,
        headers=TUS | {"Upload-Length": str(len(data)), "Content-Type": OFFSET_TYPE},
    )
    assert created.status_code == 201, created.text
    assert created.headers["upload-offset"] == str(len(data))
    assert set(client.get(path_of(created)).json()) >= {"upload_token", "image_id"}


def test_wrong_offset_is_409_and_changes_nothing(client: TestClient) -> None:
    data = jpeg_bytes(seed=6)
    path = started(client, data, 500)
    for offset in (0, 499, 501, len(data)):
        refused = patch(client, path, offset, data[offset : offset + 100])
        assert refused.status_code == 409, (offset, refused.text)
        assert "500" in refused.json()["errors"][0]["message"]
    assert head(client, path).headers["upload-offset"] == "500"
    assert patch(client, path, 500, data[500:]).status_code == 204


def test_wrong_content_type_is_415(client: TestClient) -> None:
    data = jpeg_bytes(seed=7)
    path = started(client, data, 100)
    for content_type in ("application/octet-stream", "image/jpeg", ""):
        refused = client.patch(
            path,
            content=data[100:],
            headers=TUS | {"Upload-Offset": "100", "Content-Type": content_type},
        )
        assert refused.status_code == 415, refused.text
    assert head(client, path).headers["upload-offset"] == "100"


def test_missing_or_other_tus_version_is_412(client: TestClient) -> None:
    created = create(client, 10)
    path = path_of(created)
    for version in (None, "0.2.2", "2.0.0"):
        headers = {"Upload-Offset": "0", "Content-Type": OFFSET_TYPE}
        if version:
            headers["Tus-Resumable"] = version
        refused = client.patch(path, content=b"0123456789", headers=headers)
        assert refused.status_code == 412
        assert refused.headers["tus-version"] == "1.0.0"
        assert client.head(path, headers={"Tus-Resumable": version or ""}).status_code == 412
    assert create(client, 10, **{"Tus-Resumable": "0.2.2"}).status_code == 412
    assert head(client, path).headers["upload-offset"] == "0"


def test_over_the_size_limit_is_refused_at_creation(
    client: TestClient, app_settings: Settings
) -> None:
    refused = create(client, app_settings.max_upload_bytes + 1)
    assert refused.status_code == 413
    error = refused.json()["errors"][0]
    assert error["code"] == "too_large"
    assert "upload limit" in error["message"]
    assert tus_rows(app_settings) == 0
    assert create(client, app_settings.max_upload_bytes).status_code == 201


def test_more_than_announced_is_413_and_keeps_nothing(
    client: TestClient, app_settings: Settings
) -> None:
    data = jpeg_bytes(seed=9)
    path = started(client, data, 100)
    declared = patch(client, path, 100, data[100:] + b"extra")
    assert declared.status_code == 413, declared.text

    def streamed() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield data[100:]
        yield b"one byte too many"

    undeclared = client.patch(
        path,
        content=streamed(),
        headers=TUS | {"Upload-Offset": "100", "Content-Type": OFFSET_TYPE},
    )
    assert undeclared.status_code == 413, undeclared.text
    assert head(client, path).headers["upload-offset"] == "100"
    assert len(parts(app_settings)) == 1  # only the first 100 bytes' part
    assert patch(client, path, 100, data[100:]).status_code == 204
    assert client.get(path).status_code == 200


def test_the_quota_is_checked_with_the_announced_length(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    with get_engine(app_settings.database_url).begin() as connection:
        connection.execute(
            sa.update(Store).where(Store.id == alice.store_id).values(max_bytes=5000)  # type: ignore[arg-type]
        )
    refused = create(client, 5001)
    assert refused.status_code == 413
    assert refused.json()["errors"][0]["code"] == "quota_bytes"
    assert create(client, 5000).status_code == 201


def test_expired_is_410_then_cleanup_removes_it_and_its_parts(
    client: TestClient, app_settings: Settings
) -> None:
    data = jpeg_bytes(seed=10)
    path = started(client, data, 1000)
    assert len(parts(app_settings)) == 1
    past = utcnow() - timedelta(minutes=app_settings.pending_ttl_minutes + 1)
    with get_engine(app_settings.database_url).begin() as connection:
        connection.execute(sa.update(TusUpload).values(created_at=past, expires_at=past))
    assert head(client, path).status_code == 410
    assert patch(client, path, 1000, data[1000:]).status_code == 410
    assert client.get(path).status_code == 410
    done = run_cli("cleanup-temp", env={})
    assert done.returncode == 0, done.stderr
    assert "1 expired resumable upload" in done.stdout
    assert head(client, path).status_code == 404
    assert tus_rows(app_settings) == 0
    assert parts(app_settings) == []
    assert names(storage_for(app_settings), TEMP) == []


def test_someone_elses_upload_is_404(
    client: TestClient, other_client: TestClient, stranger_client: TestClient
) -> None:
    data = jpeg_bytes(seed=11)
    path = started(client, data, 300)
    for intruder in (other_client, stranger_client):
        assert head(intruder, path).status_code == 404
        assert patch(intruder, path, 300, data[300:]).status_code == 404
        assert intruder.delete(path, headers=TUS).status_code == 404
        assert intruder.get(path).status_code == 404
    assert head(client, path).headers["upload-offset"] == "300"
    assert patch(client, path, 300, data[300:]).status_code == 204
    assert other_client.get(path).status_code == 404
    assert client.get(path).status_code == 200


def test_without_a_login_is_401(anonymous: TestClient) -> None:
    refused = create(anonymous, 10)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "login_required"


def test_an_api_token_uploads_and_the_api_finishes(
    anonymous: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    token = new_token(app_settings.database_url, alice)
    anonymous.headers["Authorization"] = f"Bearer {token}"
    path = upload(anonymous, jpeg_bytes(seed=12), size=2000)
    body = anonymous.get(path).json()
    assert body["preview_url"] == f"/api/v1/uploads/{body['upload_token']}/preview"
    assert anonymous.get(body["preview_url"]).status_code == 200
    finished = anonymous.post(
        f"/api/v1/uploads/{body['upload_token']}",
        json={"title": "By token", "alt_text": "Uploaded by a script"},
    )
    assert finished.status_code == 201, finished.text
    assert finished.json()["id"] == body["image_id"]


def test_a_read_token_or_a_revoked_one_is_refused(
    anonymous: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    reader = new_token(app_settings.database_url, alice, scope="read")
    assert create(anonymous, 10, Authorization=f"Bearer {reader}").status_code == 403
    assert create(anonymous, 10, Authorization="Bearer not-a-token").status_code == 401


def test_termination_keeps_nothing(client: TestClient, app_settings: Settings) -> None:
    data = jpeg_bytes(seed=13)
    path = started(client, data, 700)
    gone = client.delete(path, headers=TUS)
    assert gone.status_code == 204
    assert gone.headers["tus-resumable"] == "1.0.0"
    assert head(client, path).status_code == 404
    assert patch(client, path, 700, data[700:]).status_code == 404
    assert client.delete(path, headers=TUS).status_code == 404
    assert tus_rows(app_settings) == 0
    assert parts(app_settings) == []


def test_a_refused_file_keeps_nothing_and_get_says_why(
    client: TestClient, app_settings: Settings
) -> None:
    data = b"This is a text file, not an image at all. " * 200
    path = upload(client, data, size=3000, filename="notes.jpg")
    refused = client.get(path)
    assert refused.status_code == 415, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "image_file"
    assert error["code"] == "not_an_image"
    assert client.get(path).json() == refused.json()  # kept until it expires
    assert pending_rows(app_settings) == 0
    assert parts(app_settings) == []
    assert names(storage_for(app_settings), TEMP) == []


def test_a_retried_last_patch_finishes_once(client: TestClient, app_settings: Settings) -> None:
    data = jpeg_bytes(seed=14)
    path = upload(client, data, size=5000)
    first = client.get(path).json()
    again = patch(client, path, len(data), b"")
    assert again.status_code == 204
    assert again.headers["upload-offset"] == str(len(data))
    assert patch(client, path, 0, data).status_code == 409
    assert client.get(path).json() == first
    assert pending_rows(app_settings) == 1


def test_get_before_the_last_byte_is_409(client: TestClient) -> None:
    data = jpeg_bytes(seed=15)
    path = started(client, data, 100)
    early = client.get(path)
    assert early.status_code == 409
    assert early.headers["upload-offset"] == "100"


def test_other_sites_are_refused(client: TestClient) -> None:
    evil = create(client, 10, Origin="https://evil.example")
    assert evil.status_code == 403
    assert "access-control-allow-origin" not in evil.headers
    assert create(client, 10, Origin="http://testserver").status_code == 201


def test_malformed_headers_are_400(client: TestClient) -> None:
    assert create(client, 10, **{"Upload-Length": "-1"}).status_code == 400
    bad = client.post("/tus/", headers=TUS | {"Upload-Defer-Length": "1"})
    assert bad.status_code == 400
    broken = client.post(
        "/tus/", headers=TUS | {"Upload-Length": "10", "Upload-Metadata": "filename !!!"}
    )
    assert broken.status_code == 400
    path = path_of(create(client, 10))
    assert (
        client.patch(path, content=b"x", headers=TUS | {"Content-Type": OFFSET_TYPE}).status_code
        == 400
    )
    assert head(client, "/tus/not-an-id").status_code in (404, 422)


def checksum_of(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_a_checksum_that_matches_counts_one_that_does_not_keeps_nothing(
    client: TestClient, app_settings: Settings
) -> None:
    data = jpeg_bytes(seed=16)
    path = path_of(create(client, len(data)))
    good = patch(client, path, 0, data[:800], **{"Upload-Checksum": checksum_of(data[:800])})
    assert good.status_code == 204
    bad = patch(client, path, 800, data[800:], **{"Upload-Checksum": checksum_of(b"other")})
    assert bad.status_code == 460
    assert bad.json()["errors"][0]["code"] == "checksum_mismatch"
    assert head(client, path).headers["upload-offset"] == "800"
    assert len(parts(app_settings)) == 1
    other = patch(client, path, 800, data[800:], **{"Upload-Checksum": "md5 AAAA"})
    assert other.status_code == 400
    rest = patch(client, path, 800, data[800:], **{"Upload-Checksum": checksum_of(data[800:])})
    assert rest.status_code == 204
    assert client.get(path).status_code == 200


def test_an_empty_upload_is_complete_at_creation_and_refused(
    client: TestClient, app_settings: Settings
) -> None:
    created = create(client, 0)
    assert created.status_code == 201
    assert created.headers["upload-offset"] == "0"
    refused = client.get(path_of(created))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "empty"
    assert pending_rows(app_settings) == 0
