"""Making, listing and turning off share links on the no-JS gallery and image pages."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.http.conftest import csrf_of, finished_image, flash_of, new_gallery

NEW_LINK = re.compile(r'id="new_share_url"[^>]*value="([^"]+)"')


def share(client: TestClient, action: str, page: str, **fields: str):
    return client.post(action, data={"csrf_token": csrf_of(client, page)} | fields)


def test_gallery_link_made_shown_once_visited_and_turned_off(
    client: TestClient, anonymous: TestClient
) -> None:
    image = finished_image(client, "Boat", 1, alt_text="A boat at the quay")
    gallery_id = new_gallery(client, "Harbour")
    page = f"/nojs/galleries/{gallery_id}"
    client.post(
        "/nojs/images/bulk",
        data={
            "csrf_token": csrf_of(client, "/nojs/images"),
            "action": "add_to_gallery",
            "image_id": str(image),
            "gallery_id": str(gallery_id),
        },
    )
    assert "No share links yet" in client.get(page).text
    made = share(
        client, f"{page}/share", page, expires_at="2999-12-31", password="", allow_download="1"
    )
    assert made.status_code == 303
    assert made.headers["location"] == f"{page}#share-links"
    shown = client.get(page).text
    found = NEW_LINK.search(shown)
    assert found, shown
    url = found.group(1)
    assert re.fullmatch(r"http://testserver/s/[A-Za-z0-9_-]{40,}", url)
    assert "until 3000-01-01 00:00 UTC, no password, originals downloadable" in html.unescape(shown)
    again = client.get(page).text
    assert url not in again  # shown once
    assert "not visited yet" in again

    public = anonymous.get(url.removeprefix("http://testserver"))
    assert public.status_code == 200
    assert "A boat at the quay" in public.text
    assert "last visit" in client.get(page).text

    link_id = re.search(r'action="/nojs/share-links/(\d+)/revoke"', again)
    assert link_id
    off = client.post(
        f"/nojs/share-links/{link_id.group(1)}/revoke",
        data={"csrf_token": csrf_of(client, page), "next": page},
    )
    assert off.status_code == 303
    assert off.headers["location"] == f"{page}#share-links"
    assert "turned off" in flash_of(client, page)
    assert anonymous.get(url.removeprefix("http://testserver")).status_code == 410


def test_image_link_with_a_password_and_refusals(
    client: TestClient, anonymous: TestClient, stranger_client: TestClient
) -> None:
    image = finished_image(client, "Pier", 1)
    page = f"/nojs/images/{image}"
    bad = share(client, f"{page}/share", page, expires_at="31/12/2999")
    assert bad.status_code == 303
    text = html.unescape(client.get(page).text)
    assert "Enter a date as YYYY-MM-DD" in text
    past = share(client, f"{page}/share", page, expires_at="2000-01-01")
    assert past.status_code == 303
    assert "Choose today or a later day" in html.unescape(client.get(page).text)
    made = share(client, f"{page}/share", page, password="open sesame")
    assert made.status_code == 303
    text = html.unescape(client.get(page).text)
    assert "no expiry, password, no downloads" in text
    # Someone of another store can neither share this image nor turn its links off.
    theirs = share(stranger_client, f"{page}/share", "/nojs/images")
    assert theirs.status_code == 404
    link_id = re.search(r'action="/nojs/share-links/(\d+)/revoke"', text)
    assert link_id
    stranger_client.post(
        f"/nojs/share-links/{link_id.group(1)}/revoke",
        data={"csrf_token": csrf_of(stranger_client, "/nojs/images"), "next": "/nojs/images"},
    )
    assert "no password" not in html.unescape(client.get(page).text)
    assert "no expiry, password" in html.unescape(client.get(page).text)
    # CSRF on both forms.
    assert client.post(f"{page}/share", data={"csrf_token": "forged"}).status_code == 403
    revoke = client.post(f"/nojs/share-links/{link_id.group(1)}/revoke", data={})
    assert revoke.status_code == 403
