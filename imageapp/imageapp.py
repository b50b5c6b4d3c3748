"""Assembles the app: the Reflex pages plus the no-JavaScript fallback, on one backend."""

from __future__ import annotations

import functools

import reflex as rx

from imageapp.fallback.app import create_fallback_app
from imageapp.pages import routes
from imageapp.pages.library import TITLE as LIBRARY_TITLE
from imageapp.pages.library import library_page
from imageapp.request_guards import PublicUploadReadGuard, SameOriginWebSocketGuard
from imageapp.state.library import LibraryState

app = rx.App(
    # In this list the LAST item is the outermost layer: the guards see every request
    # first, then the fallback's routes match before Reflex's own.
    api_transformer=[
        create_fallback_app(),
        functools.partial(
            SameOriginWebSocketGuard,
            allowed_origins=rx.config.get_config().cors_allowed_origins,
        ),
        PublicUploadReadGuard,
    ],
)
app.add_page(
    library_page,
    route=routes.LIBRARY,
    title=f"{LIBRARY_TITLE} · imageapp",
    on_load=LibraryState.load_page,
)
