"""file removals: the files of deleted images, removed by a background job

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "file_removal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=36), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_removal")),
    )
    with op.batch_alter_table("file_removal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_removal_batch"), ["batch"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_file_removal_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("file_removal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_removal_created_at"))
        batch_op.drop_index(batch_op.f("ix_file_removal_batch"))
    op.drop_table("file_removal")
