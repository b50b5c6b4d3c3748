"""``alembic upgrade head`` on an empty database gives exactly the schema of the models."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import imageapp.models  # noqa: F401  (registers the tables)
from alembic import command
from imageapp.config import PROJECT_ROOT
from imageapp.db import create_engine_for
from imageapp.jobs.broker import not_a_queue_table
from tests.conftest import alembic_upgrade, require_postgres


def schema_differences(url: str) -> list[object]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            options = {"compare_type": True, "include_name": not_a_queue_table}
            context = MigrationContext.configure(connection, opts=options)
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def test_sqlite_upgrade_head_matches_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    alembic_upgrade(url)
    assert schema_differences(url) == []


@pytest.mark.postgres
def test_postgres_upgrade_head_matches_models(postgres_database: str) -> None:
    assert schema_differences(postgres_database) == []


def test_upgrade_creates_the_contracted_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    alembic_upgrade(url)
    engine = create_engine_for(url)
    columns = {column["name"] for column in sa.inspect(engine).get_columns("image")}
    indexes = {index["name"] for index in sa.inspect(engine).get_indexes("image")}
    engine.dispose()
    assert {
        "id",
        "status",
        "upload_token",
        "temp_path",
        "original_filename",
        "client_mime_type",
        "mime_type",
        "size_bytes",
        "width",
        "height",
        "title",
        "alt_text",
        "description",
        "slug",
        "created_at",
        "updated_at",
        # 0007: camera facts (DESIGN.md, Formats)
        "taken_at",
        "camera_make",
        "camera_model",
        "lens_model",
        "focal_length_mm",
        "f_number",
        "exposure_time",
        "iso",
    } <= columns
    assert not {name for name in columns if "gps" in name.lower()}  # GPS is never a column
    assert "ix_image_status_created_at" in indexes
    assert "ix_image_store_id_taken_at" in indexes


def test_postgres_is_required_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard itself: with CI set, a missing server is a failure, never a skip."""
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr("tests.conftest.postgres_available", lambda: False)
    with pytest.raises(pytest.fail.Exception):
        require_postgres()


def test_0002_keeps_existing_images_and_downgrades_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "0001")
    engine = create_engine_for(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO image (status, original_filename, mime_type, size_bytes, width, "
                "height, created_at, updated_at) VALUES ('active', 'a.jpg', 'image/jpeg', 1, 1, "
                "1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT id, sha256 FROM image")).all() == [(1, None)]
        assert connection.scalar(sa.text("SELECT count(*) FROM rendition")) == 0
    command.downgrade(config, "0001")
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert "rendition" not in tables
    assert "image" in tables
