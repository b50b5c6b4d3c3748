"""The no-JS image page (`/nojs/images/{id}`) with its share-links and edit sections: shown
by its GET and again, with the refused values and their errors (422), by the edit form."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.fallback.pages import error_page, render
from imageapp.fallback.routes_share_admin import share_context
from imageapp.services.accounts import CurrentUser
from imageapp.services.camera_facts import camera_facts_line
from imageapp.services.edits import EditedImage, read_edit
from imageapp.services.library import ImageSummary
from imageapp.services.previews import needs_conversion
from imageapp.services.usecases import edits as edit_actions
from imageapp.services.usecases.library import show_image


def edit_context(
    edited: EditedImage | None,
    picker_src: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The edit form's values (the saved edit, or what was sent), errors, ratio choices and
    the focal picker's displayed size (a click maps to original pixels by that scale)."""
    if edited is None:
        return {"edited": None}
    shown_width, shown_height = edit_actions.picker_size(edited)
    return {
        "edited": edited,
        "edit_values": edit_actions.form_values(edited) | (values or {}),
        "edit_errors": errors or {},
        "edit_refused": bool(errors),
        "ratio_choices": edit_actions.RATIO_CHOICES,
        "picker_src": picker_src,
        "picker_width": shown_width,
        "picker_height": shown_height,
    }


def picker_source(image: ImageSummary) -> str:
    """The upright original for the focal picker: the file itself. "" for HEIC/HEIF, which
    only Safari shows: their JPEG preview is for the page's picture until the renditions
    exist and is not linked after that, so those take the focal point as numbers only."""
    return "" if needs_conversion(image.mime_type) else urls.media(image.id)


def render_image_page(
    request: Request,
    engine: Engine,
    user: CurrentUser,
    image_id: int,
    *,
    errors: dict[str, str] | None = None,
    edit_values: dict[str, str] | None = None,
    edit_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The page, or 404 for anything that is not an active image of the user's store."""
    shown = show_image(engine, store_id=user.store_id, image_id=image_id)
    if shown is None:
        return error_page(request, 404, "Image not found", "There is no image at this address.")
    edited = read_edit(engine, store_id=user.store_id, image_id=image_id)
    return render(
        request,
        "image_detail.html",
        status_code,
        image=shown.image,
        image_picture=shown.picture,
        camera_facts=camera_facts_line(shown.image.facts),
        errors=errors or {},
        **edit_context(edited, picker_source(shown.image), edit_values, edit_errors),
        **share_context(
            request,
            engine,
            store_id=user.store_id,
            page=urls.nojs_image(image_id),
            image_id=image_id,
        ),
    )
