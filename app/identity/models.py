"""People, their roles per competition, and invitations to a role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import utc_field as _utc


class User(SQLModel, table=True):
    """A person. Profile fields are only those the eligibility rules need, each said why."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, description="Lower-cased")
    email_verified_at: datetime | None = _utc(nullable=True)
    name: str = Field(max_length=200)
    preferred_language: str = Field(default="en", max_length=2)
    country_of_residence: str | None = Field(default=None, max_length=2)
    sector: str | None = Field(default=None, max_length=40)
    organization: str | None = Field(default=None, max_length=200)
    age_bracket: str | None = Field(default=None, max_length=16)
    is_active: bool = True
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class RoleGrant(SQLModel, table=True):
    """A role held in one competition, or platform-wide (``competition_id`` null: admin)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "competition_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    role: str = Field(max_length=20)
    competition_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("competition.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    granted_by: str = Field(max_length=200)
    granted_at: datetime = _utc()


class Invitation(SQLModel, table=True):
    """A single-use, expiring invitation to hold a role in a competition; only its hash is kept."""

    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    role: str = Field(max_length=20)
    competition_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("competition.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: str = Field(max_length=200)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    accepted_at: datetime | None = _utc(nullable=True)
    accepted_by_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
        ),
    )


class ExternalIdentity(SQLModel, table=True):
    """A sign-in identity at an OpenID Connect provider, linked to a user."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    created_at: datetime = _utc()
