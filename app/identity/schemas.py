"""What the identity API takes in and sends out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.access.vocabulary import Phase, Role
from app.competitions.catalogue_schemas import country_codes
from app.core.i18n import N_
from app.core.text import MultiLine, SingleLine, not_blank, refuse


class StaffRole(StrEnum):
    """The roles an invitation grants (``app.access.vocabulary.STAFF_ROLES``)."""

    JUDGE = Role.JUDGE.value
    ORGANIZER = Role.ORGANIZER.value


class Sector(StrEnum):
    STUDENT = "student"
    RESEARCHER = "researcher"
    PUBLIC_SERVANT = "public-servant"
    CIVIL_SOCIETY = "civil-society"
    ACADEMIA = "academia"
    INDUSTRY = "industry"


class AgeBracket(StrEnum):
    UNDER_18 = "under-18"
    FROM_18_TO_29 = "18-29"
    FROM_30 = "30-plus"


class Profile(BaseModel):
    """The profile as stored; only what the eligibility rules need."""

    name: str
    preferred_language: str = "en"
    country_of_residence: Annotated[
        str | None, Field(description="ISO 3166-1 alpha-2: legal residence decides eligibility")
    ] = None
    sector: Sector | None = None
    organization: str | None = None
    age_bracket: Annotated[
        AgeBracket | None, Field(description="Eligibility: 18 or older, and the 18-29 pool")
    ] = None


class ProfileIn(Profile):
    """The whole profile, replaced. A blank organization is none."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[SingleLine, Field(min_length=1, max_length=200)]
    preferred_language: Annotated[str, Field(pattern=r"^(en|fr)$")] = "en"
    organization: Annotated[SingleLine | None, Field(max_length=200)] = None

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str | None:
        return not_blank(value)

    @field_validator("organization")
    @classmethod
    def _optional(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

    @field_validator("country_of_residence")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and value not in country_codes():
            raise refuse("country_code", N_("Enter a country's two-letter code, such as CA or FR."))
        return value


class RoleOut(BaseModel):
    role: Role
    competition: str | None = Field(description="The competition's slug; null: platform-wide")


class MeOut(Profile):
    model_config = ConfigDict(extra="ignore")

    id: int
    email: str
    email_verified: bool
    roles: list[RoleOut]
    authenticated_via: str
    scopes: list[str] | None = Field(description="The token's scopes; null for a browser session")


class PhaseMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: Phase | None = Field(description="The phase to move to, or null to follow the schedule")
    reason: Annotated[MultiLine, Field(min_length=1, max_length=1000)]


class PhaseOutcome(BaseModel):
    slug: str
    phase: Phase
    phase_set_by: str


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: StaffRole = Field(description="Staff are invited; participants sign up themselves")


class InvitationOut(BaseModel):
    id: int
    email: str
    role: Role
    competition: str
    expires_at: datetime


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    competition: SingleLine | None = None


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    email_verified: bool
    roles: list[RoleOut]
