"""The trash without JavaScript: its page, restore (chosen, one, all, or a delete's "Undo")
and delete forever through a confirmation page. Every POST carries ``csrf_token`` and answers
a 303 with a summary (the confirmation page excepted: it is the question)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.fallback.auth import UserDep, safe_next
from imageapp.fallback.deps import PathId, SettingsDep, TrashDep
from imageapp.fallback.forms import read_form, require_csrf
from imageapp.fallback.pages import redirect, render
from imageapp.fallback.session import flash
from imageapp.fallback.stored_files import stored_file_response
from imageapp.services.bulk import MAX_SELECTION
from imageapp.services.ids import parse_id
from imageapp.services.usecases.bulk import BulkOutcome
from imageapp.services.usecases.trash import (
    ask_delete_forever,
    browse_trash,
    delete_forever,
    restore_images,
)

router = APIRouter(prefix=urls.NOJS_TRASH)
MAX_TRASH_FIELDS = MAX_SELECTION + 10
ALL = "all"


@dataclass(frozen=True, slots=True)
class TrashForm:
    raw_ids: list[str]  # image_id fields, or the one ``only`` button pressed
    everything: bool  # scope=all: the whole trash
    confirmed: bool
    until: datetime | None
    back: str


def _back(raw: str | None) -> str:
    """Back to the trash, or to the library page an "Undo" came from; nothing else."""
    if not raw:
        return urls.NOJS_TRASH
    target = safe_next(raw)
    library = urls.NOJS_LIBRARY
    if target == library or target.startswith(f"{library}?"):
        return target
    return target if target.startswith(urls.NOJS_TRASH) else urls.NOJS_TRASH


def _moment(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


async def _read(request: Request) -> TrashForm:
    fields = await read_form(request, max_fields=MAX_TRASH_FIELDS)
    form = fields.first_values()
    require_csrf(request, form)
    only = form.get("only", "")
    return TrashForm(
        raw_ids=[only] if only else fields.all_values("image_id"),
        everything=not only and form.get("scope") == ALL,
        confirmed=form.get("confirmed") == "yes",
        until=_moment(form.get("until", "")),
        back=_back(form.get("back")),
    )


@router.get("", name="trash")
def trash_page(request: Request, trash: TrashDep, settings: SettingsDep, user: UserDep) -> Response:
    page = parse_id(request.query_params.get("page", "")) or 1
    view = browse_trash(
        trash,
        store_id=user.store_id,
        page=page,
        page_size=settings.page_size,
        trash_days=settings.trash_days,
    )
    return render(request, "trash.html", view=view, listing=view.listing)


@router.get("/{image_id}/thumbnail", name="trash_thumbnail")
def trash_thumbnail(request: Request, image_id: PathId, trash: TrashDep, user: UserDep) -> Response:
    """A trashed image's small picture for the trash page: the store's members only, never
    public (IMAGEAPP_PUBLIC_MEDIA does not apply), and only while it is in the trash."""
    found = trash.thumbnail(store_id=user.store_id, image_id=image_id)
    if found is None:
        return Response("Not Found", status_code=404, media_type="text/plain")
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return stored_file_response(
        request, trash.cleanup.storage, found.path, found.mime_type, headers
    )


@router.post("/restore")
async def restore(request: Request, trash: TrashDep, user: UserDep) -> Response:
    sent = await _read(request)
    outcome = await run_in_threadpool(
        lambda: restore_images(
            trash, store_id=user.store_id, raw_ids=sent.raw_ids, everything=sent.everything
        )
    )
    return _said(request, outcome, sent.back)


@router.post("/delete")
async def delete(request: Request, trash: TrashDep, user: UserDep) -> Response:
    """Unconfirmed: the question page (the choice rides along); confirmed: deleted forever."""
    sent = await _read(request)
    if not sent.confirmed:
        asked = await run_in_threadpool(
            lambda: ask_delete_forever(
                trash, store_id=user.store_id, raw_ids=sent.raw_ids, everything=sent.everything
            )
        )
        if isinstance(asked, BulkOutcome):
            return _said(request, asked, sent.back)
        return render(request, "trash_delete.html", question=asked, back=sent.back)
    outcome = await run_in_threadpool(
        lambda: delete_forever(
            trash,
            store_id=user.store_id,
            raw_ids=sent.raw_ids,
            everything=sent.everything,
            until=sent.until,
        )
    )
    return _said(request, outcome, sent.back)


def _said(request: Request, outcome: BulkOutcome, back: str) -> Response:
    flash(request, outcome.message, "success" if outcome.ok else "error")
    return redirect(back)
