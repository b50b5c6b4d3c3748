"""image edits: rotation in 90 degree steps, a crop and a focal point, kept on the image

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 19:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Pixels of the upright original (services/edits.py); NULL: no crop, no focal point.
EDIT_COLUMNS = ("crop_x", "crop_y", "crop_width", "crop_height", "focal_x", "focal_y")


def upgrade() -> None:
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rotate", sa.SmallInteger(), server_default="0", nullable=False)
        )
        for name in EDIT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_image_rotate_valid"), "rotate IN (0, 90, 180, 270)"
        )


def downgrade() -> None:
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_image_rotate_valid"), type_="check")
        for name in reversed(EDIT_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column("rotate")
