"""Removing personal metadata (EXIF with GPS, XMP, IPTC, comments) from a stored file.

Nothing is re-encoded: each format is walked segment by segment and only what draws the
picture is kept (pixels, palette, transparency, animation, colour: the ICC profile stays).
HEIC/HEIF and AVIF keep their size: their metadata items are zeroed in place
(heif_metadata.py), and their orientation lives in ``irot``/``imir``, which stay.
A JPEG whose EXIF orientation is not 1 gets a minimal EXIF block holding ONLY that tag, so
the untouched pixels still display upright (a PNG or WebP was turned upright before, by
orientation.py: browsers do not reliably apply their orientation tag). Data after the image's
end (MPO second frames, vendor trailers) is dropped too. The file is replaced atomically (new
file, then rename).
"""

from __future__ import annotations

import mmap
import os
import re
import struct
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from imageapp.services.heif_metadata import HeifStructureError, metadata_edits
from imageapp.services.orientation import ORIENTATION, exif_orientation

# A piece of the cleaned file: a (start, end) range of the source, or new bytes.
Piece = tuple[int, int] | bytes


class MetadataStripError(ValueError):
    """The file's structure could not be walked (Pillow read it, this strict walker did not)."""


def strip_metadata(path: Path, mime_type: str, *, orientation: int | None = None) -> bool:
    """Rewrite ``path`` without personal metadata; True if anything was removed.

    ``orientation``: the EXIF orientation the caller already read from this very file (its
    validation did); otherwise a JPEG with metadata is opened once more to read it.
    """
    planner = _PLANNERS[mime_type]
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        try:
            pieces = planner(data, path, orientation)
        except (IndexError, struct.error, HeifStructureError) as exc:
            raise MetadataStripError(f"cannot walk the {mime_type} structure") from exc
        if pieces == [(0, len(data))]:
            return False
        part = path.with_name(f".{path.name}.strip")
        try:
            with memoryview(data) as view, part.open("xb") as out:
                for piece in pieces:
                    out.write(piece if isinstance(piece, bytes) else view[piece[0] : piece[1]])
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    os.replace(part, path)
    return True


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Adjacent source ranges joined, so an untouched file plans as one range."""
    merged: list[Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if isinstance(piece, tuple) and isinstance(last, tuple) and last[1] == piece[0]:
            merged[-1] = (last[0], piece[1])
        else:
            merged.append(piece)
    return merged


# -- JPEG ---------------------------------------------------------------------------------------

# Next marker in entropy-coded data: 0xFF not followed by a stuffed 0x00 or a restart marker.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_KEPT_APP = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}


def _jpeg_orientation(path: Path) -> int:
    with Image.open(path, formats=("JPEG",)) as image:  # an MPO too: Pillow's JPEG opener
        return exif_orientation(image)


def _orientation_segment(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    payload = exif.tobytes()
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _keep_jpeg_segment(marker: int, payload_head: bytes) -> bool:
    if 0xE0 <= marker <= 0xEF:  # APPn: only JFIF, ICC and Adobe's colour transform survive
        signature = _KEPT_APP.get(marker)
        return signature is not None and payload_head.startswith(signature)
    return marker != 0xFE  # COM: free text, often a camera owner's name


def _jpeg_pieces(data: mmap.mmap, path: Path, orientation: int | None) -> list[Piece]:
    if data[:2] != b"\xff\xd8":
        raise MetadataStripError("no JPEG start marker")
    segments: list[Piece] = []
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            raise MetadataStripError(f"expected a marker at {position}")
        while data[position + 1] == 0xFF:  # fill bytes
            position += 1
        marker = data[position + 1]
        if marker == 0xD9:  # end of image: whatever follows is not this picture
            segments.append((position, position + 2))
            break
        if marker in _STANDALONE:
            segments.append((position, position + 2))
            position += 2
            continue
        end = position + 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
        if end > len(data):
            raise MetadataStripError("segment runs past the end")
        if _keep_jpeg_segment(marker, data[position + 4 : position + 20]):
            segments.append((position, end))
        position = end
        if marker == 0xDA:  # start of scan: copy the coded data up to the next marker
            found = _JPEG_MARKER.search(data, position)
            scan_end = found.start() if found else len(data)
            segments.append((position, scan_end))
            position = scan_end
    pieces = _merged([(0, 2), *segments])
    if pieces == [(0, len(data))]:
        return pieces  # nothing to remove: no EXIF, so no orientation to keep either
    if orientation is None:
        orientation = _jpeg_orientation(path)
    return _merged([(0, 2), *_with_orientation(segments, data, orientation)])


def _with_orientation(segments: list[Piece], data: mmap.mmap, orientation: int) -> list[Piece]:
    """The minimal orientation block goes first, after JFIF's APP0 (which must lead)."""
    if orientation == 1:
        return segments
    first = segments[0] if segments else None
    jfif_leads = isinstance(first, tuple) and data[first[0] : first[0] + 2] == b"\xff\xe0"
    at = 1 if jfif_leads else 0
    return [*segments[:at], _orientation_segment(orientation), *segments[at:]]


# -- PNG ----------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def _png_pieces(data: mmap.mmap, _path: Path, _orientation: int | None) -> list[Piece]:
    if data[:8] != _PNG_SIGNATURE:
        raise MetadataStripError("no PNG signature")
    pieces: list[Piece] = [(0, 8)]
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            raise MetadataStripError("chunk runs past the end")
        if kind in _PNG_KEPT:  # text, iTXt (XMP), eXIf, tIME and unknown chunks go
            pieces.append((position, end))
        position = end
        if kind == b"IEND":
            break
    return _merged(pieces)


# -- WebP ---------------------------------------------------------------------------------------

_WEBP_KEPT = {b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L"}
_VP8X_EXIF_XMP_FLAGS = 0x08 | 0x04


def _webp_pieces(data: mmap.mmap, _path: Path, _orientation: int | None) -> list[Piece]:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise MetadataStripError("no RIFF/WEBP header")
    riff_end = min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    body: list[Piece] = []
    body_size = 4
    position = 12
    while position + 8 <= riff_end:
        kind, size = struct.unpack("<4sI", data[position : position + 8])
        end = position + 8 + size + (size & 1)
        if end > len(data):
            raise MetadataStripError("chunk runs past the end")
        if kind in _WEBP_KEPT:  # EXIF, "XMP " and unknown chunks go
            cleared = _vp8x_without_metadata(data, position, end) if kind == b"VP8X" else None
            body.append(cleared or (position, end))
            body_size += end - position
        position = end
    header = b"RIFF" + struct.pack("<I", body_size) + b"WEBP"
    return _merged([(0, 12) if header == data[:12] else header, *body])


def _vp8x_without_metadata(data: mmap.mmap, start: int, end: int) -> bytes | None:
    """The VP8X chunk with its "has EXIF" and "has XMP" flags cleared (None: already clear)."""
    flags = data[start + 8]
    if not flags & _VP8X_EXIF_XMP_FLAGS:
        return None
    return data[start : start + 8] + bytes([flags & ~_VP8X_EXIF_XMP_FLAGS]) + data[start + 9 : end]


# -- GIF ----------------------------------------------------------------------------------------

_GIF_KEPT_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")


def _gif_sub_blocks_end(data: mmap.mmap, position: int) -> int:
    while (size := data[position]) != 0:
        position += size + 1
    return position + 1


def _gif_table_size(packed: int) -> int:
    return 3 * (2 ** ((packed & 0x07) + 1)) if packed & 0x80 else 0


def _gif_pieces(data: mmap.mmap, _path: Path, _orientation: int | None) -> list[Piece]:
    if data[:3] != b"GIF":
        raise MetadataStripError("no GIF header")
    position = 13 + _gif_table_size(data[10])
    pieces: list[Piece] = [(0, position)]
    while (block := data[position]) != 0x3B:  # trailer
        if block == 0x2C:  # image: descriptor, local colour table, LZW code size, data
            lzw_data = position + 10 + _gif_table_size(data[position + 9]) + 1
            end, keep = _gif_sub_blocks_end(data, lzw_data), True
        elif block == 0x21:  # extension: comments and XMP application blocks go
            label = data[position + 1]
            end = _gif_sub_blocks_end(data, position + 2)
            kept_app = label == 0xFF and data[position + 3 : position + 14] in _GIF_KEPT_APPS
            keep = label in (0xF9, 0x01) or kept_app
        else:
            raise MetadataStripError(f"unknown GIF block at {position}")
        if keep:
            pieces.append((position, end))
        position = end
    pieces.append((position, position + 1))
    return _merged(pieces)


# -- HEIC/HEIF and AVIF --------------------------------------------------------------------------


def _heif_pieces(data: mmap.mmap, _path: Path, _orientation: int | None) -> list[Piece]:
    """Same-size edits only (heif_metadata.py): nothing moves, so every offset stays true."""
    pieces: list[Piece] = []
    position = 0
    for start, replacement in metadata_edits(data):
        if start < position:
            raise MetadataStripError("overlapping metadata items")
        pieces += [(position, start), replacement]
        position = start + len(replacement)
    return _merged([*pieces, (position, len(data))])


_PLANNERS: dict[str, Callable[[mmap.mmap, Path, int | None], list[Piece]]] = {
    "image/jpeg": _jpeg_pieces,
    "image/png": _png_pieces,
    "image/webp": _webp_pieces,
    "image/gif": _gif_pieces,
    "image/heic": _heif_pieces,
    "image/heic-sequence": _heif_pieces,
    "image/heif": _heif_pieces,
    "image/heif-sequence": _heif_pieces,
    "image/avif": _heif_pieces,
}
