"""Where a HEIC/HEIF or AVIF file (ISOBMFF) keeps personal metadata, as same-size edits.

HEIF stores EXIF and XMP as *items* of the ``meta`` box: an ``infe`` entry names the item's
type (``Exif``, or ``mime`` with a content type such as XMP's ``application/rdf+xml``), and
``iloc`` says where its bytes lie (in ``mdat``, or in ``idat`` inside ``meta``). Removing them
outright would shift every later byte and so every offset in ``iloc`` (and a sequence's chunk
offsets in ``moov``). Instead their bytes are overwritten with zeros and their entries retyped
``free`` (a type no reader knows, so every reader skips the item): nothing moves, nothing is
re-encoded, and the pictures, ``irot``/``imir`` (orientation) and ``colr`` (ICC) stay bit for
bit. A track's ``meta`` is cleaned the same way; a sequence's ``udta`` boxes (user data: GPS,
names) and top-level ``uuid`` boxes (vendor data, XMP) become zeroed ``free`` boxes.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass

# Item types that hold metadata, never pixels (``mime``: XMP, C2PA and such; ``uri ``: vendor).
METADATA_ITEM_TYPES = {b"Exif", b"mime", b"uri "}
RETYPED = b"free"
_MOOV_CONTAINERS = {b"moov", b"trak"}


class HeifStructureError(ValueError):
    """A box or table this walker does not follow (Pillow may still have decoded the file)."""


@dataclass(frozen=True, slots=True)
class Box:
    kind: bytes
    start: int  # of the header
    body: int  # first byte after the header
    end: int


# A same-size replacement: these bytes at this offset.
Edit = tuple[int, bytes]


def boxes(view: memoryview, start: int, end: int) -> Iterator[Box]:
    """The boxes laid one after another in ``view[start:end]``."""
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", view[position : position + 8])
        body = position + 8
        if size == 1:
            size = struct.unpack(">Q", view[body : body + 8])[0]
            body += 8
        elif size == 0:
            size = end - position
        if size < body - position or position + size > end:
            raise HeifStructureError(f"box {kind!r} at {position} runs past its parent")
        yield Box(kind, position, body, position + size)
        position += size


def metadata_edits(data: bytes | mmap.mmap) -> list[Edit]:
    """Every edit that blanks the file's metadata, in file order (empty: there is none)."""
    view = memoryview(data)
    edits: list[Edit] = []
    for box in boxes(view, 0, len(view)):
        if box.kind == b"meta":
            edits += _meta_edits(view, box)
        elif box.kind == b"uuid":
            edits.append(_blanked(view, box))
        elif box.kind in _MOOV_CONTAINERS:
            edits += _moov_edits(view, box)
    # An AVIF sequence (libavif) lists its EXIF both as an item of the file and of the track,
    # at the same bytes: one edit, not two that overlap.
    return sorted(set(edits))


def _blanked(view: memoryview, box: Box) -> Edit:
    """The whole box as a ``free`` box of the same size, all zeros inside."""
    header = bytearray(view[box.start : box.body])
    header[4:8] = RETYPED
    return box.start, bytes(header) + bytes(box.end - box.body)


def _moov_edits(view: memoryview, parent: Box) -> list[Edit]:
    edits: list[Edit] = []
    for box in boxes(view, parent.body, parent.end):
        if box.kind == b"meta":  # a track's own items, in the same tables
            edits += _meta_edits(view, box)
        elif box.kind in (b"udta", b"uuid"):
            edits.append(_blanked(view, box))
        elif box.kind in _MOOV_CONTAINERS:
            edits += _moov_edits(view, box)
    return edits


def _meta_edits(view: memoryview, meta: Box) -> list[Edit]:
    children = {box.kind: box for box in boxes(view, meta.body + 4, meta.end)}  # FullBox
    iinf, iloc = children.get(b"iinf"), children.get(b"iloc")
    if iinf is None:
        return []
    found = dict(_metadata_items(view, iinf))
    if not found:
        return []
    if iloc is None:
        raise HeifStructureError("metadata items but no iloc box")
    idat = children.get(b"idat")
    edits = [(type_at, RETYPED) for type_at in found.values()]
    for method, start, length in _item_extents(view, iloc, set(found)):
        if method == 1:
            if idat is None:
                raise HeifStructureError("an item in idat, but no idat box")
            start += idat.body
        elif method != 0:
            raise HeifStructureError(f"item construction method {method}")
        end = len(view) if length == 0 else start + length
        if end > len(view):
            raise HeifStructureError("an item runs past the end of the file")
        edits.append((start, bytes(end - start)))
    return edits


def _metadata_items(view: memoryview, iinf: Box) -> Iterator[tuple[int, int]]:
    """(item ID, offset of its 4-byte type) of every metadata item listed in ``iinf``."""
    version = view[iinf.body]
    entries = iinf.body + (6 if version == 0 else 8)
    for infe in boxes(view, entries, iinf.end):
        if infe.kind != b"infe":
            continue
        infe_version = view[infe.body]
        if infe_version < 2:
            raise HeifStructureError(f"infe version {infe_version}")
        at = infe.body + 4
        id_size = 2 if infe_version == 2 else 4
        item_id = _uint(view, at, id_size)
        type_at = at + id_size + 2  # after the protection index
        if bytes(view[type_at : type_at + 4]) in METADATA_ITEM_TYPES:
            yield item_id, type_at


def _item_extents(view: memoryview, iloc: Box, wanted: set[int]) -> Iterator[tuple[int, int, int]]:
    """(construction method, offset, length) of every extent of the ``wanted`` items."""
    version = view[iloc.body]
    offset_size, length_size = view[iloc.body + 4] >> 4, view[iloc.body + 4] & 0x0F
    base_offset_size = view[iloc.body + 5] >> 4
    index_size = view[iloc.body + 5] & 0x0F if version in (1, 2) else 0
    at = iloc.body + 6
    count_size = 2 if version < 2 else 4
    count, at = _uint(view, at, count_size), at + count_size
    for _ in range(count):
        item_id, at = _uint(view, at, count_size), at + count_size
        method = 0
        if version in (1, 2):
            method, at = _uint(view, at, 2) & 0x0F, at + 2
        at += 2  # data reference index
        base, at = _uint(view, at, base_offset_size), at + base_offset_size
        extents, at = _uint(view, at, 2), at + 2
        for _ in range(extents):
            at += index_size
            offset, at = _uint(view, at, offset_size), at + offset_size
            length, at = _uint(view, at, length_size), at + length_size
            if item_id in wanted:
                yield method, base + offset, length
        if at > iloc.end:
            raise HeifStructureError("iloc runs past its box")


def _uint(view: memoryview, at: int, size: int) -> int:
    """A big-endian unsigned field of 0 (absent: 0), 2, 4 or 8 bytes."""
    if size not in (0, 2, 4, 8):
        raise HeifStructureError(f"field size {size}")
    if at + size > len(view):
        raise HeifStructureError("a table runs past the end of the file")
    return int.from_bytes(view[at : at + size], "big")
