"""attachment limits per entry: how many files, and how many bytes in all, one entry may hold

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("competition", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "attachment_max_files", sa.Integer(), nullable=False, server_default=sa.text("20")
            )
        )
        batch_op.add_column(
            sa.Column(
                "attachment_max_total_bytes",
                sa.Integer(),
                nullable=False,
                server_default=sa.text("104857600"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("competition", schema=None) as batch_op:
        batch_op.drop_column("attachment_max_total_bytes")
        batch_op.drop_column("attachment_max_files")
