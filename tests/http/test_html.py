"""Every fallback page is valid HTML5 (strict parser) and every form field has its label."""

from __future__ import annotations

from html.parser import HTMLParser

import html5lib
import pytest
from fastapi.testclient import TestClient

from imageapp.services.uploads import UploadService
from tests.http.conftest import (
    bulk,
    complete,
    csrf_of,
    finished_image,
    new_gallery,
    post_form,
    upload,
)


class FieldsAndLabels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str | None] = []
        self.labels: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        if tag in ("input", "textarea", "select") and attributes.get("type") != "hidden":
            self.fields.append(attributes.get("id"))


def check_page(html: str) -> None:
    html5lib.HTMLParser(strict=True).parse(html)  # raises on any parse error
    checker = FieldsAndLabels()
    checker.feed(html)
    assert len(checker.ids) == len(set(checker.ids)), "duplicate id"
    for field_id in checker.fields:
        assert field_id, "a form field without an id cannot have a <label for>"
        assert field_id in checker.labels, f"no <label for={field_id!r}>"


def pages(client: TestClient, service: UploadService) -> dict[str, str]:
    found = {"empty list": client.get("/nojs/images").text}
    found["step 1"] = client.get("/nojs/images/upload").text
    upload(client)
    found["step 2"] = client.get("/nojs/images/upload/metadata").text
    complete(client, title="", slug="BAD", tags="x" * 60)
    found["step 2 with errors"] = client.get("/nojs/images/upload/metadata").text
    response = complete(client, title='Quotes " & <tags>', description="a\nb", tags="x, y")
    found["detail"] = client.get(response.headers["location"]).text
    found["list"] = client.get("/nojs/images").text
    upload(client)  # the same bytes again
    found["step 2, duplicate"] = client.get("/nojs/images/upload/metadata").text
    found["404"] = client.get("/nojs/images/424242").text
    found["403"] = client.post("/nojs/images/upload/cancel", data={}).text
    found |= gallery_pages(client)
    return found


def gallery_pages(client: TestClient) -> dict[str, str]:
    """Galleries, the filtered library with its bulk form, and the confirmation steps."""
    found = {"no galleries": client.get("/nojs/galleries").text}
    client.post("/nojs/galleries", data={"csrf_token": csrf_of(client), "title": "", "slug": "X"})
    found["new gallery with errors"] = client.get("/nojs/galleries").text
    gallery = new_gallery(client, 'Summer "25" & <more>', description="Sun\nSea")
    upload(client)
    client.post("/nojs/images/upload/cancel", data={"csrf_token": csrf_of(client)})
    upload(client)
    complete(client, title="x", gallery_id="424242")
    found["step 2 with a gallery error"] = client.get("/nojs/images/upload/metadata").text
    client.post("/nojs/images/upload/cancel", data={"csrf_token": csrf_of(client)})
    ids = [finished_image(client, f"In gallery {n}", 10 + n) for n in range(3)]
    bulk(client, ids, "add_to_gallery", gallery_id=str(gallery))
    bulk(client, ids[:1], "set_inactive")
    found["galleries"] = client.get("/nojs/galleries").text
    move = {"csrf_token": csrf_of(client), "image_id": str(ids[1]), "position": "x"}
    client.post(f"/nojs/galleries/{gallery}/move", data=move)
    found["gallery with a position error"] = client.get(f"/nojs/galleries/{gallery}").text
    client.post(f"/nojs/galleries/{gallery}/edit", data={"csrf_token": csrf_of(client)})
    found["edit gallery with errors"] = client.get(f"/nojs/galleries/{gallery}/edit").text
    found["delete gallery"] = client.get(f"/nojs/galleries/{gallery}/delete").text
    found["library, every status, all selected"] = client.get(
        "/nojs/images?status=all&select=all"
    ).text
    found["library, inactive"] = client.get("/nojs/images?status=inactive").text
    found["library, no match"] = client.get("/nojs/images?q=nothing&tag=x").text
    bulk(client, ids, "add_tags", tags="")
    found["library, bulk errors"] = client.get("/nojs/images").text
    found["bulk delete confirmation"] = bulk(client, ids, "delete").text
    post_form(client, "/nojs/images/bulk/delete", [("image_id", str(ids[0]))], "/nojs/images")
    found["library with an undo"] = client.get("/nojs/images").text
    found["trash"] = client.get("/nojs/trash").text
    found["trash, delete forever confirmation"] = post_form(
        client, "/nojs/trash/delete", [("image_id", str(ids[0]))]
    ).text
    return found


def test_every_page_is_valid_html_with_labels(client: TestClient, service: UploadService) -> None:
    rendered = pages(client, service)
    assert "Enter a title." in rendered["step 2 with errors"]
    assert "already in your library" in rendered["step 2, duplicate"]
    assert "<picture>" in rendered["detail"]
    assert "<picture>" in rendered["list"]
    assert "<picture>" in rendered["galleries"]
    assert "Inactive: not shown anywhere" in rendered["gallery with a position error"]
    assert "Move 3 images to the trash?" in rendered["bulk delete confirmation"]
    assert 'class="undo"' in rendered["library with an undo"]
    assert "In gallery 0" in rendered["trash"]
    assert "Delete 1 image forever?" in rendered["trash, delete forever confirmation"]
    assert 'id="bulk_tags_error"' in rendered["library, bulk errors"]
    assert 'id="gallery_id_error"' in rendered["step 2 with a gallery error"]
    for name, html in rendered.items():
        try:
            check_page(html)
        except Exception as exc:
            pytest.fail(f"{name}: {exc}")


def test_checker_catches_a_missing_label() -> None:
    with pytest.raises(AssertionError):
        check_page('<!doctype html><html lang="en"><title>x</title><input id="a" name="a">')
    with pytest.raises(html5lib.html5parser.ParseError):
        check_page("<!doctype html><title>x</title><p><div></span>")
