"""Python handle on assets/gallery_sort.js: a list whose items can be dragged to a new place.

Reflex 0.10 has no drag and drop for elements (only ``rx.upload`` takes dropped files), and
its elements expose no HTML5 drag events; this small component reports each drop as
``{"image_id", "target_id", "after"}`` and leaves the moving to the server.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import passthrough_event_spec

LIBRARY = "$/public/gallery_sort.js"
# The attribute naming an item's image id; the script reads it back.
ITEM_ID = "data-sort-id"


class SortableList(rx.Component):
    """A ``<div>`` whose children carrying ``data-sort-id`` can be dragged and dropped."""

    library = LIBRARY
    tag = "SortableList"

    on_move: rx.EventHandler[passthrough_event_spec(dict[str, Any])]  # type: ignore[type-arg, valid-type]
