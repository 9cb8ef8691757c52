"""personal token lineage: the token a personal token was made with

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("personal_access_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_personal_access_token_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_personal_access_token_parent_id_personal_access_token"),
            "personal_access_token",
            ["parent_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("personal_access_token", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_personal_access_token_parent_id_personal_access_token"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_personal_access_token_parent_id"))
        batch_op.drop_column("parent_id")
