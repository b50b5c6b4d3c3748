"""The public side of share links, as a browser without an account (and without JavaScript)
sees it: the page, its password form, gone links (410), and files of that link only."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.models import utcnow
from imageapp.services.accounts import CurrentUser
from imageapp.services.share_links import MAX_PASSWORD_FAILURES, ShareLinkService
from tests.http.conftest import bulk, csrf_of, finished_image, move_to_trash, new_gallery

SRC = re.compile(r'<img src="([^"]+)"')


def links(settings: Settings) -> ShareLinkService:
    return ShareLinkService(get_engine(settings.database_url))


def gallery_of(client: TestClient, title: str, image_ids: list[int]) -> int:
    gallery_id = new_gallery(client, title, description="Boats in the bay")
    assert bulk(client, image_ids, "add_to_gallery", gallery_id=str(gallery_id)).status_code == 303
    return gallery_id


def test_a_shared_gallery_shows_its_active_images_in_order(
    client: TestClient, anonymous: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    first = finished_image(client, "Red boat", 1, alt_text="A red boat at the quay")
    second = finished_image(client, "Blue boat", 2, alt_text="A blue boat under sail")
    gallery_id = gallery_of(client, "Harbour", [first, second])
    made = links(app_settings).create(
        store_id=alice.store_id, user_id=alice.id, gallery_id=gallery_id
    )

    page = anonymous.get(f"/s/{made.token}")
    assert page.status_code == 200
    assert page.headers["x-robots-tag"].startswith("noindex")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in page.text
    assert "Harbour" in page.text
    assert "Boats in the bay" in page.text
    assert page.text.index("A red boat at the quay") < page.text.index("A blue boat under sail")
    assert '<source type="image/avif"' in page.text
    assert f"/media/{first}/" not in page.text.replace(f"/s/{made.token}/media/{first}/", "")
    assert "Download the original" not in page.text
    picture = SRC.findall(page.text)[0]
    assert picture.startswith(f"/s/{made.token}/media/{first}/web.")
    shown = anonymous.get(picture)
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "public, max-age=3600"
    assert shown.headers["x-robots-tag"].startswith("noindex")
    assert anonymous.get(f"/s/{made.token}/download/{first}").status_code == 404  # not allowed

    # Made inactive: gone from the page and its files at once.
    assert bulk(client, [first], "set_inactive").status_code == 303
    page = anonymous.get(f"/s/{made.token}")
    assert "A red boat at the quay" not in page.text
    assert anonymous.get(picture).status_code == 404

    # Moved to the trash: gone at once too; restored: back in its place.
    second_picture = SRC.findall(page.text)[0]
    assert second_picture.startswith(f"/s/{made.token}/media/{second}/web.")
    assert move_to_trash(client, [second]).status_code == 303
    page = anonymous.get(f"/s/{made.token}")
    assert page.status_code == 200
    assert "A blue boat under sail" not in page.text
    assert anonymous.get(second_picture).status_code == 404
    restored = client.post(
        "/nojs/trash/restore",
        data={"csrf_token": csrf_of(client, "/nojs/trash"), "image_id": str(second)},
    )
    assert restored.status_code == 303
    assert "A blue boat under sail" in anonymous.get(f"/s/{made.token}").text
    assert anonymous.get(second_picture).status_code == 200


def test_nothing_outside_the_link_is_reachable(
    client: TestClient, anonymous: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    inside = finished_image(client, "Inside", 1)
    outside = finished_image(client, "Outside", 2)
    gallery_a = gallery_of(client, "A", [inside])
    gallery_of(client, "B", [outside])
    made = links(app_settings).create(
        store_id=alice.store_id, user_id=alice.id, gallery_id=gallery_a
    )
    page = anonymous.get(f"/s/{made.token}")
    name = SRC.findall(page.text)[0].rsplit("/", 1)[1]
    assert anonymous.get(f"/s/{made.token}/media/{inside}/{name}").status_code == 200
    for path in (
        f"/s/{made.token}/media/{outside}/{name}",
        f"/s/{made.token}/media/{outside}/web.webp",
        f"/s/{made.token}/download/{outside}",
        f"/s/{made.token}/media/{inside}/original.jpg",
        f"/media/{inside}",  # the members' route still wants a login
        f"/s/{made.token}x",
    ):
        assert anonymous.get(path).status_code == 404, path


def test_downloads_when_allowed(
    client: TestClient, anonymous: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    image = finished_image(client, "Pier", 1)
    expires = (utcnow() + timedelta(days=1)).date()
    made = links(app_settings).create(
        store_id=alice.store_id,
        user_id=alice.id,
        image_id=image,
        allow_download=True,
        expires_on=expires,
    )
    page = anonymous.get(f"/s/{made.token}")
    assert "Download the original" in page.text
    original = anonymous.get(f"/s/{made.token}/download/{image}")
    assert original.status_code == 200
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["content-disposition"].startswith("attachment")
    max_age = int(original.headers["cache-control"].rsplit("=", 1)[1])
    assert 0 < max_age <= 3600


def test_expired_and_revoked_links_are_gone(
    client: TestClient, anonymous: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    image = finished_image(client, "Pier", 1)
    service = links(app_settings)
    expired = service.create(store_id=alice.store_id, user_id=alice.id, image_id=image)
    revoked = service.create(store_id=alice.store_id, user_id=alice.id, image_id=image)
    with get_engine(app_settings.database_url).begin() as connection:
        connection.execute(
            sa.text("UPDATE share_link SET expires_at = :t WHERE id = :i"),
            {"t": utcnow() - timedelta(minutes=1), "i": expired.info.id},
        )
    service.revoke(store_id=alice.store_id, link_id=revoked.info.id)
    for token, words in ((expired.token, "expired"), (revoked.token, "turned off")):
        page = anonymous.get(f"/s/{token}")
        assert page.status_code == 410
        assert words in page.text
        assert page.headers["x-robots-tag"].startswith("noindex")
        assert anonymous.get(f"/s/{token}/download/{image}").status_code == 404
    assert anonymous.get("/s/unknown-token").status_code == 404


def test_password_page_and_throttle(
    client: TestClient, anonymous: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    image = finished_image(client, "Secret pier", 1, alt_text="A pier at night")
    made = links(app_settings).create(
        store_id=alice.store_id, user_id=alice.id, image_id=image, password="open sesame"
    )
    page = anonymous.get(f"/s/{made.token}")
    assert page.status_code == 200
    assert "Password needed" in page.text
    assert "A pier at night" not in page.text
    assert page.headers["cache-control"] == "no-store"
    csrf = csrf_of(anonymous, f"/s/{made.token}")
    assert anonymous.post(f"/s/{made.token}", data={"password": "x"}).status_code == 403
    wrong = anonymous.post(f"/s/{made.token}", data={"csrf_token": csrf, "password": "guess"})
    assert wrong.status_code == 303
    assert "not the password" in anonymous.get(f"/s/{made.token}").text
    right = anonymous.post(f"/s/{made.token}", data={"csrf_token": csrf, "password": "open sesame"})
    assert right.status_code == 303
    opened = anonymous.get(f"/s/{made.token}")
    assert "A pier at night" in opened.text
    picture = SRC.findall(opened.text)[0]
    assert anonymous.get(picture).headers["cache-control"].startswith("private")

    with TestClient(client.app, base_url="http://testserver", follow_redirects=False) as other:
        token = csrf_of(other, f"/s/{made.token}")
        for _ in range(MAX_PASSWORD_FAILURES):
            answer = other.post(f"/s/{made.token}", data={"csrf_token": token, "password": "g"})
            assert answer.status_code == 303, answer.text
        other.post(f"/s/{made.token}", data={"csrf_token": token, "password": "open sesame"})
        page = other.get(f"/s/{made.token}")
        assert "Too many wrong passwords" in page.text
        assert "A pier at night" not in page.text
        assert other.get(picture).status_code == 404


def test_a_shared_image_shows_its_edit_and_downloads_the_original(
    client: TestClient, anonymous: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    import io

    from PIL import Image

    from imageapp.jobs.tasks import get_jobs
    from imageapp.services.edits import CropBox, ImageEdit, save_edit

    image = finished_image(client, "Mast", 3)  # 64 x 48
    made = links(app_settings).create(
        store_id=alice.store_id, user_id=alice.id, image_id=image, allow_download=True
    )
    original = anonymous.get(f"/s/{made.token}/download/{image}").content
    before = SRC.findall(anonymous.get(f"/s/{made.token}").text)[0]
    saved = save_edit(
        get_engine(app_settings.database_url),
        get_jobs(app_settings),
        store_id=alice.store_id,
        image_id=image,
        edit=ImageEdit(rotate=270, crop=CropBox(0, 0, 40, 30)),
    )
    assert saved is not None
    page = anonymous.get(f"/s/{made.token}").text
    picture = SRC.findall(page)[0]
    assert picture != before
    shown = Image.open(io.BytesIO(anonymous.get(picture).content))
    assert shown.size == (30, 40)  # the 40 x 30 crop, turned a quarter
    assert 'width="30" height="40"' in page
    assert anonymous.get(f"/s/{made.token}/download/{image}").content == original
