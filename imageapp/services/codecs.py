"""Pillow's readers for HEIC/HEIF (pillow-heif); AVIF is Pillow's own. Import before opening.

Thumbnails, depth maps and auxiliary images are switched off: every decode here is of the
primary picture, so validation checks the pixels that get served. pillow-heif applies the
container's ``irot``/``imir`` while decoding and resets the EXIF orientation it returns to 1,
so nothing turns a HEIC twice; Pillow's AVIF reader leaves the pixels as stored and reports
``irot``/``imir`` as the EXIF orientation instead (applied like a JPEG's).
"""

from __future__ import annotations

import pillow_heif

pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Every format an upload may be, for Image.open(formats=...). AVIF before HEIF: a "mif1" file
# may hold AV1 (Pillow reads it) or HEVC (pillow-heif), and pillow-heif raises a RuntimeError
# on AV1 instead of letting the next reader try.
READABLE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "HEIF")
