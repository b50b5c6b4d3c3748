"""Settings: names and defaults of DESIGN.md, and the secret key kept from the first run."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from imageapp.config import Settings


def test_defaults_match_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "STORAGE_DIR",
        "PENDING_TTL_MINUTES",
        "MAX_UPLOAD_BYTES",
        "MAX_PIXELS",
        "SECRET_KEY",
    ):
        monkeypatch.delenv(f"IMAGEAPP_{name}", raising=False)
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.storage_dir.name == "uploaded_files"
    assert settings.pending_ttl_minutes == 60
    assert settings.max_upload_bytes == 26_214_400
    assert settings.max_pixels == 40_000_000


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IMAGEAPP_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("IMAGEAPP_STORAGE_DIR", str(tmp_path))
    settings = Settings()
    assert settings.max_upload_bytes == 1234
    assert settings.storage_dir == tmp_path


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    key_file = tmp_path / "instance" / "secret_key"
    first = Settings(secret_key="", secret_key_file=key_file).resolved_secret_key()
    second = Settings(secret_key="", secret_key_file=key_file).resolved_secret_key()
    assert first == second
    assert len(first) >= 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list(key_file.parent.iterdir()) == [key_file]  # no draft left behind


def test_a_configured_secret_key_wins(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    assert Settings(secret_key="given", secret_key_file=key_file).resolved_secret_key() == "given"
    assert not key_file.exists()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("", ""),
        ("https://Photos.Example.com/", "https://photos.example.com"),
        ("https://photos.example.com:443", "https://photos.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
    ],
)
def test_the_public_url_is_kept_as_an_origin(given: str, kept: str) -> None:
    assert Settings(public_url=given).public_url == kept


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("photos.example.com", "must start with https://"),
        ("ftp://photos.example.com", "must start with https://"),
        ("https://photos.example.com/app", "no path"),
        ("https://photos.example.com/?x=1", "no path"),
        ("https://me@photos.example.com", "no path, query or user"),
        ("https://photos.example.com:99999", "port"),
    ],
)
def test_a_public_url_that_is_not_an_origin_is_refused(given: str, problem: str) -> None:
    with pytest.raises(ValueError, match="IMAGEAPP_PUBLIC_URL") as refused:
        Settings(public_url=given)
    assert problem in str(refused.value)


def test_trusted_proxies_are_checked_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEAPP_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert Settings().trusted_proxies == "127.0.0.1, 10.0.0.0/8"
    monkeypatch.setenv("IMAGEAPP_TRUSTED_PROXIES", "127.0.0.1, nginx")
    with pytest.raises(ValueError, match="'nginx' is not an IP address"):
        Settings()


@pytest.mark.parametrize(
    ("public_url", "asked", "secure"),
    [
        ("https://photos.example.com", False, True),
        ("http://photos.example.com", False, False),
        ("", False, False),
        ("", True, True),
    ],
)
def test_secure_cookies_under_https(public_url: str, asked: bool, secure: bool) -> None:
    settings = Settings(public_url=public_url, session_cookie_secure=asked)
    assert settings.secure_cookies is secure


@pytest.mark.parametrize("url", ["s3://photos", "s3://photos/library/2026", "s3://a.b-c"])
def test_storage_url_takes_a_bucket_and_prefix(url: str) -> None:
    assert Settings(storage_url=url).storage_url == url


@pytest.mark.parametrize("url", ["photos", "s3://", "http://photos", "s3://UPPER", "file:///x"])
def test_storage_url_refuses_anything_else(url: str) -> None:
    with pytest.raises(ValueError, match="IMAGEAPP_STORAGE_URL must be s3://BUCKET"):
        Settings(storage_url=url)


def test_the_bucket_address_splits_bucket_and_prefix() -> None:
    from imageapp.services.s3_storage import BucketAddress

    assert BucketAddress.parse("s3://photos") == BucketAddress("photos", "")
    assert BucketAddress.parse("s3://photos/a/b/") == BucketAddress("photos", "a/b/")


def test_a_cover_preset_takes_width_and_height(monkeypatch: pytest.MonkeyPatch) -> None:
    from imageapp.services.rendering import preset_spec

    monkeypatch.setenv(
        "IMAGEAPP_RENDITION_PRESETS",
        '[{"name": "thumb", "longest_side": 320},'
        ' {"name": "card", "fit": "cover", "width": 600, "height": 400}]',
    )
    thumb, card = Settings().rendition_presets
    assert (thumb.fit, thumb.width, thumb.height) == ("contain", None, None)
    assert (card.fit, card.width, card.height, card.longest_side) == ("cover", 600, 400, 600)
    # A contain preset's fingerprint is what it was before "fit" existed: no rebuild needed.
    assert preset_spec(thumb) == "c3980bf3d9d78911"  # as made by the code before this change
    assert preset_spec(card) != preset_spec(card.model_copy(update={"height": 300}))


@pytest.mark.parametrize(
    ("preset", "problem"),
    [
        (
            '{"name": "card", "fit": "cover", "height": 400}',
            'preset \'card\' has fit "cover": it needs both "width" and "height" (missing: width)',
        ),
        (
            '{"name": "card", "fit": "cover"}',
            "(missing: width, height)",
        ),
        (
            '{"name": "wide", "longest_side": 800, "width": 600}',
            'preset \'wide\': "width" and "height" are for fit "cover"',
        ),
        ('{"name": "card", "fit": "fill", "longest_side": 800}', "fit"),
        ('{"name": "card", "fit": "cover", "width": 4, "height": 400}', "width"),
    ],
)
def test_a_cover_preset_without_its_size_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch, preset: str, problem: str
) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("IMAGEAPP_RENDITION_PRESETS", f"[{preset}]")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert problem in str(refused.value)
