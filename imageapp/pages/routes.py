"""Every URL the Reflex UI links to, in one place (paths fixed by DESIGN.md)."""

from __future__ import annotations

LIBRARY = "/"
NOJS_LIBRARY = "/nojs/images"
NOJS_UPLOAD = "/nojs/images/upload"


def nojs_image(image_id: int | str) -> str:
    """The no-JavaScript page of one image."""
    return f"{NOJS_LIBRARY}/{image_id}"
