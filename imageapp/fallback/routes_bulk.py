"""Acting on many library images at once without JavaScript: one form of checkboxes and an
action select, answered by a 303 and a summary. Deleting goes through a confirmation page that
carries the selection in hidden fields. Ids that are not the store's images are ignored by the
service and counted in the summary."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp.fallback.auth import UserDep
from imageapp.fallback.deps import BulkDep, GalleriesDep
from imageapp.fallback.forms import read_form, require_csrf
from imageapp.fallback.listing import count_images, library_back
from imageapp.fallback.pages import redirect, render
from imageapp.fallback.session import flash, keep_form_state, keep_selection
from imageapp.services.bulk import MAX_SELECTION, BulkResult, BulkService
from imageapp.services.errors import ImageAppError
from imageapp.services.galleries import GalleryService
from imageapp.services.ids import parse_id
from imageapp.services.metadata import parse_tags

router = APIRouter(prefix="/nojs/images/bulk")

# A checkbox is a field: room for the largest selection the service takes, and the others.
MAX_BULK_FIELDS = MAX_SELECTION + 10
ACTIONS = (
    "set_active",
    "set_inactive",
    "add_to_gallery",
    "remove_from_gallery",
    "add_tags",
    "delete",
)
GALLERY_ACTIONS = ("add_to_gallery", "remove_from_gallery")
# Service refusals that belong next to one field of the form.
FIELD_OF_ERROR = {"gallery_not_found": "gallery_id", "bad_tags": "tags"}


@dataclass(frozen=True, slots=True)
class BulkForm:
    values: dict[str, str]  # action, gallery_id, tags
    image_ids: list[int]
    unreadable: int  # image_id values that are no id at all: ignored like foreign ones
    back: str

    @property
    def empty(self) -> bool:
        return not self.image_ids and not self.unreadable


async def _read(request: Request) -> BulkForm:
    fields = await read_form(request, max_fields=MAX_BULK_FIELDS)
    form = fields.first_values()
    require_csrf(request, form)
    raw = fields.all_values("image_id")
    ids = [image_id for image_id in map(parse_id, raw) if image_id is not None]
    return BulkForm(
        values={key: form.get(key, "") for key in ("action", "gallery_id", "tags")},
        image_ids=list(dict.fromkeys(ids)),
        unreadable=len(raw) - len(ids),
        back=library_back(form.get("back")),
    )


def _ignored_note(ignored: int) -> str:
    if not ignored:
        return ""
    were = "was" if ignored == 1 else "were"
    return f" {count_images(ignored)} of the selection {were} ignored: not in your library."


@router.post("")
async def bulk_action(
    request: Request, bulk: BulkDep, galleries: GalleriesDep, user: UserDep
) -> Response:
    sent = await _read(request)
    errors = _check(sent)
    if errors:
        message = errors.pop("selection", "Please correct the highlighted fields.")
        keep_form_state(request, sent.values, errors)
        keep_selection(request, sent.image_ids)
        flash(request, message, "error")
        return redirect(f"{sent.back}#bulk")
    if sent.values["action"] == "delete":
        return await _confirm_delete(request, bulk, user.store_id, sent)
    try:
        result, summary = await run_in_threadpool(
            lambda: _apply(bulk, galleries, user.store_id, sent)
        )
    except ImageAppError as refused:
        field = FIELD_OF_ERROR.get(refused.code)
        keep_form_state(request, sent.values, {field: refused.message} if field else {})
        keep_selection(request, sent.image_ids)
        flash(request, refused.message, "error")
        return redirect(f"{sent.back}#bulk")
    flash(request, summary + _ignored_note(len(result.ignored_ids) + sent.unreadable), "success")
    return redirect(sent.back)


def _check(sent: BulkForm) -> dict[str, str]:
    """What the form lacks before any service is asked (each message goes next to its field)."""
    if sent.empty:
        return {"selection": "Select at least one image first."}
    action = sent.values["action"]
    if action not in ACTIONS:
        return {"action": "Choose what to do with the selected images."}
    if action in GALLERY_ACTIONS and parse_id(sent.values["gallery_id"]) is None:
        return {"gallery_id": "Choose a gallery."}
    if action == "add_tags" and not parse_tags(sent.values["tags"]):
        return {"tags": "Enter one or more tags, separated by commas."}
    return {}


def _apply(
    bulk: BulkService, galleries: GalleryService, store_id: int, sent: BulkForm
) -> tuple[BulkResult, str]:
    """One bulk service call for the chosen action, and its summary for people."""
    action, ids = sent.values["action"], sent.image_ids
    if action in ("set_active", "set_inactive"):
        status = action.removeprefix("set_")
        result = bulk.set_status(store_id=store_id, image_ids=ids, status=status)
        hidden = "; their links stop working until they are active again" * (status == "inactive")
        return result, f"{count_images(result.done)} set {status}{hidden}."
    if action == "add_tags":
        result = bulk.add_tags(store_id=store_id, image_ids=ids, tags=sent.values["tags"])
        tags = ", ".join(parse_tags(sent.values["tags"]))
        return result, f"Tagged {count_images(result.done)} with {tags}."
    gallery_id = parse_id(sent.values["gallery_id"]) or 0
    title = galleries.get(store_id=store_id, gallery_id=gallery_id).title
    if action == "add_to_gallery":
        result = bulk.add_to_gallery(store_id=store_id, image_ids=ids, gallery_id=gallery_id)
        already = len(ids) - len(result.ignored_ids) - result.done
        there = f" ({count_images(already)} already in it)" if already else ""
        return result, f"{count_images(result.done)} added to '{title}'{there}."
    result = bulk.remove_from_gallery(store_id=store_id, image_ids=ids, gallery_id=gallery_id)
    return result, f"{count_images(result.done)} removed from '{title}'."


async def _confirm_delete(
    request: Request, bulk: BulkService, store_id: int, sent: BulkForm
) -> Response:
    """The confirmation step: how many images and galleries; the selection rides along."""
    try:
        preview = await run_in_threadpool(
            lambda: bulk.preview_delete(store_id=store_id, image_ids=sent.image_ids)
        )
    except ImageAppError as refused:
        flash(request, refused.message, "error")
        return redirect(sent.back)
    ignored = set(preview.ignored_ids)
    if not preview.image_count:
        flash(request, "None of the selected images is in your library.", "error")
        return redirect(sent.back)
    return render(
        request,
        "bulk_delete.html",
        preview=preview,
        image_ids=[image_id for image_id in sent.image_ids if image_id not in ignored],
        ignored=len(ignored) + sent.unreadable,
        back=sent.back,
    )


@router.post("/delete")
async def bulk_delete(request: Request, bulk: BulkDep, user: UserDep) -> Response:
    sent = await _read(request)
    if sent.empty:
        flash(request, "Nothing was deleted: no images were selected.", "error")
        return redirect(sent.back)
    try:
        result = await run_in_threadpool(
            lambda: bulk.delete(store_id=user.store_id, image_ids=sent.image_ids)
        )
    except ImageAppError as refused:
        flash(request, refused.message, "error")
        return redirect(sent.back)
    ignored = _ignored_note(len(result.ignored_ids) + sent.unreadable)
    flash(request, f"{count_images(result.done)} deleted.{ignored}", "success")
    return redirect(sent.back)
