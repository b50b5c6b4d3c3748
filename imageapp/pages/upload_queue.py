"""Python handles on assets/upload_queue.js: every chosen file is one resumable tus upload.

``rx.upload`` would send every dropped file in one request with one progress value and one
cancel, and lose it all when the connection drops. Here the drop only announces the files
(kept in the browser under random references); each card then mounts a ``TusUpload`` that
sends its own file to ``/tus/`` with tus-js-client (retries, resume, fingerprints), and
reports progress, resumption, waiting for the network, and the outcome to the State.
"""

# Reflex's component factories are typed as returning Any.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec, parse_args_spec, passthrough_event_spec
from reflex.vars import FunctionStringVar, Var, VarData

LIBRARY = "$/public/upload_queue.js"
# The tus client the script imports, from the npm registry: Reflex installs it into the
# frontend (.web/, .web-dev/) with the pages' other packages, pinned here.
TUS_CLIENT = "tus-js-client@4.3.1"


def _function(name: str) -> FunctionStringVar[Any]:
    return FunctionStringVar.create(name, _var_data=VarData(imports={LIBRARY: [name]}))


stash_files = _function("stashFiles")
cancel_upload_call = _function("cancelUpload")

# The files react-dropzone hands to ``on_drop``: the same placeholder rx.upload passes on.
DROPPED_FILES = parse_args_spec(passthrough_event_spec(list[rx.UploadFile]))[0][0]
# What the script reports: one JSON object per event (checked by the State, never trusted).
Report = passthrough_event_spec(dict[str, Any])


class TusUpload(rx.Component):
    """Uploads the file stashed under ``file_ref`` once, as card ``upload_key``.

    Events: ``on_progress`` {sent, total}; ``on_resuming`` {offset, total} (continuing an
    earlier upload); ``on_finished`` with the server's step-1 JSON; ``on_failed`` {message,
    resumable}; ``on_lost`` when the file is gone (reload). Offline, it shows a line itself.
    """

    library = LIBRARY
    tag = "TusUpload"
    lib_dependencies: list[str] = [TUS_CLIENT]

    upload_key: Var[str]
    file_ref: Var[str]
    chunk_size: Var[int]  # bytes per PATCH; 0: the whole rest of the file at once

    # Reflex reads the event spec from the subscript; mypy cannot follow it.
    on_progress: rx.EventHandler[Report]  # type: ignore[type-arg, valid-type]
    on_resuming: rx.EventHandler[Report]  # type: ignore[type-arg, valid-type]
    on_finished: rx.EventHandler[Report]  # type: ignore[type-arg, valid-type]
    on_failed: rx.EventHandler[Report]  # type: ignore[type-arg, valid-type]
    on_lost: rx.EventHandler[Report]  # type: ignore[type-arg, valid-type]


class FilePicker(rx.Component):
    """Wraps a button: a click opens a file chooser; ``on_files`` gets the stashed files."""

    library = LIBRARY
    tag = "FilePicker"

    multiple: Var[bool]
    accept: Var[str]
    label: Var[str]

    on_files: rx.EventHandler[passthrough_event_spec(list[dict[str, Any]])]  # type: ignore[type-arg, valid-type]


def announce_dropped(handler: Any) -> EventSpec:
    """``on_drop`` for rx.upload: ``handler`` receives descriptions, not the files."""
    return handler(stash_files.call(DROPPED_FILES))


def cancel_upload(key: Var[str]) -> EventSpec:
    """Abort card ``key``'s upload and terminate it on the server (tus DELETE)."""
    return rx.run_script(cancel_upload_call.call(key))
