"""galleries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 15:34:53.100102
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gallery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_gallery_store_id_store"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gallery")),
        sa.UniqueConstraint("store_id", "slug", name="uq_gallery_store_id_slug"),
    )
    with op.batch_alter_table("gallery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gallery_store_id"), ["store_id"], unique=False)

    op.create_table(
        "gallery_image",
        sa.Column("gallery_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("display_order", sa.BigInteger(), nullable=False),
        sa.Column("is_featured", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gallery_id"],
            ["gallery.id"],
            name=op.f("fk_gallery_image_gallery_id_gallery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["image.id"],
            name=op.f("fk_gallery_image_image_id_image"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gallery_id", "image_id", name=op.f("pk_gallery_image")),
    )
    with op.batch_alter_table("gallery_image", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gallery_image_gallery_id_display_order",
            ["gallery_id", "display_order"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_gallery_image_image_id"), ["image_id"], unique=False)
        batch_op.create_index(
            "uq_gallery_image_one_featured",
            ["gallery_id"],
            unique=True,
            sqlite_where=sa.text("is_featured"),
            postgresql_where=sa.text("is_featured"),
        )


def downgrade() -> None:
    with op.batch_alter_table("gallery_image", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_gallery_image_one_featured",
            sqlite_where=sa.text("is_featured"),
            postgresql_where=sa.text("is_featured"),
        )
        batch_op.drop_index(batch_op.f("ix_gallery_image_image_id"))
        batch_op.drop_index("ix_gallery_image_gallery_id_display_order")

    op.drop_table("gallery_image")
    with op.batch_alter_table("gallery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gallery_store_id"))

    op.drop_table("gallery")
