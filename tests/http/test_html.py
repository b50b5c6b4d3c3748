"""Every fallback page is valid HTML5 (strict parser) and every form field has its label."""

from __future__ import annotations

from html.parser import HTMLParser

import html5lib
import pytest
from fastapi.testclient import TestClient

from imageapp.services.uploads import UploadService
from tests.http.conftest import complete, upload


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
    return found


def test_every_page_is_valid_html_with_labels(client: TestClient, service: UploadService) -> None:
    rendered = pages(client, service)
    assert "Enter a title." in rendered["step 2 with errors"]
    assert "already in your library" in rendered["step 2, duplicate"]
    assert "<picture>" in rendered["detail"]
    assert "<picture>" in rendered["list"]
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
