"""Teams, their members, invitations to join, and organizers' eligibility overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import utc_field as _utc


def _ref(table: str, *, ondelete: str = "CASCADE", nullable: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey(f"{table}.id", ondelete=ondelete),
            nullable=nullable,
            index=True,
        ),
    )


class Team(SQLModel, table=True):
    """A team in one competition; an individual is a team of one. The captain is the primary
    contact. ``guardian_name`` and ``funding_attestation`` are the team's own declarations,
    which eligibility rules read."""

    __tablename__ = "team"

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = _ref("competition")
    name: str = Field(max_length=120)
    captain_id: int = _ref("user_account", ondelete="RESTRICT")
    guardian_name: str | None = Field(default=None, max_length=200)
    funding_attestation: bool = False
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class TeamMember(SQLModel, table=True):
    """Membership; the unique key makes one team per person per competition a database fact."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("competition_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = _ref("team")
    competition_id: int = _ref("competition")
    user_id: int = _ref("user_account")
    joined_at: datetime = _utc()


class TeamInvitation(SQLModel, table=True):
    """A single-use, expiring invitation to join a team; only the code's hash is kept."""

    __tablename__ = "team_invitation"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = _ref("team")
    email: str = Field(max_length=320)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: str = Field(max_length=200)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    accepted_at: datetime | None = _utc(nullable=True)
    accepted_by_id: int | None = _ref("user_account", ondelete="SET NULL", nullable=True)


class EligibilityOverride(SQLModel, table=True):
    """An organizer's decision on one rule for one team, with the written reason."""

    __tablename__ = "eligibility_override"
    __table_args__ = (UniqueConstraint("team_id", "rule_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = _ref("team")
    rule_id: str = Field(max_length=80)
    result: str = Field(max_length=8)
    reason: str = Field(max_length=2000)
    decided_by: str = Field(max_length=200)
    decided_at: datetime = _utc()
