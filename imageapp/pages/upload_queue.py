"""Python handles on assets/upload_queue.js: one streaming upload request per chosen file.

``rx.upload`` sends every dropped file in one request with one progress value and one cancel.
Here the drop only announces the files (kept in the browser under random references); each
card then starts ``rx.upload_files_chunk`` for its own file, under its own upload id.
"""

# Reflex's component factories are typed as returning Any.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec, no_args_event_spec, parse_args_spec, passthrough_event_spec
from reflex.vars import FunctionStringVar, Var, VarData

LIBRARY = "$/public/upload_queue.js"


def _function(name: str) -> FunctionStringVar[Any]:
    return FunctionStringVar.create(name, _var_data=VarData(imports={LIBRARY: [name]}))


stash_files = _function("stashFiles")
take_file = _function("takeFile")
abort_upload_call = _function("abortUpload")

# The files react-dropzone hands to ``on_drop``: the same placeholder rx.upload passes on.
DROPPED_FILES = parse_args_spec(passthrough_event_spec(list[rx.UploadFile]))[0][0]


class UploadStarter(rx.Component):
    """Renders nothing; fires ``on_start`` once when mounted (a queued card starts itself)."""

    library = LIBRARY
    tag = "UploadStarter"

    # Reflex reads the event spec from the subscript; mypy cannot follow it.
    on_start: rx.EventHandler[no_args_event_spec]  # type: ignore[type-arg, valid-type]


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


def stream_file(handler: Any, key: Var[str], ref: Var[str]) -> EventSpec:
    """The streaming upload of the one file stashed under ``ref``, as upload id ``key``."""
    # A Var upload id is rendered as the card's key at runtime (typed str in Reflex).
    spec = handler(rx.upload_files_chunk(upload_id=key), key)  # type: ignore[arg-type]
    return spec.with_args(
        tuple(
            (name, take_file.call(ref)) if name._js_expr == "files" else (name, value)
            for name, value in spec.args
        )
    )


def abort_upload(key: Var[str]) -> EventSpec:
    """Abort the request of upload id ``key`` (rx.cancel_upload takes only fixed ids)."""
    return rx.run_script(abort_upload_call.call(key))
