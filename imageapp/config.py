"""Settings for imageapp, read from the environment (prefix ``IMAGEAPP_``) when first asked for."""

from __future__ import annotations

import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from imageapp.proxies import parse_trusted_proxies

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


AVIF_QUALITY = 62
AVIF_SPEED = 8
RenditionFormat = Literal["avif", "webp", "jpeg", "png"]


class RenditionPreset(BaseModel):
    """One size of web-ready copies: its size, output formats and their quality.

    ``fit``: "contain" (default) scales the picture down to ``longest_side``; "cover" makes
    exactly ``width`` x ``height``, cropped around the image's focal point (its centre when it
    has none). ``jpeg`` means "JPEG, or PNG when the image has transparency" (JPEG cannot keep
    alpha).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    fit: Literal["contain", "cover"] = "contain"
    # A cover preset's longest side is its larger dimension (filled in when not given).
    longest_side: int = Field(ge=16, le=8192)
    width: int | None = Field(default=None, ge=16, le=8192)
    height: int | None = Field(default=None, ge=16, le=8192)
    formats: tuple[RenditionFormat, ...] = Field(default=("avif", "webp", "jpeg"), min_length=1)
    jpeg_quality: int = Field(default=82, ge=1, le=95)
    webp_quality: int = Field(default=80, ge=1, le=100)
    # WebP lossless (PNG is always lossless); larger files, exact pixels.
    lossless: bool = False
    # libwebp effort 0 (fast) .. 6 (small). 2, not libwebp's own 4: ~25 % faster for ~4 %
    # larger WebP files, which brings renditions within the pyvips targets (README, Benchmarks).
    webp_method: int = Field(default=2, ge=0, le=6)
    # libavif (aom) quality 0-100 and speed 0 (slow, small) .. 10 (fast): chosen by
    # bench/avif_settings.py for SSIM within 1 % of the WebP copy at a smaller size (README).
    avif_quality: int = Field(default=AVIF_QUALITY, ge=0, le=100)
    avif_speed: int = Field(default=AVIF_SPEED, ge=0, le=10)

    @model_validator(mode="before")
    @classmethod
    def _cover_needs_its_size(cls, data: Any) -> Any:
        """A cover preset names both sides; a contain one only its longest side."""
        if not isinstance(data, dict):
            return data
        name = data.get("name", "?")
        if data.get("fit") == "cover":
            missing = [side for side in ("width", "height") if data.get(side) is None]
            if missing:
                raise ValueError(
                    f'preset {name!r} has fit "cover": it needs both "width" and "height" '
                    f"(missing: {', '.join(missing)})"
                )
            sides = (data["width"], data["height"])
            if data.get("longest_side") is None and all(isinstance(v, int) for v in sides):
                data = {**data, "longest_side": max(sides)}
        elif data.get("width") is not None or data.get("height") is not None:
            raise ValueError(
                f'preset {name!r}: "width" and "height" are for fit "cover"; '
                'fit "contain" (the default) takes "longest_side"'
            )
        return data


DEFAULT_PRESETS = (
    RenditionPreset(name="thumb", longest_side=320),
    RenditionPreset(name="web", longest_side=1600),
)


class Settings(BaseSettings):
    """Everything an operator can change. Names and defaults are fixed by DESIGN.md."""

    model_config = SettingsConfigDict(env_prefix="IMAGEAPP_", extra="ignore")

    database_url: str = f"sqlite:///{INSTANCE_DIR / 'imageapp.db'}"
    storage_dir: Path = PROJECT_ROOT / "uploaded_files"
    # s3://BUCKET[/PREFIX]: every file in S3-compatible storage (credentials and region from
    # the standard AWS_* variables); unset: the local disk under storage_dir.
    storage_url: str = ""
    # The S3 server's address when it is not AWS (SeaweedFS, MinIO, Garage, ...).
    s3_endpoint_url: str = ""
    pending_ttl_minutes: int = Field(default=60, ge=1)
    max_upload_bytes: int = Field(default=26_214_400, ge=1)
    max_pixels: int = Field(default=40_000_000, ge=1)
    # Bytes per tus PATCH request of the Reflex upload page; 0: the rest of the file in one.
    # Smaller pieces suit a proxy with a body limit and lose less when a connection drops.
    upload_chunk_bytes: int = Field(default=0, ge=0)
    secret_key: str = ""
    secret_key_file: Path = INSTANCE_DIR / "secret_key"
    session_cookie_secure: bool = False
    page_size: int = Field(default=24, ge=1, le=200)
    # JSON list of presets, e.g. [{"name": "thumb", "longest_side": 320}, ...].
    rendition_presets: tuple[RenditionPreset, ...] = Field(default=DEFAULT_PRESETS, min_length=1)
    # Keep EXIF/XMP (GPS included) on the stored original; renditions never carry any.
    keep_original_metadata: bool = False
    # Default quotas of every store (a store's own limits win); None means unlimited.
    store_max_images: int | None = Field(default=None, ge=1)
    store_max_bytes: int | None = Field(default=None, ge=1)
    # Let anyone fetch active images' files from the media route (default: members only).
    public_media: bool = False
    # The job queue's broker: redis://..., postgresql://..., sqlite:///FILE; unset: derived
    # from database_url (the same PostgreSQL database, or a SQLite file beside the database).
    queue_url: str = ""
    # Run the jobs inside the web app's process (`make run`); off when `imageapp worker`s run.
    embedded_worker: bool = True
    # Run every job at once in the process that enqueues it (debugging, tests): no worker.
    queue_immediate: bool = False
    # Reflex's state in Redis, and several web worker processes (imageapp/web_workers.py).
    redis_url: str = ""
    # Web worker processes with redis_url; unset: min(2 x CPUs + 1, 8). Without Redis: 1.
    web_workers: int | None = Field(default=None, ge=1, le=64)
    # Requests one API token may make per minute, counted across every web worker (in Redis
    # with redis_url, else in the database); past it: 429 with Retry-After.
    api_rate_limit_per_minute: int = Field(default=600, ge=1)
    # Deleted images stay in the trash this many days; then cleanup-temp removes them for good.
    trash_days: int = Field(default=30, ge=1, le=3650)

    # -- behind a reverse proxy (DESIGN.md, Running at scale; deploy/, README Deploying) --------
    # The address people use, e.g. https://photos.example.com: the browser's websocket and
    # upload address (rxconfig.py), Secure cookies when https, the websocket's allowed origin.
    public_url: str = ""
    # Comma-separated addresses/CIDRs whose X-Forwarded-For/-Proto are believed (proxies.py).
    trusted_proxies: str = ""

    @field_validator("public_url")
    @classmethod
    def _public_url_is_an_origin(cls, value: str) -> str:
        return public_origin(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies_parse(cls, value: str) -> str:
        parse_trusted_proxies(value)
        return value

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS: asked for, or the public address is https."""
        return self.session_cookie_secure or self.public_url.startswith("https://")

    @field_validator("rendition_presets")
    @classmethod
    def _unique_preset_names(
        cls, presets: tuple[RenditionPreset, ...]
    ) -> tuple[RenditionPreset, ...]:
        names = [preset.name for preset in presets]
        if len(names) != len(set(names)):
            raise ValueError("rendition preset names must be unique")
        return presets

    def preset(self, name: str) -> RenditionPreset | None:
        """The configured preset called ``name``, if any."""
        return next((preset for preset in self.rendition_presets if preset.name == name), None)

    @field_validator("storage_url")
    @classmethod
    def _storage_url(cls, value: str) -> str:
        if value and not re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?", value):
            raise ValueError(
                "IMAGEAPP_STORAGE_URL must be s3://BUCKET or s3://BUCKET/PREFIX "
                "(leave it unset for the local disk)"
            )
        return value

    @field_validator("storage_dir", "secret_key_file")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value if value.is_absolute() else (Path.cwd() / value).resolve()

    def resolved_queue_url(self) -> str:
        """``queue_url``, else the broker the database gives: itself, or a file beside it."""
        if self.queue_url:
            return self.queue_url
        if self.database_url.startswith("postgresql"):
            return self.database_url
        if self.database_url.startswith("sqlite:///"):
            database = Path(self.database_url.removeprefix("sqlite:///"))
            return f"sqlite:///{database.with_name(database.stem + '-jobs.db')}"
        return f"sqlite:///{INSTANCE_DIR / 'imageapp-jobs.db'}"

    def resolved_secret_key(self) -> str:
        """The configured key, else the one kept in ``secret_key_file`` (created on first run,
        atomically, so every web worker of the machine reads the same one; web servers on
        several machines need the same IMAGEAPP_SECRET_KEY)."""
        if self.secret_key:
            return self.secret_key
        return _load_or_create_secret(self.secret_key_file)


def public_origin(url: str) -> str:
    """``url`` as ``scheme://host[:port]`` (lower case, no default port); "" stays "".

    A path, query or user part is refused: Reflex serves at the root, and the origin is
    what the browser's websocket handshake and the cookies are compared with.
    """
    url = url.strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "it must start with https:// (or http://) and name a host"
    elif parts.path or parts.query or parts.fragment or parts.username or parts.password:
        problem = "only scheme, host and port are allowed (no path, query or user)"
    else:
        try:
            port = parts.port
        except ValueError:
            problem = "its port is not a number from 1 to 65535"
    if problem:
        raise ValueError(f"IMAGEAPP_PUBLIC_URL={url!r}: {problem}, e.g. https://photos.example.com")
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


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


# Cached per process: the environment every worker is started with, read once; no state.
@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
