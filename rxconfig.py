"""Reflex configuration for imageapp (read by `reflex run` and by every backend worker)."""

from __future__ import annotations

import os
from pathlib import Path

import reflex as rx
from pydantic import ValidationError

from imageapp.config import Settings
from imageapp.dev_server import DevBackendProxy
from imageapp.services.backends import check_bucket_at_start
from imageapp.services.storage import StorageUnavailable
from imageapp.web_workers import WebWorkersRefused, apply_web_workers

PROJECT_ROOT = Path(__file__).resolve().parent

# Reflex serves its upload dir publicly at /_upload/... and defaults it to `uploaded_files/`,
# which is OUR private storage root (DESIGN.md, Storage). Point Reflex at a separate folder
# before anything asks for it; Reflex reads this variable on every use, in every process.
os.environ.setdefault(
    "REFLEX_UPLOADED_FILES_DIR", str(PROJECT_ROOT / "instance" / "reflex_uploads")
)

# IMAGEAPP_REDIS_URL: Reflex's state in Redis and several web workers (README, Several web
# workers). A combination that would give each worker its own state stops `reflex run` here.
try:
    SETTINGS = Settings()
    WEB_WORKERS = apply_web_workers(SETTINGS)
except (WebWorkersRefused, ValidationError) as refusal:
    raise SystemExit(f"imageapp: {refusal}") from None

# IMAGEAPP_PUBLIC_URL (behind a reverse proxy, README Deploying): the built frontend opens its
# websocket and sends its uploads there (Reflex makes wss:// of https://) instead of
# http://localhost:PORT. Unset: Reflex's own default. REFLEX_API_URL, if set, still wins.
PUBLIC_ADDRESS = (
    {"api_url": SETTINGS.public_url, "deploy_url": SETTINGS.public_url}
    if SETTINGS.public_url
    else {}
)

# IMAGEAPP_STORAGE_URL: a bucket that cannot be reached or refuses the credentials stops
# `make run` here with the reason, before any page is served (README, Object storage).
try:
    check_bucket_at_start(SETTINGS)
except StorageUnavailable as unusable:
    raise SystemExit(f"imageapp: the storage cannot be used: {unusable.detail}") from None

config = rx.Config(
    app_name="imageapp",
    # A self-hosted product: no "Built with Reflex" badge, no phoning home.
    show_built_with_reflex=False,
    telemetry_enabled=False,
    # Explicit plugins keep the start-up free of deprecation warnings; no public sitemap.
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal")),
        DevBackendProxy(),  # `make dev` only: backend paths from the frontend's port
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # Frontend and backend share one origin in prod: no cross-origin reads of our responses.
    cors_allowed_origins=[],
    redis_url=WEB_WORKERS.redis_url,
    **PUBLIC_ADDRESS,
)
