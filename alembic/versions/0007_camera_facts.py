"""camera facts: date taken, camera, lens and exposure on the image; what metadata was found

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COLUMNS = ("camera_make", "camera_model", "lens_model")
FLOAT_COLUMNS = ("focal_length_mm", "f_number", "exposure_time")


def upgrade() -> None:
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("taken_at_utc_offset", sa.SmallInteger(), nullable=True))
        for name in TEXT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=100), nullable=True))
        for name in FLOAT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("iso", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("metadata_found", sa.Text(), nullable=True))
        batch_op.create_index("ix_image_store_id_taken_at", ["store_id", "taken_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.drop_index("ix_image_store_id_taken_at")
        for name in (
            "metadata_found",
            "iso",
            *FLOAT_COLUMNS,
            *TEXT_COLUMNS,
            "taken_at_utc_offset",
            "taken_at",
        ):
            batch_op.drop_column(name)
