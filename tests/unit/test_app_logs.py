"""imageapp's INFO lines reach stderr in a web worker, where Reflex and Granian configure only
their own loggers; an application's own logging configuration is left to decide."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging, sys
{setup}
from imageapp.app_logs import show_app_logs
show_app_logs()
show_app_logs()
logging.getLogger("imageapp.jobs.worker").info("image 7: 4 rendition(s) written")
logging.getLogger("imageapp.jobs.worker").debug("not shown")
"""


def run(setup: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(setup=setup)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stderr


def test_info_lines_are_shown_once() -> None:
    output = run("")
    (line,) = output.splitlines()
    level, pid, rest = line.split(" ", 2)
    assert (level, rest) == ("[INFO]", "imageapp.jobs.worker: image 7: 4 rendition(s) written")
    assert pid.isdigit()


def test_an_existing_configuration_decides() -> None:
    setup = "logging.basicConfig(level=logging.WARNING, format='%(message)s')"
    assert run(setup) == ""
