"""nginx on loopback in front of a test server, running the shipped deploy/nginx config.

The site file is ``deploy/nginx/imageapp.conf`` itself with only what a test machine must
change substituted (ports, the certificate, the webroot; IPv6 listeners dropped): each
substitution must match, so the test fails when the shipped file drifts. nginx runs as the
current user in the foreground (``daemon off``: the process started is the master), with its
pid file, logs and temp dirs in the test's directory, and is stopped by its PID.
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import grp
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.prod_server import PROJECT_ROOT, free_port

SITE_CONFIG = PROJECT_ROOT / "deploy" / "nginx" / "imageapp.conf"
STARTUP_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary() -> str:
    """Debian's nginx (`make nginx` installs it); /usr/sbin is not on every user's PATH."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.fail("nginx is not installed: run `make nginx` (Debian's nginx package)")
    return found


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate for ``host`` (openssl CLI), as certbot's two files."""
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}"]
    command += ["-addext", f"subjectAltName=IP:{host}"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return cert, key


def render_site(
    *, app_port: int, http_port: int, https_port: int, cert: Path, key: Path, webroot: Path
) -> str:
    """The shipped site file with the test machine's ports and files."""
    text = SITE_CONFIG.read_text(encoding="utf-8")
    live = "/etc/letsencrypt/live/photos.example.com"
    for old, new in (
        ("server 127.0.0.1:3000;", f"server 127.0.0.1:{app_port};"),
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (f"{live}/fullchain.pem", str(cert)),
        (f"{live}/privkey.pem", str(key)),
        ("root /var/www/html;", f"root {webroot};"),
    ):
        assert old in text, f"{SITE_CONFIG.name} no longer contains {old!r}"
        text = text.replace(old, new)
    return text


def main_config(directory: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives the site, with every path in ``directory``."""
    user = ""
    if os.geteuid() == 0:  # root's workers would become nobody and lose the temp dirs
        user = f"user {getpass.getuser()} {grp.getgrgid(os.getegid()).gr_name};\n"
    temp = "\n".join(f"    {name}_temp_path {directory / name};" for name in TEMP_DIRS)
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} info;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {directory / 'access.log'};\n{temp}\n"
        f"    include {site};\n}}\n"
    )


@dataclasses.dataclass
class Nginx:
    """A running nginx: its ports, files and master process."""

    directory: Path
    http_port: int
    https_port: int
    process: subprocess.Popen[bytes]

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def tls(self) -> ssl.SSLContext:
        """A client context trusting the test's self-signed certificate (nothing else)."""
        return ssl.create_default_context(cafile=self.directory / "fullchain.pem")

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def access_log(self) -> str:
        path = self.directory / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""


def write_config(directory: Path, app_port: int, http_port: int, https_port: int) -> Path:
    """Site, main config and certificate in ``directory``; returns the main config."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in TEMP_DIRS:
        (directory / name).mkdir(exist_ok=True)
    webroot = directory / "www"
    (webroot / ".well-known" / "acme-challenge").mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_certificate(directory)
    site = directory / "imageapp.conf"
    site.write_text(
        render_site(
            app_port=app_port,
            http_port=http_port,
            https_port=https_port,
            cert=cert,
            key=key,
            webroot=webroot,
        )
    )
    main = directory / "nginx.conf"
    main.write_text(main_config(directory, site))
    return main


def _nginx_command(main: Path) -> list[str]:
    """nginx with its prefix, early error log and configuration all in the test's directory."""
    directory = str(main.parent)
    return [nginx_binary(), "-p", directory, "-e", f"{directory}/error.log", "-c", str(main)]


def check_config(main: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on it."""
    return subprocess.run(
        [*_nginx_command(main), "-t", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )


@contextlib.contextmanager
def running_nginx(
    directory: Path, app_port: int, http_port: int = 0, https_port: int = 0
) -> Iterator[Nginx]:
    """nginx in front of 127.0.0.1:``app_port`` (its own ports: given, else free ones);
    stopped (by PID) and checked afterwards."""
    http_port, https_port = http_port or free_port(), https_port or free_port()
    main = write_config(directory, app_port, http_port, https_port)
    checked = check_config(main)
    assert checked.returncode == 0, checked.stderr
    with (directory / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            _nginx_command(main),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    nginx = Nginx(directory, http_port, https_port, process)
    try:
        _wait_until_listening(nginx)
        yield nginx
    finally:
        _stop(process)
        assert not _listening(https_port), f"nginx still listens on {https_port}"


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_until_listening(nginx: Nginx) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if nginx.process.poll() is not None:
            pytest.fail(f"nginx exited with {nginx.process.returncode}:\n{nginx.error_log()}")
        if _listening(nginx.https_port) and _listening(nginx.http_port):
            return
        time.sleep(0.1)
    pytest.fail(f"nginx did not listen within {STARTUP_TIMEOUT_S:.0f} s:\n{nginx.error_log()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the master (it stops its workers), SIGKILL to the group if it hangs."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)
