"""The `make dev` proxy: exactly the backend's paths go from Vite to the backend."""

from __future__ import annotations

import json
import re

import pytest

from imageapp.dev_server import backend_path_pattern, with_backend_proxy

VITE_CONFIG = "export default {\n  server: {\n    port: process.env.PORT,\n  },\n};\n"


@pytest.mark.parametrize(
    "url",
    [
        "/nojs",
        "/nojs/",
        "/nojs/images?page=2",
        "/nojs/login?next=/upload",
        "/media/12",
        "/media/12/thumb.webp",
        "/tus/",
        "/tus/0f3c9a2e",
        "/_event/?EIO=4&transport=websocket",
        "/_upload",
        "/ping",
        "/_health",
    ],
)
def test_backend_paths_are_proxied(url: str) -> None:
    assert re.search(backend_path_pattern(), url)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/upload",
        "/images/3",
        "/galleries",
        "/nojsx",
        "/mediafile",
        "/tusk",
        "/pingpong",
        "/app/root.jsx",
        "/@vite/client",
        "/images/nojs",
    ],
)
def test_pages_and_vite_paths_stay_with_vite(url: str) -> None:
    assert not re.search(backend_path_pattern(), url)


def test_the_proxy_goes_into_the_server_block_once() -> None:
    patched = with_backend_proxy(VITE_CONFIG, 8123)
    assert with_backend_proxy(patched, 8123) == patched
    line = next(line for line in patched.splitlines() if "proxy:" in line)
    options = json.loads(line.strip().removeprefix("proxy: ").rstrip(","))
    assert options == {
        backend_path_pattern(): {
            "target": "http://127.0.0.1:8123",
            "ws": True,
            "changeOrigin": False,
        }
    }
    assert patched.index("server: {") < patched.index("proxy:") < patched.index("port:")


def test_a_changed_reflex_template_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="no `server` block"):
        with_backend_proxy("export default {};\n", 8000)
