"""Running `imageapp ...` as a person does: a subprocess with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m imageapp ARGS` with ``env`` over this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "imageapp", *args],
        input=stdin,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
