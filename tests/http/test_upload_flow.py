"""The no-JS upload workflow over HTTP: every numbered point of the fallback issue."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image as PILImage

from imageapp.config import Settings
from imageapp.models import Image, utcnow
from imageapp.services.uploads import UploadService
from tests.http.conftest import complete, csrf_of, upload
from tests.images import (
    HTML,
    IMAGE_FACTORIES,
    SVG,
    jpeg_bytes,
    mpo_bytes,
    png_bytes,
    truncated_jpeg,
)
from tests.images_metadata import oriented_file, upright_quadrants
from tests.services.test_upload_formats import (
    assert_no_personal_metadata,
    assert_shows,
    served_files,
)
from tests.stored import image_names, temp_names

# Touches stored files: runs on the local disk and on S3 (SeaweedFS).
pytestmark = pytest.mark.both_storages


def stored(service: UploadService) -> tuple[list[str], list[str]]:
    return (
        temp_names(service.storage),
        [name for name in image_names(service.storage) if name.count(".") == 1],
    )


def rows(service: UploadService) -> list[tuple[int, str]]:
    with service.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.select(Image.id, Image.status))]


def test_step_one_form(client: TestClient, app_settings: Settings) -> None:
    response = client.get("/nojs/images/upload")
    assert response.status_code == 200
    html = response.text
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" id="image_file" name="image_file"' in html
    assert (
        'accept="image/jpeg,image/png,image/gif,image/webp,image/heic,image/heic-sequence,'
        'image/heif,image/heif-sequence,image/avif,.heic,.heif,.avif"'
    ) in html
    assert "at most 25 MB" in html
    assert 'name="csrf_token"' in html
    form = re.search(r'<form[^>]*action="/nojs/images/upload".*?</form>', html, re.S)
    assert form
    assert re.findall(r"<input[^>]*name=\"(\w+)\"", form.group(0)) == ["csrf_token", "image_file"]
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_valid_upload_goes_to_step_two(client: TestClient, service: UploadService) -> None:
    response = upload(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/nojs/images/upload/metadata"
    assert len(stored(service)[0]) == 1
    page = client.get("/nojs/images/upload/metadata")
    assert page.status_code == 200
    assert '<img src="/nojs/images/upload/preview"' in page.text
    for field in ("title", "alt_text", "description", "slug", "tags"):
        assert f'<label for="{field}">' in page.text
        assert f'id="{field}" name="{field}"' in page.text
    assert 'type="file"' not in page.text
    assert 'name="upload_token"' in page.text
    for button in ("Complete upload", "Cancel upload", "Upload a different image"):
        assert button in page.text


@pytest.mark.parametrize(
    ("payload", "filename", "message"),
    [
        (b"", "empty.jpg", "The file is empty"),
        (HTML, "page.jpg", "This is not a JPEG, PNG, GIF, WebP, HEIC or AVIF image."),
        (SVG, "logo.svg", "SVG"),
        (truncated_jpeg(), "cut.jpg", "damaged or incomplete"),
    ],
)
def test_invalid_upload_returns_to_step_one_with_reason(
    client: TestClient, service: UploadService, payload: bytes, filename: str, message: str
) -> None:
    response = upload(client, payload, filename)
    assert response.status_code == 303
    assert response.headers["location"] == "/nojs/images/upload"
    page = client.get("/nojs/images/upload")
    assert message in page.text
    assert 'role="alert"' in page.text
    assert stored(service) == ([], [])
    assert rows(service) == []


def test_no_file_chosen(client: TestClient) -> None:
    response = client.post(
        "/nojs/images/upload",
        data={"csrf_token": csrf_of(client)},
        files={"image_file": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 303
    assert "Choose an image file" in client.get("/nojs/images/upload").text


def test_oversize_declared_length_is_refused_before_storing(
    client: TestClient, service: UploadService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.settings, "max_upload_bytes", 100_000)
    big = jpeg_bytes() + b"\0" * 300_000
    response = upload(client, big)
    assert response.status_code == 303
    assert "File is larger than 97.7 KB" in client.get("/nojs/images/upload").text
    assert stored(service) == ([], [])


def test_json_variant_of_step_one(client: TestClient, service: UploadService) -> None:
    response = upload(client, headers={"Accept": "application/json"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"upload_token", "image_id", "preview_url", "duplicates"}
    assert body["duplicates"] == []
    preview = client.get(body["preview_url"])
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "image/jpeg"

    refused = upload(client, HTML, headers={"X-Requested-With": "XMLHttpRequest"})
    assert refused.status_code == 415
    assert refused.json()["errors"][0]["code"] == "not_an_image"
    assert "not a JPEG" in refused.json()["errors"][0]["message"]


def test_a_multi_picture_jpeg_is_accepted_at_step_one(
    client: TestClient, service: UploadService
) -> None:
    response = upload(client, mpo_bytes(), "phone.jpg", headers={"Accept": "application/json"})
    assert response.status_code == 201, response.text
    preview = client.get(response.json()["preview_url"])
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "image/jpeg"
    assert b"MPF\x00" not in preview.content  # one picture: the second one was dropped


def test_metadata_error_keeps_values_and_the_file(
    client: TestClient, service: UploadService
) -> None:
    upload(client)
    response = complete(
        client,
        title="",
        alt_text="Waves",
        description="Line one\nLine <two>",
        slug="Not OK",
        tags="a, b",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/nojs/images/upload/metadata"
    page = client.get("/nojs/images/upload/metadata").text
    assert 'id="title_error">Enter a title.' in page
    assert 'id="slug_error">Use only lowercase letters' in page
    assert 'value="Waves"' in page
    assert "Line one\nLine &lt;two&gt;</textarea>" in page
    assert 'value="Not OK"' in page
    assert 'value="a, b"' in page
    assert 'aria-invalid="true"' in page
    assert len(stored(service)[0]) == 1
    assert rows(service)[0][1] == "pending"


def test_complete_activates_and_shows_the_image(client: TestClient, service: UploadService) -> None:
    upload(client, png_bytes((40, 30)), "shot.png")
    response = complete(client, title="Harbour at dawn", tags="Sea, boats", description="Calm")
    assert response.status_code == 303
    image_id = rows(service)[0][0]
    assert response.headers["location"] == f"/nojs/images/{image_id}"
    page = client.get(response.headers["location"]).text
    assert "Your image was uploaded." in page
    assert "Harbour at dawn" in page
    assert "boats" in page
    assert "harbour-at-dawn" in page
    assert stored(service)[0] == []
    assert len(stored(service)[1]) == 1
    media = client.get(f"/media/{image_id}")
    assert media.status_code == 200
    assert media.headers["content-type"] == "image/png"
    assert media.headers["x-content-type-options"] == "nosniff"
    assert 'filename="harbour-at-dawn.png"' in media.headers["content-disposition"]
    # the session's token is gone: step 2 now sends people back to step 1
    again = client.get("/nojs/images/upload/metadata")
    assert again.headers["location"] == "/nojs/images/upload"


def test_double_submit_of_step_two_gives_the_same_image(
    client: TestClient, service: UploadService
) -> None:
    upload(client)
    page = client.get("/nojs/images/upload/metadata").text
    token = re.search(r'name="upload_token" value="([^"]+)"', page)
    assert token
    form = {
        "csrf_token": csrf_of(client),
        "upload_token": token.group(1),
        "title": "Once",
        "alt_text": "Only one",
    }
    first = client.post("/nojs/images/upload/metadata", data=form)
    second = client.post("/nojs/images/upload/metadata", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(rows(service)) == 1


def test_form_token_must_match_the_sessions(client: TestClient, service: UploadService) -> None:
    upload(client)
    first_token = service.list_pending(owner=_owner(service))[0].upload_token
    upload(client)  # the session moves on to a second upload
    response = client.post(
        "/nojs/images/upload/metadata",
        data={
            "csrf_token": csrf_of(client),
            "upload_token": first_token,
            "title": "T",
            "alt_text": "A",
        },
    )
    assert response.status_code == 409
    assert [status for _, status in rows(service)] == ["pending", "pending"]


def _owner(service: UploadService) -> str:
    with service.engine.connect() as connection:
        return connection.scalar(sa.select(Image.upload_owner))


def test_cancel_removes_everything(client: TestClient, service: UploadService) -> None:
    upload(client)
    response = client.post("/nojs/images/upload/cancel", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303
    assert response.headers["location"] == "/nojs/images"
    assert "Upload cancelled." in client.get("/nojs/images").text
    assert stored(service) == ([], [])
    assert rows(service) == []
    assert client.get("/nojs/images/upload/preview").status_code == 404


def test_upload_different_discards_and_returns_to_step_one(
    client: TestClient, service: UploadService
) -> None:
    upload(client)
    response = client.post("/nojs/images/upload/different", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303
    assert response.headers["location"] == "/nojs/images/upload"
    assert "Choose another image." in client.get("/nojs/images/upload").text
    assert stored(service) == ([], [])


@pytest.mark.parametrize("how", ["expired", "cleaned"])
def test_expired_upload_sends_people_to_step_one(
    client: TestClient, service: UploadService, how: str
) -> None:
    upload(client)
    with service.engine.begin() as connection:
        if how == "expired":
            connection.execute(sa.update(Image).values(created_at=utcnow().replace(year=2001)))
    if how == "cleaned":
        token = service.list_pending(owner=_owner(service))[0].upload_token
        service.cleanup.cleanup_single_pending(token)
    expected = "Your upload expired or was not found; please upload the image again."
    response = client.get("/nojs/images/upload/metadata")
    assert response.headers["location"] == "/nojs/images/upload"
    assert expected in client.get("/nojs/images/upload").text
    posted = complete_without_page(client)
    assert posted.headers["location"] == "/nojs/images/upload"
    assert expected in client.get("/nojs/images/upload").text


def complete_without_page(client: TestClient):  # -> httpx.Response
    return client.post(
        "/nojs/images/upload/metadata",
        data={"csrf_token": csrf_of(client), "upload_token": "", "title": "T", "alt_text": "A"},
    )


def test_a_heic_preview_is_a_jpeg_made_from_the_stored_file(
    client: TestClient, service: UploadService
) -> None:
    """On a bucket too: the HEIC is fetched to a spool file, converted, the spool file gone."""
    response = upload(client, IMAGE_FACTORIES["image/heic"]((64, 48)), filename="phone.heic")
    assert response.status_code == 303, response.text
    preview = client.get("/nojs/images/upload/preview")
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "image/jpeg"
    assert preview.headers["x-content-type-options"] == "nosniff"
    assert PILImage.open(io.BytesIO(preview.content)).size == (64, 48)
    spool = service.settings.storage_dir / "spool"
    assert not spool.exists() or list(spool.iterdir()) == []


def test_preview_headers_and_ownership(
    client: TestClient, other_client: TestClient, service: UploadService
) -> None:
    body = upload(client, headers={"Accept": "application/json"}).json()
    own = client.get("/nojs/images/upload/preview")
    assert own.status_code == 200
    assert own.headers["content-type"] == "image/jpeg"
    assert own.headers["x-content-type-options"] == "nosniff"
    assert own.headers["cache-control"] == "no-store"
    assert other_client.get(body["preview_url"]).status_code == 404
    assert other_client.get("/nojs/images/upload/preview").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/nojs/images/upload",
        "/nojs/images/upload/metadata",
        "/nojs/images/upload/cancel",
        "/nojs/images/upload/different",
    ],
)
@pytest.mark.parametrize("csrf", [None, "wrong-token"])
def test_posts_without_valid_csrf_are_refused(
    client: TestClient, service: UploadService, path: str, csrf: str | None
) -> None:
    upload(client)
    before = (stored(service), rows(service))
    data = {} if csrf is None else {"csrf_token": csrf}
    if path == "/nojs/images/upload":
        response = client.post(path, data=data, files={"image_file": ("a.jpg", jpeg_bytes())})
    else:
        response = client.post(path, data=data | {"title": "T", "alt_text": "A"})
    assert response.status_code == 403
    assert "expired" in response.text
    assert (stored(service), rows(service)) == before


def test_pending_and_unknown_images_are_not_served(
    client: TestClient, service: UploadService
) -> None:
    body = upload(client, headers={"Accept": "application/json"}).json()
    assert client.get(f"/media/{body['image_id']}").status_code == 404
    assert client.get(f"/nojs/images/{body['image_id']}").status_code == 404
    assert client.get("/media/999").status_code == 404


def test_inactive_images_are_not_served(client: TestClient, service: UploadService) -> None:
    upload(client)
    complete(client)
    image_id = rows(service)[0][0]
    assert client.get(f"/media/{image_id}").status_code == 200
    with service.engine.begin() as connection:
        connection.execute(sa.update(Image).values(status="inactive"))
    assert client.get(f"/media/{image_id}").status_code == 404
    assert client.get(f"/nojs/images/{image_id}").status_code == 404


def test_library_lists_newest_first_with_pages(
    client: TestClient, service: UploadService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.settings, "page_size", 2)
    for n in range(3):
        upload(client, jpeg_bytes(seed=n))
        complete(client, title=f"Picture {n}")
    first = client.get("/nojs/images").text
    assert first.index("Picture 2") < first.index("Picture 1")
    assert "Picture 0" not in first
    assert "3 images, page 1 of 2" in first
    assert 'href="/nojs/images?page=2"' in first
    second = client.get("/nojs/images?page=2").text
    assert "Picture 0" in second
    assert '<img src="/media/' in second


def test_empty_library(client: TestClient) -> None:
    assert "No images yet." in client.get("/nojs/images").text


def test_oversize_body_without_content_length_is_counted_while_streaming(
    client: TestClient, service: UploadService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.settings, "max_upload_bytes", 100_000)
    boundary = "imageapp-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{csrf_of(client)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="image_file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()

    def body():  # a generator: sent chunked, with no Content-Length header
        yield head + jpeg_bytes()
        for _ in range(40):
            yield b"\0" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        "/nojs/images/upload",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 303
    assert "File is larger than" in client.get("/nojs/images/upload").text
    assert stored(service) == ([], [])
    assert rows(service) == []


@pytest.mark.parametrize("path", ["/nojs/images/abc", "/nojs/galleries/abc", "/media/abc"])
def test_malformed_ids_are_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "application/json" not in response.headers["content-type"]


@pytest.mark.local_storage_only  # pixels of every copy, read as local files
@pytest.mark.parametrize("kind", ["heic", "avif"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_heic_and_avif_upload_without_javascript(
    client: TestClient, service: UploadService, kind: str, orientation: int, tmp_path: Path
) -> None:
    """Both steps of the no-JS form; every file it serves is upright and clean. The step-2
    preview of a HEIC is a JPEG (only Safari shows HEIC); an AVIF's is the file itself."""
    reference = upright_quadrants((120, 60)).convert("RGBA")
    response = upload(client, oriented_file(kind, orientation), filename=f"phone.{kind}")
    assert response.status_code == 303, response.text
    preview = client.get("/nojs/images/upload/preview")
    shown_as = "image/jpeg" if kind == "heic" else "image/avif"
    assert preview.headers["content-type"] == shown_as
    assert preview.headers["x-content-type-options"] == "nosniff"
    (tmp_path / "preview").write_bytes(preview.content)
    assert_shows(tmp_path / "preview", reference, (kind, orientation, "preview"))
    assert_no_personal_metadata(tmp_path / "preview")
    response = complete(client)
    assert response.status_code == 303, response.text
    image_id = int(response.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/nojs/images/{image_id}").text
    assert f'<source type="image/avif" srcset="/media/{image_id}/web.' in page
    files = served_files(service.engine, service.storage, image_id)
    assert len(files) == 7
    for name, path in files.items():
        assert_shows(path, reference, (kind, orientation, name))
        assert_no_personal_metadata(path)
    avif = client.get(f"/media/{image_id}/web.avif")
    assert avif.headers["content-type"] == "image/avif"
    assert avif.headers["x-content-type-options"] == "nosniff"
    assert PILImage.open(io.BytesIO(avif.content)).format == "AVIF"
    original = client.get(f"/media/{image_id}")
    assert original.headers["content-type"] == f"image/{kind}"  # still downloadable as it is
