"""Database tables (plain SQLModel). Column names of ``image`` are fixed by DESIGN.md."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Explicit constraint names keep migrations and autogenerate identical on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC now: SQLite keeps no time zone, so every timestamp is stored as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class ImageStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    INACTIVE = "inactive"


class ImageTag(SQLModel, table=True):
    """Many-to-many link between images and tags."""

    __tablename__ = "image_tag"

    image_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("image.id", ondelete="CASCADE"), primary_key=True
        )
    )
    tag_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class Tag(SQLModel, table=True):
    __tablename__ = "tag"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(50), nullable=False, unique=True))


class Image(SQLModel, table=True):
    """One uploaded image: ``pending`` until its metadata is complete, then ``active``."""

    __tablename__ = "image"
    __table_args__ = (
        sa.Index("ix_image_status_created_at", "status", "created_at"),
        sa.CheckConstraint("status IN ('pending', 'active', 'inactive')", name="status_valid"),
        sa.CheckConstraint("rotate IN (0, 90, 180, 270)", name="rotate_valid"),
        # Slugs are unique within a store: another store's slugs are none of its business.
        sa.UniqueConstraint("store_id", "slug", name="uq_image_store_id_slug"),
        # The library sorted by date taken (sort=taken) within a store.
        sa.Index("ix_image_store_id_taken_at", "store_id", "taken_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(
        default=ImageStatus.PENDING.value, sa_column=sa.Column(sa.String(16), nullable=False)
    )
    upload_token: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(36), unique=True, nullable=True)
    )
    # The token that finished this upload: a repeated finalize returns this image, not an error.
    completed_upload_token: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(36), unique=True, nullable=True)
    )
    # Who owns a pending upload: "user:<id>" (CurrentUser.upload_owner).
    upload_owner: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(128), nullable=True)
    )
    temp_path: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    file_path: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    original_filename: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    client_mime_type: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    mime_type: str = Field(sa_column=sa.Column(sa.String(50), nullable=False))
    size_bytes: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    width: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    height: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    title: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    alt_text: str | None = Field(default=None, sa_column=sa.Column(sa.String(250)))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    slug: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    # NULL only for images uploaded before accounts existed; first-run setup claims them.
    store_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("store.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    uploaded_by: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("user.id", ondelete="SET NULL")),
    )
    # SHA-256 (hex) of the bytes as uploaded, before any metadata was stripped: finds duplicates.
    sha256: str | None = Field(default=None, sa_column=sa.Column(sa.String(64), index=True))
    # In the trash since (NULL: not trashed) and by whom: a trashed image keeps its row, tags,
    # gallery places and files, but no page, listing or URL shows it (services/scoping.py).
    trashed_at: datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime, nullable=True, index=True)
    )
    trashed_by: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("user.id", ondelete="SET NULL")),
    )
    # Step-2 values a person typed that were refused, kept so the form can show them again.
    metadata_draft: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # Camera facts read at step 1 before the metadata strip (services/camera_facts.py): the
    # camera's wall-clock time and, when it said, its UTC offset in minutes. Never GPS.
    taken_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))
    taken_at_utc_offset: int | None = Field(default=None, sa_column=sa.Column(sa.SmallInteger))
    camera_make: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    camera_model: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    lens_model: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    focal_length_mm: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    f_number: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    exposure_time: float | None = Field(default=None, sa_column=sa.Column(sa.Float))  # seconds
    iso: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    # What personal metadata the upload carried (JSON, services/metadata_found.py): step 2's
    # "Removed: ..." line, the same after a reload.
    metadata_found: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # The edit (services/edits.py): degrees clockwise, then a crop and a focal point in pixels
    # of the upright original, before the rotation. The original file never changes.
    rotate: int = Field(
        default=0, sa_column=sa.Column(sa.SmallInteger, nullable=False, server_default="0")
    )
    crop_x: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    crop_y: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    crop_width: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    crop_height: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    focal_x: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    focal_y: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )


class Rendition(SQLModel, table=True):
    """A web-ready copy of an image: one preset in one format, stored under ``images/``.

    ``path`` (``images/<original uuid>.<preset>.<content digest>.<nonce>.<ext>``) is written
    once and never changes; ``spec`` fingerprints the preset settings that made it,
    so ``imageapp renditions rebuild`` can tell outdated copies from done work.
    """

    __tablename__ = "rendition"
    __table_args__ = (sa.UniqueConstraint("image_id", "preset", "format"),)

    id: int | None = Field(default=None, primary_key=True)
    image_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("image.id", ondelete="CASCADE"), nullable=False
        )
    )
    preset: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    format: str = Field(sa_column=sa.Column(sa.String(8), nullable=False))
    width: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    height: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    size_bytes: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    path: str = Field(sa_column=sa.Column(sa.String(255), nullable=False, unique=True))
    spec: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )


class Store(SQLModel, table=True):
    """A shop, studio or team: every image and user belongs to exactly one."""

    __tablename__ = "store"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False, unique=True))
    # Quotas checked at step 1; NULL means the IMAGEAPP_STORE_MAX_* default applies.
    max_images: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    max_bytes: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )


class User(SQLModel, table=True):
    """A person who logs in. ``email`` is stored lowercased; the password only as an argon2 hash."""

    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    email: str = Field(sa_column=sa.Column(sa.String(254), nullable=False, unique=True))
    password_hash: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    is_admin: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )
    last_login_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))


class UserSession(SQLModel, table=True):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is kept here."""

    __tablename__ = "user_session"

    token_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )


class LoginFailure(SQLModel, table=True):
    """One failed login, for throttling per account and per address."""

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_email_created_at", "email", "created_at"),
        sa.Index("ix_login_failure_address_created_at", "address", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=sa.Column(sa.String(254), nullable=False))
    address: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )


class Installation(SQLModel, table=True):
    """At most one row: inserting it is how first-run setup claims the empty installation."""

    __tablename__ = "installation"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(default=1, sa_column=sa.Column(sa.Integer, primary_key=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )


class Gallery(SQLModel, table=True):
    """A named, ordered selection of a store's images; deleting it never deletes images."""

    __tablename__ = "gallery"
    __table_args__ = (sa.UniqueConstraint("store_id", "slug", name="uq_gallery_store_id_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    title: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    slug: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )


class GalleryImage(SQLModel, table=True):
    """An image's place in a gallery. ``display_order`` values leave gaps between neighbours,
    so a move writes one row; only when a gap is used up is the gallery renumbered."""

    __tablename__ = "gallery_image"
    __table_args__ = (
        sa.Index("ix_gallery_image_gallery_id_display_order", "gallery_id", "display_order"),
        # At most one cover per gallery (a partial unique index on both databases).
        sa.Index(
            "uq_gallery_image_one_featured",
            "gallery_id",
            unique=True,
            sqlite_where=sa.text("is_featured"),
            postgresql_where=sa.text("is_featured"),
        ),
    )

    gallery_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("gallery.id", ondelete="CASCADE"), primary_key=True
        )
    )
    image_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("image.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    display_order: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    is_featured: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))


class FileIntent(SQLModel, table=True):
    """A stored file being written or validated right now, recorded BEFORE the file exists.

    ``cleanup-temp`` never treats a file named here as an orphan; the writer deletes the row
    in the transaction that records the file for good, or it expires (a crashed writer). See
    ``imageapp.services.intents``.
    """

    __tablename__ = "file_intent"

    id: int | None = Field(default=None, primary_key=True)
    # One write operation (an upload, one image's renditions) may announce several files.
    token: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, index=True))
    path: str = Field(sa_column=sa.Column(sa.String(255), nullable=False, index=True))
    expires_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False, index=True))


class FileRemoval(SQLModel, table=True):
    """A file of a deleted image still to be removed, recorded in the transaction that deletes
    the image's row: the removal job works through one ``batch`` and deletes its rows once the
    files are gone; a batch whose job was lost (a crash after the commit) is queued again by
    reconcile. See ``imageapp.services.removals``.
    """

    __tablename__ = "file_removal"

    id: int | None = Field(default=None, primary_key=True)
    # One committed delete (up to a batch of images): what one removal job removes.
    batch: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, index=True))
    path: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False, index=True)
    )


class ApiToken(SQLModel, table=True):
    """A personal API token (DESIGN.md, API): only the SHA-256 of the random value is kept,
    so the value is shown once, when it is made. Revoking deletes the row."""

    __tablename__ = "api_token"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_api_token_user_id_name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    scope: str = Field(sa_column=sa.Column(sa.String(8), nullable=False))  # "read" | "write"
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )
    # Recorded at most once a minute per token (a read, not a write, on most requests).
    last_used_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))


class ApiRateCount(SQLModel, table=True):
    """Requests of one key (an API token) in one fixed window, counted in the database when
    there is no Redis: every web worker counts in the same row."""

    __tablename__ = "api_rate_count"

    key: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    window_start: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True))
    count: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))


class ShareLink(SQLModel, table=True):
    """A link that shows one gallery or one image to anyone who has it (DESIGN.md, Share
    links). Only the SHA-256 of its random token is kept; a password only as an argon2 hash.
    Revoking keeps the row (``revoked_at``) so the link answers 410, not 404."""

    __tablename__ = "share_link"
    __table_args__ = (
        sa.CheckConstraint("(gallery_id IS NULL) <> (image_id IS NULL)", name="one_target"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    gallery_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("gallery.id", ondelete="CASCADE"), index=True
        ),
    )
    image_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("image.id", ondelete="CASCADE"), index=True),
    )
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    password_hash: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    allow_download: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))
    created_by: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("user.id", ondelete="SET NULL")),
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(sa.DateTime, nullable=False)
    )
    last_visited_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))


class TusUpload(SQLModel, table=True):
    """One resumable (tus 1.0.0) upload still arriving, or the result of its last byte.

    Every web worker (on any machine) reads the offset here; the one request writing bytes
    holds ``writer`` until ``lease_until``, taken by a compare-and-set update, so one upload
    never has two writers. ``parts`` lists the stored pieces in order (JSON); ``result`` is
    step 1's answer once the last byte came (JSON), kept until ``expires_at``. See
    ``imageapp.services.tus_uploads``.
    """

    __tablename__ = "tus_upload"

    id: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    owner: str = Field(sa_column=sa.Column(sa.String(128), nullable=False))
    store_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("store.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    user_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("user.id", ondelete="SET NULL")),
    )
    upload_length: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    upload_offset: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    upload_metadata: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # "receiving" | "finishing" | "done" | "refused"
    state: str = Field(sa_column=sa.Column(sa.String(12), nullable=False))
    writer: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    lease_until: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))
    parts: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    result: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False, index=True))
