"""file intents: files being written are announced before they exist

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "file_intent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_intent")),
    )
    with op.batch_alter_table("file_intent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_intent_token"), ["token"], unique=False)
        batch_op.create_index(batch_op.f("ix_file_intent_path"), ["path"], unique=False)
        batch_op.create_index(batch_op.f("ix_file_intent_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("file_intent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_intent_expires_at"))
        batch_op.drop_index(batch_op.f("ix_file_intent_path"))
        batch_op.drop_index(batch_op.f("ix_file_intent_token"))
    op.drop_table("file_intent")
