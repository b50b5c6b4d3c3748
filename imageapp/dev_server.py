"""`make dev`: Reflex's dev server, with every backend path reachable from the frontend's port.

In dev mode Vite serves the frontend (``PORT``) and the backend listens on ``BACKEND_PORT``.
The no-JS pages, the media route and the login/setup forms live on the backend only, and
the login cookie must be set for the address the person uses, so Vite proxies those paths
to the backend. ``make dev`` also points Reflex's ``api_url`` at the frontend's port, so the
websocket and the uploads go through the same proxy: the browser talks to ONE origin, and
the backend's same-origin websocket check stays as strict in dev as in production (the
proxy keeps the ``Host`` header, so no extra origin is ever allowed).
"""

from __future__ import annotations

import json
from typing import Any

from reflex_base.constants import Endpoint
from reflex_base.constants.base import Env
from reflex_base.environment import environment
from reflex_base.plugins.base import Plugin

VITE_CONFIG_FILE = "vite.config.js"
# Paths the backend answers (the fallback app's and Reflex's own); everything else is the SPA.
FALLBACK_PATHS = ("nojs", "media", "tus")
REFLEX_PATHS = (Endpoint.EVENT.value, Endpoint.UPLOAD.value, Endpoint.PING.value, "_health")
SERVER_BLOCK = "  server: {\n"


def backend_path_pattern() -> str:
    """A Vite proxy key (a RegExp when it starts with ``^``) matching the backend's paths only."""
    names = "|".join(name.replace(".", r"\.") for name in (*FALLBACK_PATHS, *REFLEX_PATHS))
    return rf"^/({names})([/?]|$)"


def proxy_block(backend_port: int) -> str:
    """The ``server.proxy`` entry of vite.config.js sending backend paths to the backend."""
    target = {"target": f"http://127.0.0.1:{backend_port}", "ws": True, "changeOrigin": False}
    return f"    proxy: {{{json.dumps(backend_path_pattern())}: {json.dumps(target)}}},\n"


def with_backend_proxy(vite_config: str, backend_port: int) -> str:
    """``vite_config`` with the proxy added to its ``server`` block (once)."""
    if "proxy:" in vite_config:
        return vite_config
    if SERVER_BLOCK not in vite_config:
        msg = f"Reflex's {VITE_CONFIG_FILE} has no `server` block: cannot add the backend proxy"
        raise RuntimeError(msg)
    return vite_config.replace(SERVER_BLOCK, SERVER_BLOCK + proxy_block(backend_port), 1)


class DevBackendProxy(Plugin):
    """Adds the backend proxy to Reflex's generated vite.config.js in dev mode only."""

    def pre_compile(self, **context: Any) -> None:
        if environment.REFLEX_ENV_MODE.get() != Env.DEV:
            return  # production serves everything from one port: no Vite server at all
        from reflex_base.config import get_config  # read when compiling, after the CLI set it

        backend_port = int(get_config().backend_port or 8000)
        context["add_modify_task"](
            VITE_CONFIG_FILE, lambda text: with_backend_proxy(text, backend_port)
        )
