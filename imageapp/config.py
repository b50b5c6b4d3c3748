"""Settings for imageapp, read from the environment (prefix ``IMAGEAPP_``) when first asked for."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


class Settings(BaseSettings):
    """Everything an operator can change. Names and defaults are fixed by DESIGN.md."""

    model_config = SettingsConfigDict(env_prefix="IMAGEAPP_", extra="ignore")

    database_url: str = f"sqlite:///{INSTANCE_DIR / 'imageapp.db'}"
    storage_dir: Path = PROJECT_ROOT / "uploaded_files"
    pending_ttl_minutes: int = Field(default=60, ge=1)
    max_upload_bytes: int = Field(default=26_214_400, ge=1)
    max_pixels: int = Field(default=40_000_000, ge=1)
    secret_key: str = ""
    secret_key_file: Path = INSTANCE_DIR / "secret_key"
    session_cookie_secure: bool = False
    page_size: int = Field(default=24, ge=1, le=200)

    @field_validator("storage_dir", "secret_key_file")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value if value.is_absolute() else (Path.cwd() / value).resolve()

    def resolved_secret_key(self) -> str:
        """The configured key, else the one kept in ``secret_key_file`` (created on first run)."""
        if self.secret_key:
            return self.secret_key
        return _load_or_create_secret(self.secret_key_file)


def _load_or_create_secret(path: Path) -> str:
    """Read the persisted key; create it atomically (0600) if this is the first run."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)  # atomic publish: readers never see a half-written key
    except FileExistsError:
        pass  # another process created it first: everyone uses that one
    finally:
        draft.unlink()
    return path.read_text(encoding="ascii").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
