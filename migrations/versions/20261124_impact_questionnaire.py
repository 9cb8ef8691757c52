"""algorithmic impact questionnaire of a competition

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("competition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("impact_assessment", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("competition", schema=None) as batch_op:
        batch_op.drop_column("impact_assessment")
