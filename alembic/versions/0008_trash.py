"""trash: a deleted image keeps its row (trashed_at, trashed_by) until emptied for good

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trashed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("trashed_by", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_image_trashed_at"), ["trashed_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_image_trashed_by_user"),
            "user",
            ["trashed_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_image_trashed_by_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_image_trashed_at"))
        batch_op.drop_column("trashed_by")
        batch_op.drop_column("trashed_at")
