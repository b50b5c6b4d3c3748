"""Assembles the app: the Reflex pages plus the no-JavaScript fallback, on one backend."""

from __future__ import annotations

import functools
from typing import Any

import reflex as rx

from imageapp import urls
from imageapp.app_logs import app_logs
from imageapp.config import get_settings
from imageapp.fallback.app import create_fallback_app
from imageapp.jobs.worker import embedded_worker
from imageapp.nojs_links import NoJavaScriptRedirect
from imageapp.pages.galleries import TITLE as GALLERIES_TITLE
from imageapp.pages.galleries import galleries_page
from imageapp.pages.gallery import TITLE as GALLERY_TITLE
from imageapp.pages.gallery import gallery_page
from imageapp.pages.image_detail import TITLE as IMAGE_TITLE
from imageapp.pages.image_detail import image_detail_page
from imageapp.pages.layout import no_javascript_notice
from imageapp.pages.library import TITLE as LIBRARY_TITLE
from imageapp.pages.library import library_page
from imageapp.pages.tokens import TITLE as TOKENS_TITLE
from imageapp.pages.tokens import tokens_page
from imageapp.pages.trash import TITLE as TRASH_TITLE
from imageapp.pages.trash import trash_page
from imageapp.pages.upload import TITLE as UPLOAD_TITLE
from imageapp.pages.upload import upload_page
from imageapp.proxies import TrustedProxies
from imageapp.request_guards import (
    ForwardedHeaders,
    PublicUploadReadGuard,
    SameOriginWebSocketGuard,
)
from imageapp.state.account import AccountState
from imageapp.state.bulk import BulkState
from imageapp.state.galleries import GalleriesState
from imageapp.state.gallery import GalleryState
from imageapp.state.image_detail import ImageDetailState
from imageapp.state.image_edit import ImageEditState
from imageapp.state.library import LibraryState
from imageapp.state.share_links import ShareLinksState
from imageapp.state.tokens import TokensState
from imageapp.state.trash import TrashState
from imageapp.state.upload import UploadState

app = rx.App(
    # In this list the LAST item is the outermost layer: the guards see every request
    # first, then the fallback's routes match before Reflex's own. ForwardedHeaders is
    # outside them all: behind a trusted proxy everything sees the real client and scheme.
    api_transformer=[
        create_fallback_app(),
        NoJavaScriptRedirect,
        functools.partial(
            SameOriginWebSocketGuard,
            allowed_origins=rx.config.get_config().cors_allowed_origins,
            public_origin=get_settings().public_url,
        ),
        PublicUploadReadGuard,
        functools.partial(
            ForwardedHeaders,
            trusted=TrustedProxies.from_setting(get_settings().trusted_proxies),
        ),
    ],
    # Radix Themes with colours that pass WCAG AA (assets/theme.css), loaded after Radix's.
    stylesheets=["/theme.css"],
    # In every prerendered page, the SPA fallback included: the way out without JavaScript.
    extra_app_wraps={(3, "NoJavaScriptNotice"): lambda _stateful: no_javascript_notice()},
)

# imageapp's INFO lines (the embedded worker's jobs among them) on the server's stderr.
app.register_lifespan_task(app_logs)
# `make run` runs the jobs too (IMAGEAPP_EMBEDDED_WORKER=false when `imageapp worker`s do).
app.register_lifespan_task(embedded_worker)


def add_member_page(component: Any, route: str, title: str, *loaders: Any) -> None:
    """Every page needs a login: AccountState.load_user runs first and sends a stranger to
    the login page, so no page can forget it."""
    app.add_page(
        component,
        route=route,
        title=f"{title} · imageapp",
        on_load=[AccountState.load_user, *loaders],
    )


add_member_page(
    library_page, urls.LIBRARY, LIBRARY_TITLE, LibraryState.load_page, BulkState.load_page
)
add_member_page(upload_page, urls.UPLOAD, UPLOAD_TITLE, UploadState.load_page)
add_member_page(
    image_detail_page,
    urls.IMAGE,
    IMAGE_TITLE,
    ImageDetailState.load_image,
    ImageEditState.load_edit,
    ShareLinksState.load_links,
)
add_member_page(galleries_page, urls.GALLERIES, GALLERIES_TITLE, GalleriesState.load_page)
add_member_page(
    gallery_page, urls.GALLERY, GALLERY_TITLE, GalleryState.load_gallery, ShareLinksState.load_links
)
add_member_page(tokens_page, urls.TOKENS, TOKENS_TITLE, TokensState.load_page)
add_member_page(trash_page, urls.TRASH, TRASH_TITLE, TrashState.load_page)
