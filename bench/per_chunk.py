"""The fallback app as it was before batching: one thread hop per received chunk (for the
comparison in ``bench.scale``): ``uvicorn --factory bench.per_chunk:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

from imageapp.fallback import routes_upload
from imageapp.fallback.app import create_fallback_app


def create_app() -> FastAPI:
    routes_upload.FEED_BATCH_BYTES = 1  # every chunk is a batch of its own
    return create_fallback_app()
