"""How many web worker processes `reflex run --env prod` starts, and where their state lives.

Several workers only work when every Reflex state lives in Redis: a browser's websocket, its
upload request and its next page load may each reach another worker. So IMAGEAPP_REDIS_URL
turns on Reflex's Redis state manager and several workers; several workers without Redis,
or Redis with a per-process state manager (disk, memory), is refused before anything starts.
rxconfig.py applies the plan (in `reflex run` and in every worker it starts).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

from imageapp.config import Settings

# Reflex's own default with Redis: min(2 x CPUs + 1, MAX_BACKEND_WORKERS).
MAX_DEFAULT_WORKERS = 8
PROCESS_LOCAL_MODES = ("disk", "memory")


class WebWorkersRefused(ValueError):
    """A setting combination that would give each web worker its own state."""


@dataclass(frozen=True, slots=True)
class WebWorkerPlan:
    """What rxconfig hands Reflex: the Redis URL for its state (None: one process, disk)
    and the number of Granian worker processes."""

    redis_url: str | None
    workers: int


def default_workers(cpus: int | None) -> int:
    return min((cpus or 1) * 2 + 1, MAX_DEFAULT_WORKERS)


def plan_web_workers(
    settings: Settings, environ: Mapping[str, str], cpus: int | None
) -> WebWorkerPlan:
    """The plan these settings ask for; raises WebWorkersRefused with a message for people."""
    redis_url = settings.redis_url or environ.get("REFLEX_REDIS_URL") or None
    reflex_redis = environ.get("REFLEX_REDIS_URL")
    if settings.redis_url and reflex_redis and reflex_redis != settings.redis_url:
        raise WebWorkersRefused(
            "IMAGEAPP_REDIS_URL and REFLEX_REDIS_URL name different servers: set only "
            "IMAGEAPP_REDIS_URL (imageapp passes it on to Reflex)."
        )
    workers = _requested_workers(settings, environ)
    if redis_url is None:
        if workers is not None and workers > 1:
            raise WebWorkersRefused(
                f"{workers} web workers need IMAGEAPP_REDIS_URL: without Redis each worker "
                "would keep its own copy of every page's state. Set IMAGEAPP_REDIS_URL "
                "(redis://host:6379/0) or run one worker."
            )
        return WebWorkerPlan(redis_url=None, workers=1)
    mode = environ.get("REFLEX_STATE_MANAGER_MODE", "").strip().lower()
    if mode in PROCESS_LOCAL_MODES:
        raise WebWorkersRefused(
            f"REFLEX_STATE_MANAGER_MODE={mode} with a Redis URL would start several web "
            "workers, each with its own state: unset REFLEX_STATE_MANAGER_MODE (with "
            "IMAGEAPP_REDIS_URL the state lives in Redis)."
        )
    return WebWorkerPlan(redis_url=redis_url, workers=workers or default_workers(cpus))


def _requested_workers(settings: Settings, environ: Mapping[str, str]) -> int | None:
    """GRANIAN_WORKERS (Reflex's own override) wins over IMAGEAPP_WEB_WORKERS."""
    granian = environ.get("GRANIAN_WORKERS", "").strip()
    if not granian:
        return settings.web_workers
    if not granian.isdigit() or int(granian) < 1:
        raise WebWorkersRefused(f"GRANIAN_WORKERS={granian!r} is not a whole number >= 1.")
    return int(granian)


def apply_web_workers(
    settings: Settings, environ: MutableMapping[str, str] | None = None
) -> WebWorkerPlan:
    """Plan, then tell Reflex (its variables are inherited by the workers it starts)."""
    environ = os.environ if environ is None else environ
    plan = plan_web_workers(settings, environ, os.cpu_count())
    if plan.redis_url is not None:
        environ["REFLEX_REDIS_URL"] = plan.redis_url
    environ["GRANIAN_WORKERS"] = str(plan.workers)
    return plan
