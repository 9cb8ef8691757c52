from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import utc_field as _utc


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _parent(table: str) -> Any:
    return Field(
        sa_column=Column(
            Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


class Competition(SQLModel, table=True):
    """A competition as loaded from its catalogue folder; organizers own only its phase."""

    __tablename__ = "competition"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name_en: str = Field(max_length=300)
    name_fr: str = Field(max_length=300)
    summary_en: str
    summary_fr: str
    lead_en: str
    lead_fr: str
    website: str | None = Field(default=None, max_length=500)
    timezone: str = Field(max_length=64)
    currency: str = Field(max_length=3)
    envelope_cents: int
    award_cap_cents: int
    contact_email: str = Field(max_length=320)
    submission_deadline: datetime = _utc()
    grace_period_seconds: int = 0
    team_size_max: int
    max_challenges_per_team: int
    milestones: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_max_files: int = 20
    attachment_max_total_bytes: int = 100 * 1024 * 1024
    attachment_types: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    eligibility: dict[str, Any] = _json()
    form: dict[str, Any] = _json()
    rubric: dict[str, Any] = _json()
    impact_assessment: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    phase_override: str | None = Field(default=None, max_length=32)
    phase_override_at: datetime | None = _utc(nullable=True)
    source_digest: str = Field(max_length=64)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class ScheduledPhase(SQLModel, table=True):
    __tablename__ = "scheduled_phase"
    __table_args__ = (UniqueConstraint("competition_id", "phase"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = _parent("competition")
    phase: str = Field(max_length=32)
    starts_at: datetime = _utc()


class Challenge(SQLModel, table=True):
    """A problem statement."""

    __tablename__ = "challenge"
    __table_args__ = (UniqueConstraint("competition_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = _parent("competition")
    slug: str = Field(max_length=80)
    position: int
    title_en: str = Field(max_length=200)
    title_fr: str = Field(max_length=200)
    summary_en: str
    summary_fr: str
    body_en: str
    body_fr: str


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("competition_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = _parent("competition")
    slug: str = Field(max_length=80)
    title_en: str = Field(max_length=300)
    title_fr: str = Field(max_length=300)
    description_en: str
    description_fr: str
    starts_at: datetime = _utc()
    ends_at: datetime = _utc()
    online: bool = True
    registration_required: bool = False
    recording_url: str | None = Field(default=None, max_length=500)
