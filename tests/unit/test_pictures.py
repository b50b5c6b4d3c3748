"""The <picture> data both UIs render: sources per format, the fallback <img>, no renditions."""

from __future__ import annotations

from imageapp.services.pictures import Picture, PictureSource, picture_for
from imageapp.services.renditions import StoredRendition


def stored(preset: str, fmt: str, width: int, height: int, digest: str) -> StoredRendition:
    extension = {"jpeg": "jpg"}.get(fmt, fmt)
    path = f"images/{'a' * 8}-aaaa-aaaa-aaaa-{'a' * 12}.{preset}.{digest * 16}.{extension}"
    return StoredRendition(7, preset, fmt, width, height, 1000, path)


RENDITIONS = (
    stored("thumb", "jpeg", 320, 240, "1"),
    stored("thumb", "webp", 320, 240, "2"),
    stored("web", "jpeg", 1600, 1200, "3"),
    stored("web", "webp", 1600, 1200, "4"),
)


def test_web_uses_every_size_up_to_web() -> None:
    picture = picture_for(image_id=7, width=4000, height=3000, renditions=RENDITIONS, preset="web")
    assert picture == Picture(
        src=f"/media/7/web.{'3' * 16}.jpg",
        width=1600,
        height=1200,
        sources=(
            PictureSource(
                "image/webp",
                f"/media/7/thumb.{'2' * 16}.webp 320w, /media/7/web.{'4' * 16}.webp 1600w",
            ),
            PictureSource(
                "image/jpeg",
                f"/media/7/thumb.{'1' * 16}.jpg 320w, /media/7/web.{'3' * 16}.jpg 1600w",
            ),
        ),
    )


def test_thumb_never_offers_the_big_one() -> None:
    picture = picture_for(
        image_id=7, width=4000, height=3000, renditions=RENDITIONS, preset="thumb"
    )
    assert picture.src == f"/media/7/thumb.{'1' * 16}.jpg"
    assert all("web." not in source.srcset for source in picture.sources)


def test_presets_of_one_size_appear_once() -> None:
    small = (stored("thumb", "png", 90, 60, "5"), stored("web", "png", 90, 60, "6"))
    picture = picture_for(image_id=7, width=90, height=60, renditions=small, preset="web")
    assert picture.sources == (PictureSource("image/png", f"/media/7/web.{'6' * 16}.png 90w"),)


def test_without_renditions_the_original_is_shown() -> None:
    assert picture_for(image_id=7, width=40, height=30, renditions=(), preset="web") == Picture(
        src="/media/7", width=40, height=30
    )
