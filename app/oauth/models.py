"""OAuth clients, the credentials issued to them, and personal access tokens.

Secrets are never stored: client secrets, authorization codes, refresh tokens and personal
tokens are kept as SHA-256 digests (``app.identity.service.token_digest``); access tokens are
signed JWTs whose ``jti`` is recorded so that they can be revoked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.core.db import utc_field as _utc


def _json_list() -> list[Any]:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # type: ignore[no-any-return]


def _user_fk(nullable: bool) -> int:
    return Field(  # type: ignore[no-any-return]
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=nullable,
            index=True,
        ),
    )


def _client_fk() -> str:
    return Field(  # type: ignore[no-any-return]
        sa_column=Column(
            String(64),
            ForeignKey("oauth_client.client_id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
    )


class OAuthClient(SQLModel, table=True):
    """A registered client. A service client (client credentials) has no user: it acts with
    the ``roles`` it was registered with, each ``{"role": ..., "competition": slug | None}``."""

    __tablename__ = "oauth_client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True)
    secret_hash: str | None = Field(default=None, max_length=64, description="None: public")
    name: str = Field(max_length=200)
    grant_types: list[str] = _json_list()
    redirect_uris: list[str] = _json_list()
    scopes: list[str] = _json_list()
    roles: list[dict[str, Any]] = _json_list()
    created_by: str = Field(max_length=200)
    created_at: datetime = _utc()
    revoked_at: datetime | None = _utc(nullable=True)


class AuthorizationCode(SQLModel, table=True):
    """A single-use code; ``family`` names the tokens it was exchanged for, once used."""

    __tablename__ = "oauth_authorization_code"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    client_id: str = _client_fk()
    user_id: int = _user_fk(nullable=False)
    redirect_uri: str = Field(max_length=2000)
    scope: str = Field(max_length=500)
    code_challenge: str = Field(max_length=128)
    code_challenge_method: str = Field(max_length=10)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc(nullable=True)
    family: str | None = Field(default=None, max_length=32)


class AccessTokenRecord(SQLModel, table=True):
    """An issued JWT access token, by ``jti``: what revocation and family revocation mark."""

    __tablename__ = "oauth_access_token"

    id: int | None = Field(default=None, primary_key=True)
    jti: str = Field(max_length=64, unique=True)
    client_id: str = _client_fk()
    user_id: int | None = _user_fk(nullable=True)
    family: str | None = Field(default=None, max_length=32, index=True)
    scope: str = Field(max_length=500)
    issued_at: datetime = _utc()
    expires_at: datetime = _utc()
    revoked_at: datetime | None = _utc(nullable=True)


class RefreshToken(SQLModel, table=True):
    """A single-use refresh token. Every refresh issues the next one in the same ``family``;
    presenting a used one again revokes the whole family."""

    __tablename__ = "oauth_refresh_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    client_id: str = _client_fk()
    user_id: int = _user_fk(nullable=False)
    family: str = Field(max_length=32, index=True)
    scope: str = Field(max_length=500)
    issued_at: datetime = _utc()
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc(nullable=True)
    revoked_at: datetime | None = _utc(nullable=True)


class PersonalAccessToken(SQLModel, table=True):
    """A token a person makes for their own scripts: scoped, expiring, revocable, shown once."""

    __tablename__ = "personal_access_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _user_fk(nullable=False)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=20, description="Shown in lists, e.g. govai_pat_ab12")
    scopes: list[str] = _json_list()
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    last_used_at: datetime | None = _utc(nullable=True)
    revoked_at: datetime | None = _utc(nullable=True)
    parent_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("personal_access_token.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        description="The personal token this one was made with; revoking it revokes this one",
    )
