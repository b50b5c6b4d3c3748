"""Test images that carry personal metadata (EXIF with GPS, XMP, comments), an ICC profile,
an EXIF orientation or transparency, built in memory with Pillow."""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageCms, PngImagePlugin, TiffImagePlugin

from tests.images import make_image, mpo_bytes

SECRET = b"Jane Doe"  # put into every metadata field: it must never be served
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SECRET + b"</x:xmpmeta>"
ORIENTATION = 0x0112
GPS_IFD = 0x8825
MARK = (255, 0, 0)  # the upright image's top-left corner
# Pillow's exif_transpose applies these for orientation N; here, their inverse makes the file.
STORE_TRANSFORM: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@cache
def srgb_profile() -> bytes:
    """One sRGB profile per run (each new one carries its creation time)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def private_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x013B] = SECRET.decode()  # Artist
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 0.0)}
    return exif


def upright_marked(size: tuple[int, int] = (120, 60)) -> Image.Image:
    """A wide image, grey, with a red block in its top-left corner."""
    image = Image.new("RGB", size, (128, 128, 128))
    image.paste(MARK, (0, 0, size[0] // 4, size[1] // 4))
    return image


def oriented_jpeg(orientation: int, size: tuple[int, int] = (120, 60)) -> bytes:
    """A JPEG that displays as ``upright_marked(size)`` once EXIF ``orientation`` is applied."""
    image = upright_marked(size)
    transform = STORE_TRANSFORM[orientation]
    stored = image.transpose(transform) if transform is not None else image
    return save(stored, "JPEG", quality=95, exif=private_exif(orientation).tobytes())


# The upright picture's quadrants: top-left, top-right, bottom-left, bottom-right. Any turn or
# flip moves at least two of them, and no two are alike under any codec's colour error.
QUADRANT_COLOURS = ((230, 30, 30), (30, 200, 30), (30, 30, 230), (240, 240, 40))
# How each format is written by ``oriented_file`` (quality high enough for clean quadrants).
ORIENTED_FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "jpeg": ("JPEG", {"quality": 92}),
    "png": ("PNG", {}),
    "png-rgba": ("PNG", {}),
    "webp": ("WEBP", {"quality": 90}),
    "webp-lossless": ("WEBP", {"lossless": True}),
    # Both writers turn the EXIF orientation into irot/imir boxes (and keep the EXIF too).
    "heic": ("HEIF", {"quality": 90}),
    "avif": ("AVIF", {"quality": 90}),
}


def upright_quadrants(size: tuple[int, int] = (120, 60), mode: str = "RGB") -> Image.Image:
    """The reference picture: four flat colours, one per quadrant (RGBA: half see-through)."""
    width, height = size
    image = Image.new("RGB", size)
    for index, colour in enumerate(QUADRANT_COLOURS):
        left, top = (index % 2) * width // 2, (index // 2) * height // 2
        image.paste(colour, (left, top, left + width // 2, top + height // 2))
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").resize(size).point(lambda v: v // 2 + 64))
    return image


def stored_turned(image: Image.Image, orientation: int) -> Image.Image:
    """``image`` as a camera stores it when it writes EXIF ``orientation``."""
    transform = STORE_TRANSFORM[orientation]
    return image.transpose(transform) if transform is not None else image.copy()


def oriented_file(kind: str, orientation: int, size: tuple[int, int] = (120, 60)) -> bytes:
    """A file (``kind`` as in ORIENTED_FORMATS) that shows ``upright_quadrants(size)`` once
    its EXIF ``orientation`` (with personal tags beside it) is applied."""
    fmt, options = ORIENTED_FORMATS[kind]
    picture = upright_quadrants(size, "RGBA" if kind == "png-rgba" else "RGB")
    exif = private_exif(orientation).tobytes()
    return save(stored_turned(picture, orientation), fmt, exif=exif, **options)


def save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def jpeg_with_metadata(orientation: int = 1, progressive: bool = False) -> bytes:
    return save(
        make_image((96, 64)),
        "JPEG",
        quality=90,
        exif=private_exif(orientation).tobytes(),
        icc_profile=srgb_profile(),
        comment=SECRET,
        xmp=XMP,
        progressive=progressive,
    )


def png_with_metadata(mode: str = "RGB") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return save(
        make_image((96, 64), mode=mode),
        "PNG",
        pnginfo=info,
        exif=private_exif().tobytes(),
        icc_profile=srgb_profile(),
    )


def webp_with_metadata() -> bytes:
    return save(
        make_image((96, 64)),
        "WEBP",
        quality=80,
        exif=private_exif().tobytes(),
        icc_profile=srgb_profile(),
        xmp=XMP,
    )


def heic_with_metadata(orientation: int = 1) -> bytes:
    """A HEIC as a phone writes it: EXIF (GPS, artist) and XMP items, an ICC profile."""
    return save(
        make_image((96, 64)),
        "HEIF",
        quality=80,
        exif=private_exif(orientation).tobytes(),
        icc_profile=srgb_profile(),
        xmp=XMP,
    )


def avif_with_metadata(orientation: int = 1) -> bytes:
    return save(
        make_image((96, 64)),
        "AVIF",
        quality=80,
        exif=private_exif(orientation).tobytes(),
        icc_profile=srgb_profile(),
        xmp=XMP,
    )


def gif_with_metadata() -> bytes:
    """An animated GIF with a comment and an XMP application block."""
    frames = [make_image((48, 32), seed=n).convert("P") for n in range(2)]
    data = save(frames[0], "GIF", save_all=True, append_images=frames[1:], comment=SECRET)
    xmp_block = b"\x21\xff\x0bXMP DataXMP" + bytes([len(XMP)]) + XMP + b"\x00"
    return data[:-1] + xmp_block + data[-1:]


def transparent_png(size: tuple[int, int] = (400, 200)) -> bytes:
    """RGBA with a fully transparent left half."""
    image = make_image(size, mode="RGBA")
    image.paste((0, 0, 0, 0), (0, 0, size[0] // 2, size[1]))
    return save(image, "PNG")


def cmyk_jpeg(size: tuple[int, int] = (80, 60)) -> bytes:
    return save(make_image(size).convert("CMYK"), "JPEG", quality=90)


def has_no_personal_metadata(data: bytes) -> bool:
    """The file's bytes: no EXIF block marker, no GPS, no XMP, no comment text."""
    return b"Exif\x00\x00" not in data and SECRET not in data and b"xmpmeta" not in data


# -- camera facts (issue 14, part 3) -----------------------------------------------------------

EXIF_IFD = 0x8769
CAMERA_LINE = (
    "Taken 3 May 2025, 14:02 (+02:00) · Canon EOS R6 · RF 24-105mm F4 L IS USM · 50 mm · f/4 · "
    "1/250 s · ISO 400"
)
CAMERA_SERIAL = "SN-0123456789"


def camera_exif(
    ifd0: dict[int, object] | None = None, details: dict[int, object] | None = None
) -> Image.Exif:
    """``private_exif`` (GPS, artist) plus what a camera writes about the shot; ``ifd0`` and
    ``details`` (the Exif IFD) replace or add tags (None as a value: left out)."""
    exif = private_exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R6"
    exif_ifd = exif.get_ifd(EXIF_IFD)
    exif_ifd.update(
        {
            0x9003: "2025:05:03 14:02:11",  # DateTimeOriginal
            0x9011: "+02:00",  # OffsetTimeOriginal
            0xA434: "RF 24-105mm F4 L IS USM",
            0x920A: TiffImagePlugin.IFDRational(50, 1),  # FocalLength
            0x829D: TiffImagePlugin.IFDRational(4, 1),  # FNumber
            0x829A: TiffImagePlugin.IFDRational(1, 250),  # ExposureTime
            0x8827: 400,  # ISO
            0xA431: CAMERA_SERIAL,  # BodySerialNumber
        }
    )
    for tags, changes in ((exif, ifd0 or {}), (exif_ifd, details or {})):
        for tag, value in changes.items():
            if value is None:
                tags.pop(tag, None)
            else:
                tags[tag] = value
    return exif


# How each format is written with camera EXIF: PNG keeps it in an eXIf chunk.
CAMERA_FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "jpeg": ("JPEG", {"quality": 90}),
    "png": ("PNG", {}),
    "webp": ("WEBP", {"quality": 80}),
    "heic": ("HEIF", {"quality": 80}),
    "avif": ("AVIF", {"quality": 80}),
}


def photo_with_camera_facts(kind: str, exif: Image.Exif | None = None) -> bytes:
    """A photo (``kind``: a CAMERA_FORMATS key, or "mpo") whose EXIF says CAMERA_LINE, with
    GPS, an artist, a serial number and an ICC profile beside it."""
    exif_bytes = (exif if exif is not None else camera_exif()).tobytes()
    if kind == "mpo":
        return mpo_bytes((96, 64), exif=exif_bytes, icc_profile=srgb_profile())
    fmt, options = CAMERA_FORMATS[kind]
    return save(make_image((96, 64)), fmt, exif=exif_bytes, icc_profile=srgb_profile(), **options)
