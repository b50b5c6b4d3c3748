"""The caps on text forms: too many fields or too many bytes are refused before anything runs."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.testclient import TestClient

from imageapp.fallback.forms import MAX_FORM_BYTES, MAX_SMALL_FORM_FIELDS
from tests.http.conftest import csrf_of


def post_fields(client: TestClient, path: str, fields: list[tuple[str, str]]):  # -> httpx.Response
    return client.post(
        path,
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_a_small_form_with_too_many_fields_is_refused(client: TestClient) -> None:
    token = ("csrf_token", csrf_of(client, "/nojs/galleries"))
    padding = [("x", "1")] * MAX_SMALL_FORM_FIELDS
    refused = post_fields(client, "/nojs/galleries", [token, ("title", "Big"), *padding])
    assert refused.status_code == 413
    assert "Big" not in client.get("/nojs/galleries").text
    accepted = post_fields(client, "/nojs/galleries", [token, ("title", "Small")])
    assert accepted.status_code == 303


def test_a_form_past_the_byte_cap_is_refused(client: TestClient) -> None:
    token = ("csrf_token", csrf_of(client, "/nojs/galleries"))
    fields = [token, ("title", "Huge"), ("description", "x" * MAX_FORM_BYTES)]
    assert post_fields(client, "/nojs/galleries", fields).status_code == 413
    assert "Huge" not in client.get("/nojs/galleries").text


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, dict[str, str]]:
    boundary = "----imageapp-test"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_multipart_text_forms_are_read_with_the_same_caps(client: TestClient) -> None:
    token = ("csrf_token", csrf_of(client, "/nojs/galleries"))
    body, headers = multipart([token, ("title", "Multipart")])
    assert client.post("/nojs/galleries", content=body, headers=headers).status_code == 303
    padding = [("x", "1")] * MAX_SMALL_FORM_FIELDS
    body, headers = multipart([token, ("title", "Too many"), *padding])
    assert client.post("/nojs/galleries", content=body, headers=headers).status_code == 400
    page = client.get("/nojs/galleries").text
    assert "Multipart" in page
    assert "Too many" not in page
