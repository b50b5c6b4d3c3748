"""deploy/: the nginx site, the systemd units and the example environment agree with the app.

tests/browser/test_behind_nginx.py runs the nginx site for real; these are the fast checks:
the body limit matches IMAGEAPP_MAX_UPLOAD_BYTES, uploads are not buffered, the units run
what `make run` runs and pass `systemd-analyze verify`, the environment file is valid.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from imageapp.config import Settings
from tests.support.nginx import SITE_CONFIG, check_config, write_config
from tests.support.prod_server import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = DEPLOY / "systemd"
ENV_EXAMPLE = DEPLOY / "imageapp.env.example"
UPLOAD_LOCATIONS = ("= /nojs/images/upload", "/_upload", "/tus/", "/api/v1/uploads")
MIB = 1 << 20


def locations(text: str) -> dict[str, str]:
    """Each ``location ... { ... }`` block's body, by its argument (no nested blocks here)."""
    return {
        match[1].strip(): match[2] for match in re.finditer(r"location\s+([^{]+)\{([^}]*)\}", text)
    }


def missing_tool(name: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is missing (CI must run this check)")
    pytest.skip(f"{name} is missing")


def test_upload_routes_stream_and_take_the_largest_accepted_file() -> None:
    found = locations(SITE_CONFIG.read_text())
    limit = Settings.model_fields["max_upload_bytes"].default
    for location in UPLOAD_LOCATIONS:
        body = found[location]
        assert "proxy_request_buffering off;" in body, location
        size = re.search(r"client_max_body_size (\d+)m;", body)
        assert size is not None, location
        # The file plus room for the multipart envelope, not much more.
        assert limit + 64 * 1024 <= int(size[1]) * MIB <= limit + 2 * MIB, location
    assert f"The limit is {limit // MIB} MB." in found["@too_large"]


def test_the_websocket_is_upgraded_and_kept_open() -> None:
    text = SITE_CONFIG.read_text()
    assert re.search(r"map \$http_upgrade \$imageapp_connection \{\s*default upgrade;", text)
    assert "proxy_set_header Connection $imageapp_connection;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_read_timeout 1h;" in locations(text)["/_event"]
    # What the app believes from a trusted proxy, and nothing that widens the origin check.
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
    assert "proxy_set_header X-Forwarded-Host" not in text
    assert "proxy_set_header Host $http_host;" in text  # its port kept for redirects


def test_nginx_accepts_the_shipped_site(tmp_path: Path) -> None:
    if shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:" + os.environ["PATH"]) is None:
        missing_tool("nginx (make nginx)")
    checked = check_config(write_config(tmp_path, app_port=3000, http_port=8080, https_port=8443))
    assert checked.returncode == 0, checked.stderr


def unit_setting(unit: Path, key: str) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in unit.read_text().splitlines()
        if line.startswith(f"{key}=")
    ]


def make_recipe(target: str) -> list[str]:
    """The commands `make -n TARGET` prints (a dry run), the install steps left out."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", "install", "-o", "bun", target],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={key: value for key, value in os.environ.items() if not key.startswith("MAKE")},
    )
    return done.stdout.splitlines()


def as_installed(command: str) -> list[str]:
    """A command of the checkout's venv, as the units spell it (the checkout in /srv)."""
    return shlex.split(re.sub(r"(^|\s)\.venv/", r"\1/srv/imageapp/.venv/", command))


def test_the_web_unit_runs_what_make_run_runs() -> None:
    """`make run` migrates, then serves; the unit does the same, on loopback for nginx."""
    web = UNITS / "imageapp-web.service"
    recipe = make_recipe("run")
    (migrate,) = [line for line in recipe if "alembic upgrade head" in line]
    (serve,) = [line for line in recipe if " run --env prod " in line]
    migrate_command = migrate.split("then ", 1)[1].split(";")[0]
    assert unit_setting(web, "ExecStartPre") == [" ".join(as_installed(migrate_command))]
    (exec_start,) = unit_setting(web, "ExecStart")
    expected = as_installed(serve)
    expected[expected.index("--frontend-port") + 1] = "3000"
    expected[expected.index("--backend-host") + 1] = "127.0.0.1"  # nginx in front
    assert shlex.split(exec_start) == expected
    upstream = re.search(r"upstream imageapp \{\s*server ([\d.:]+);", SITE_CONFIG.read_text())
    assert upstream is not None
    assert upstream[1] == "127.0.0.1:3000"


def test_the_units_pass_systemd_analyze(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        missing_tool("systemd-analyze")
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/srv/imageapp", str(PROJECT_ROOT))
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(path) for path in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for unit in ("imageapp-worker@.service", "imageapp-cleanup.service"):
        (exec_start,) = unit_setting(UNITS / unit, "ExecStart")
        command = shlex.split(exec_start)
        assert command[0] == "/srv/imageapp/.venv/bin/imageapp"
        assert command[1] in ("worker", "cleanup-temp")


def environment_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            assert key == key.strip(), line
            assert value == value.strip(), line
            values[key] = value
    return values


def test_the_example_environment_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    example = environment_example()
    known = {f"IMAGEAPP_{name.upper()}" for name in Settings.model_fields}
    unknown = {key for key in example if key.startswith("IMAGEAPP_")} - known
    assert unknown == set()
    for key in os.environ:
        if key.startswith("IMAGEAPP_"):
            monkeypatch.delenv(key)
    for key, value in example.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.public_url == "https://photos.example.com"
    assert settings.secure_cookies
    assert settings.redis_url
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert not settings.embedded_worker
    assert settings.max_upload_bytes == Settings.model_fields["max_upload_bytes"].default
    assert settings.storage_url.startswith("s3://")
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} <= set(example)
