"""create image and tag tables

Revision ID: 0001
Revises:
Create Date: 2026-11-24 14:32:47.273253
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("upload_token", sa.String(length=36), nullable=True),
        sa.Column("completed_upload_token", sa.String(length=36), nullable=True),
        sa.Column("upload_owner", sa.String(length=128), nullable=True),
        sa.Column("temp_path", sa.String(length=255), nullable=True),
        sa.Column("file_path", sa.String(length=255), nullable=True),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("client_mime_type", sa.String(length=100), nullable=True),
        sa.Column("mime_type", sa.String(length=50), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("alt_text", sa.String(length=250), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("slug", sa.String(length=200), nullable=True),
        sa.Column("metadata_draft", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'inactive')", name=op.f("ck_image_status_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image")),
        sa.UniqueConstraint("completed_upload_token", name=op.f("uq_image_completed_upload_token")),
        sa.UniqueConstraint("slug", name=op.f("uq_image_slug")),
        sa.UniqueConstraint("upload_token", name=op.f("uq_image_upload_token")),
    )
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.create_index("ix_image_status_created_at", ["status", "created_at"], unique=False)

    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_tag_name")),
    )
    op.create_table(
        "image_tag",
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"], ["image.id"], name=op.f("fk_image_tag_image_id_image"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_image_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("image_id", "tag_id", name=op.f("pk_image_tag")),
    )
    with op.batch_alter_table("image_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_image_tag_tag_id"), ["tag_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("image_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_tag_tag_id"))

    op.drop_table("image_tag")
    op.drop_table("tag")
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.drop_index("ix_image_status_created_at")

    op.drop_table("image")
