"""rxconfig.py with IMAGEAPP_PUBLIC_URL: the built frontend's websocket and upload addresses.

Reflex bakes these into the compiled UI (``.web/env.json``) when `reflex run --env prod`
builds it; read here the way the build reads them, after the CLI set its port as
`make run` does, in a fresh interpreter (rxconfig is read once per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.prod_server import PROJECT_ROOT

ADDRESSES = """
import json
from reflex_base import constants
from reflex_base.config import get_config
config = get_config()
config._set_persistent(frontend_port=3000, backend_port=3000)  # `reflex run --env prod`
print(json.dumps({endpoint.name: endpoint.get_url() for endpoint in constants.Endpoint}))
"""


def built_addresses(public_url: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("IMAGEAPP_", "REFLEX_", "GRANIAN_"))
    }
    env.update(REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false")
    if public_url is not None:
        env["IMAGEAPP_PUBLIC_URL"] = public_url
    done = subprocess.run(
        [sys.executable, "-c", ADDRESSES],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    addresses: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return addresses


@pytest.mark.parametrize(
    ("public_url", "event", "upload"),
    [
        (
            "https://photos.example.com/",
            "wss://photos.example.com/_event",
            "https://photos.example.com/_upload",
        ),
        (
            "http://192.0.2.4:8080",
            "ws://192.0.2.4:8080/_event",
            "http://192.0.2.4:8080/_upload",
        ),
        (None, "ws://localhost:3000/_event", "http://localhost:3000/_upload"),
    ],
)
def test_the_frontend_connects_to_the_public_address(
    public_url: str | None, event: str, upload: str
) -> None:
    addresses = built_addresses(public_url)
    assert addresses["EVENT"] == event
    assert addresses["UPLOAD"] == upload


def test_a_bad_public_url_stops_the_start() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMAGEAPP_")}
    env.update(IMAGEAPP_PUBLIC_URL="photos.example.com", REFLEX_TELEMETRY_ENABLED="false")
    done = subprocess.run(
        [sys.executable, "-c", "import rxconfig"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "imageapp: " in done.stderr
    assert "IMAGEAPP_PUBLIC_URL='photos.example.com': it must start with https://" in done.stderr
    assert "Traceback" not in done.stderr
