"""Shared fixtures: real SQLite files and a real PostgreSQL database, real storage in tmp_path."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from alembic.config import Config
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from alembic import command
from imageapp.config import PROJECT_ROOT, Settings, get_settings
from imageapp.db import create_engine_for, dispose_engines
from imageapp.jobs.tasks import forget_jobs, get_jobs
from imageapp.services.backends import storage_for
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.support.seaweed import seaweed  # noqa: F401 (a session fixture)

POSTGRES_ADMIN_URL = os.environ.get(
    "IMAGEAPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def alembic_upgrade(url: str) -> None:
    """Apply every migration to ``url``, exactly as ``make run`` does."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "head")


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError:
        return False
    return True


def require_postgres() -> None:
    """Skip loudly on a person's machine without PostgreSQL; in CI a missing server fails."""
    if postgres_available():
        return
    message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run the PostgreSQL tests.")
    print(f"\n*** SKIPPING PostgreSQL tests: {message} ***\n")
    pytest.skip(message)


REDIS_URL = os.environ.get("IMAGEAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:
    """Redis's URL; skip loudly on a person's machine without it, fail in CI."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        message = f"Redis is not reachable at {REDIS_URL}"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the Redis tests.")
        print(f"\n*** SKIPPING Redis tests: {message} ***\n")
        pytest.skip(message)
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated to head, dropped afterwards."""
    require_postgres()
    name = f"imageapp_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = (
        sa.engine.make_url(POSTGRES_ADMIN_URL)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    alembic_upgrade(url)
    yield url
    dispose_engines()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    alembic_upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database: a real SQLite file, or the real PostgreSQL server."""
    if request.param == "sqlite":
        target = tmp_path / "imageapp.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    url = request.getfixturevalue("postgres_database")
    engine = create_engine_for(url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only, for tests that are not about databases (HTTP, CLI)."""
    target = tmp_path / "imageapp.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


# Tests that touch files run on both storage backends: the local disk and a bucket on a real
# SeaweedFS (tests/support/seaweed.py). Service tests opt in by using one of these fixtures,
# HTTP tests by the ``both_storages`` mark; ``local_storage_only`` keeps a test on the disk
# (it ages files with os.utime, or wraps LocalStorage to time a race).
FILE_FIXTURES = {"storage", "uploads", "cleanup"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "storage_backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("local_storage_only"):
        return
    for chosen in metafunc.definition.iter_markers("parametrize"):
        if "storage_backend" in str(chosen.args[0]):
            return  # the test picked its backend itself
    opted_in = metafunc.definition.get_closest_marker("both_storages") is not None
    if opted_in or FILE_FIXTURES & set(metafunc.fixturenames):
        metafunc.parametrize(
            "storage_backend", ["local", pytest.param("s3", marks=pytest.mark.s3)], indirect=True
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The bucket with SQLite only: PostgreSQL x S3 adds time, not cases (the storage and
    the database meet only through stored names, the same on both)."""
    keep = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("storage_backend") == "s3" and params.get("database_url") == "postgresql":
            continue
        keep.append(item)
    items[:] = keep


@pytest.fixture
def storage_backend(request: pytest.FixtureRequest) -> str:
    """ "local" or "s3" (parametrized for tests that touch files, else the local disk)."""
    return str(getattr(request, "param", "local"))


@pytest.fixture
def settings(
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    storage_backend: str,
) -> Settings:
    """Settings pointing at this test's database and storage; also what get_settings() returns."""
    use_bucket(request, monkeypatch, storage_backend)
    return configure_settings(tmp_path, database_url, monkeypatch)


def use_bucket(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """For the s3 backend: a fresh library (bucket/prefix) on the session's SeaweedFS."""
    if backend != "s3":
        return
    from tests.support.seaweed import ACCESS_KEY, SECRET_KEY

    server = request.getfixturevalue("seaweed")
    monkeypatch.setenv("IMAGEAPP_STORAGE_URL", server.new_library())
    monkeypatch.setenv("IMAGEAPP_S3_ENDPOINT_URL", server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def configure_settings(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("IMAGEAPP_DATABASE_URL", url)
    monkeypatch.setenv("IMAGEAPP_STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("IMAGEAPP_SECRET_KEY", "test-secret-key-" + uuid.uuid4().hex)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with the smallest cost: hundreds of logins per run stay fast."""
    monkeypatch.setattr(
        "imageapp.services.accounts._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    forget_jobs()
    yield
    get_settings.cache_clear()
    forget_jobs()
    dispose_engines()


@pytest.fixture(autouse=True)
def _jobs_run_at_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs queued by a test run at once in it (Huey's immediate mode), so tests that expect
    renditions after finalize see them. Tests marked ``real_queue`` use the real broker, and
    the served app of ``browser``/``slow`` tests its embedded worker."""
    if not any(request.node.get_closest_marker(m) for m in ("real_queue", "browser", "slow")):
        monkeypatch.setenv("IMAGEAPP_QUEUE_IMMEDIATE", "true")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = create_engine_for(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def storage(settings: Settings) -> Storage:
    """The test's storage: a directory in tmp_path, or a fresh bucket (``storage_backend``)."""
    return storage_for(settings)


@pytest.fixture
def cleanup(engine: Engine, storage: Storage) -> DiskImageCleanupService:
    return DiskImageCleanupService(engine, storage)


@pytest.fixture
def uploads(
    engine: Engine, storage: Storage, settings: Settings, cleanup: DiskImageCleanupService
) -> UploadService:
    return UploadService(
        engine=engine, storage=storage, settings=settings, cleanup=cleanup, jobs=get_jobs(settings)
    )
