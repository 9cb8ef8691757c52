"""oauth clients and tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("grant_types", sa.JSON(), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_client_client_id")),
    )
    op.create_table(
        "oauth_access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("family", sa.String(length=32), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_client.client_id"],
            name=op.f("fk_oauth_access_token_client_id_oauth_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_oauth_access_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_access_token")),
        sa.UniqueConstraint("jti", name=op.f("uq_oauth_access_token_jti")),
    )
    with op.batch_alter_table("oauth_access_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_access_token_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_oauth_access_token_family"), ["family"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oauth_access_token_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "oauth_authorization_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("family", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_client.client_id"],
            name=op.f("fk_oauth_authorization_code_client_id_oauth_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_oauth_authorization_code_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_authorization_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_authorization_code_code_hash")),
    )
    with op.batch_alter_table("oauth_authorization_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_authorization_code_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oauth_authorization_code_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "oauth_refresh_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_client.client_id"],
            name=op.f("fk_oauth_refresh_token_client_id_oauth_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_oauth_refresh_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_refresh_token_token_hash")),
    )
    with op.batch_alter_table("oauth_refresh_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_refresh_token_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_oauth_refresh_token_family"), ["family"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oauth_refresh_token_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "personal_access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_personal_access_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_access_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_personal_access_token_token_hash")),
    )
    with op.batch_alter_table("personal_access_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_access_token_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("personal_access_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_access_token_user_id"))

    op.drop_table("personal_access_token")
    with op.batch_alter_table("oauth_refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_refresh_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_refresh_token_family"))
        batch_op.drop_index(batch_op.f("ix_oauth_refresh_token_client_id"))

    op.drop_table("oauth_refresh_token")
    with op.batch_alter_table("oauth_authorization_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_authorization_code_user_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_authorization_code_client_id"))

    op.drop_table("oauth_authorization_code")
    with op.batch_alter_table("oauth_access_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_access_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_access_token_family"))
        batch_op.drop_index(batch_op.f("ix_oauth_access_token_client_id"))

    op.drop_table("oauth_access_token")
    op.drop_table("oauth_client")
