"""Several web workers only with Redis state: the plan rxconfig.py hands Reflex, and refusals."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from imageapp.config import PROJECT_ROOT, Settings
from imageapp.web_workers import (
    WebWorkerPlan,
    WebWorkersRefused,
    apply_web_workers,
    plan_web_workers,
)

REDIS = "redis://127.0.0.1:6379/3"


def settings(**values: object) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "environ", "cpus", "plan"),
    [
        ({}, {}, 2, WebWorkerPlan(redis_url=None, workers=1)),
        ({"web_workers": 1}, {}, 2, WebWorkerPlan(redis_url=None, workers=1)),
        ({"redis_url": REDIS}, {}, 2, WebWorkerPlan(redis_url=REDIS, workers=5)),
        ({"redis_url": REDIS}, {}, 16, WebWorkerPlan(redis_url=REDIS, workers=8)),
        ({"redis_url": REDIS}, {}, None, WebWorkerPlan(redis_url=REDIS, workers=3)),
        ({"redis_url": REDIS, "web_workers": 2}, {}, 2, WebWorkerPlan(REDIS, 2)),
        (
            {"redis_url": REDIS, "web_workers": 2},
            {"GRANIAN_WORKERS": "4"},
            2,
            WebWorkerPlan(REDIS, 4),
        ),
        ({}, {"REFLEX_REDIS_URL": REDIS}, 2, WebWorkerPlan(redis_url=REDIS, workers=5)),
        ({"redis_url": REDIS}, {"REFLEX_STATE_MANAGER_MODE": "redis"}, 1, WebWorkerPlan(REDIS, 3)),
    ],
)
def test_plan(
    values: dict[str, object], environ: dict[str, str], cpus: int | None, plan: WebWorkerPlan
) -> None:
    assert plan_web_workers(settings(**values), environ, cpus) == plan


@pytest.mark.parametrize(
    ("values", "environ", "message"),
    [
        ({"web_workers": 2}, {}, "2 web workers need IMAGEAPP_REDIS_URL"),
        ({}, {"GRANIAN_WORKERS": "3"}, "3 web workers need IMAGEAPP_REDIS_URL"),
        ({"redis_url": REDIS}, {"REFLEX_STATE_MANAGER_MODE": "disk"}, "MODE=disk with a Redis"),
        ({"redis_url": REDIS}, {"REFLEX_STATE_MANAGER_MODE": "MEMORY"}, "=memory with a Redis"),
        ({}, {"REFLEX_REDIS_URL": REDIS, "REFLEX_STATE_MANAGER_MODE": "disk"}, "=disk with"),
        ({"redis_url": REDIS}, {"REFLEX_REDIS_URL": "redis://other/0"}, "different servers"),
        ({"redis_url": REDIS}, {"GRANIAN_WORKERS": "many"}, "not a whole number"),
    ],
)
def test_refused(values: dict[str, object], environ: dict[str, str], message: str) -> None:
    with pytest.raises(WebWorkersRefused, match=message):
        plan_web_workers(settings(**values), environ, 2)


def test_apply_tells_reflex() -> None:
    environ: dict[str, str] = {}
    apply_web_workers(settings(redis_url=REDIS, web_workers=2), environ)
    assert environ == {"REFLEX_REDIS_URL": REDIS, "GRANIAN_WORKERS": "2"}
    alone: dict[str, str] = {}
    apply_web_workers(settings(), alone)
    assert alone == {"GRANIAN_WORKERS": "1"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"IMAGEAPP_WEB_WORKERS": "3"}, "imageapp: 3 web workers need IMAGEAPP_REDIS_URL"),
        (
            {"IMAGEAPP_REDIS_URL": REDIS, "REFLEX_STATE_MANAGER_MODE": "disk"},
            "imageapp: REFLEX_STATE_MANAGER_MODE=disk with a Redis URL",
        ),
    ],
)
def test_reflex_run_stops_at_the_config(environ: dict[str, str], message: str) -> None:
    """rxconfig.py is what `reflex run` and every worker read first: it refuses there."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("IMAGEAPP_", "REFLEX_REDIS", "REFLEX_STATE", "GRANIAN_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", "import rxconfig"],
        cwd=PROJECT_ROOT,
        env=clean | environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(message), result.stderr
