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

from imageapp import urls
from imageapp.fallback.auth import UserDep
from imageapp.fallback.deps import BulkDep, GalleriesDep, SettingsDep
from imageapp.fallback.forms import read_form, require_csrf
from imageapp.fallback.listing import library_back
from imageapp.fallback.pages import redirect, render
from imageapp.fallback.session import flash, keep_form_state, keep_selection, keep_undo
from imageapp.services.bulk import MAX_SELECTION, BulkService
from imageapp.services.usecases.bulk import (
    BulkOutcome,
    Selection,
    ask_delete,
    check,
    delete_images,
    run_bulk_action,
)

router = APIRouter(prefix=urls.NOJS_BULK)

# A checkbox is a field: room for the largest selection the service takes, and the others.
MAX_BULK_FIELDS = MAX_SELECTION + 10


@dataclass(frozen=True, slots=True)
class BulkForm:
    values: dict[str, str]  # action, gallery_id, tags
    raw_ids: list[str]  # the image_id fields as sent
    back: str


async def _read(request: Request) -> BulkForm:
    fields = await read_form(request, max_fields=MAX_BULK_FIELDS)
    form = fields.first_values()
    require_csrf(request, form)
    return BulkForm(
        values={key: form.get(key, "") for key in ("action", "gallery_id", "tags")},
        raw_ids=fields.all_values("image_id"),
        back=library_back(form.get("back")),
    )


@router.post("")
async def bulk_action(
    request: Request, bulk: BulkDep, galleries: GalleriesDep, settings: SettingsDep, user: UserDep
) -> Response:
    sent = await _read(request)
    trash_days = settings.trash_days
    action, gallery, tags = (sent.values[key] for key in ("action", "gallery_id", "tags"))
    problem = check(action, Selection.of(sent.raw_ids), gallery, tags)
    if problem is not None:  # the message goes next to its field; the flash points there
        if problem.field == "selection":
            return _refused(request, sent, problem.message, {})
        errors = {problem.field or "action": problem.message}
        return _refused(request, sent, "Please correct the highlighted fields.", errors)
    if action == "delete":
        return await _confirm_delete(request, bulk, user.store_id, sent, trash_days)
    outcome = await run_in_threadpool(
        lambda: run_bulk_action(
            bulk,
            galleries,
            store_id=user.store_id,
            action=action,
            raw_ids=sent.raw_ids,
            gallery=gallery,
            tags=tags,
        )
    )
    if not outcome.ok:
        errors = {outcome.field: outcome.message} if outcome.field else {}
        return _refused(request, sent, outcome.message, errors)
    flash(request, outcome.message, "success")
    return redirect(sent.back)


def _refused(request: Request, sent: BulkForm, message: str, errors: dict[str, str]) -> Response:
    """Back to the form with the choices, the field errors and the selection kept."""
    keep_form_state(request, sent.values, errors)
    keep_selection(request, Selection.of(sent.raw_ids).image_ids)
    flash(request, message, "error")
    return redirect(f"{sent.back}#bulk")


async def _confirm_delete(
    request: Request, bulk: BulkService, store_id: int, sent: BulkForm, trash_days: int
) -> Response:
    """The confirmation step: how many images and galleries; the selection rides along."""
    asked = await run_in_threadpool(
        lambda: ask_delete(bulk, store_id=store_id, raw_ids=sent.raw_ids, trash_days=trash_days)
    )
    if isinstance(asked, BulkOutcome):
        flash(request, asked.message, "error")
        return redirect(sent.back)
    return render(request, "bulk_delete.html", question=asked, back=sent.back)


@router.post("/delete")
async def bulk_delete(request: Request, bulk: BulkDep, user: UserDep) -> Response:
    sent = await _read(request)
    outcome = await run_in_threadpool(
        lambda: delete_images(bulk, store_id=user.store_id, raw_ids=sent.raw_ids, user_id=user.id)
    )
    flash(request, outcome.message, "success" if outcome.ok else "error")
    if outcome.trashed_at is not None:  # the library page offers to undo exactly this delete
        keep_undo(request, outcome.trashed_at)
    return redirect(sent.back)
