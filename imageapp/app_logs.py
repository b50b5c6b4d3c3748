"""imageapp's own log lines (INFO and up) on the web server's stderr.

Reflex's CLI attaches its handlers to the ``reflex`` logger only and Granian to its own, so
a record of ``imageapp.*`` found no handler and fell to logging's last resort, which shows
WARNING and up: the embedded worker's "4 rendition(s) written", failed logins and the like
never showed under `make run`. Nothing is added when the root logger has handlers (an
application's own logging configuration, pytest's capture): that configuration decides.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import AsyncIterator

# Granian's own "[LEVEL] message" look, with the process: which of several web workers said it.
FORMAT = "[%(levelname)s] %(process)d %(name)s: %(message)s"


def show_app_logs(level: int = logging.INFO) -> None:
    """Send ``imageapp.*`` records at ``level`` and up to stderr (idempotent)."""
    logger = logging.getLogger("imageapp")
    if logging.getLogger().handlers or logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(level)


@contextlib.asynccontextmanager
async def app_logs() -> AsyncIterator[None]:
    """A lifespan task: every web worker process shows imageapp's log lines."""
    show_app_logs()
    yield
