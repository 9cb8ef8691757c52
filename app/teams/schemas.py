"""What the teams API takes in and sends out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.core.text import MultiLine, SingleLine, not_blank

Outcome = Literal["pass", "fail", "unknown"]
TEAM_NAME_MAX = 120
GUARDIAN_NAME_MAX = 200
"""The longest team name and guardian name: the schemas and ``app.teams.service`` read these."""


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[SingleLine, Field(min_length=1, max_length=TEAM_NAME_MAX)]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str | None:
        return not_blank(value)


class TeamPatch(BaseModel):
    """The team's own declarations, which the eligibility rules read. Captain only."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[SingleLine | None, Field(min_length=1, max_length=TEAM_NAME_MAX)] = None
    guardian_name: Annotated[
        SingleLine | None,
        Field(
            max_length=GUARDIAN_NAME_MAX,
            description="A parent or legal guardian, if the captain is under 18",
        ),
    ] = None
    funding_attestation: bool | None = Field(
        default=None, description="The team can enter into a funding agreement"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return not_blank(value)

    @field_validator("guardian_name")
    @classmethod
    def _guardian(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


class MemberOut(BaseModel):
    user_id: int
    name: str
    is_captain: bool
    joined_at: datetime


class TeamOut(BaseModel):
    id: int
    competition: str = Field(description="The competition's slug")
    name: str
    captain_id: int
    guardian_name: str | None
    funding_attestation: bool
    members: list[MemberOut]
    size_limit: int
    created_at: datetime


class TeamInvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class TeamInvitationOut(BaseModel):
    id: int
    team_id: int
    email: str
    expires_at: datetime
    code: str = Field(description="The single-use code, shown once, to share by hand")


class CaptainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: Annotated[SingleLine, Field(min_length=1, max_length=80)]
    result: Literal["pass", "fail"]
    reason: Annotated[MultiLine, Field(min_length=1, max_length=2000)]

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str | None:
        return not_blank(value)


class OverrideOut(BaseModel):
    result: Literal["pass", "fail"]
    reason: str
    by: str
    at: datetime


class MemberResult(BaseModel):
    user_id: int
    result: Outcome
    reason: str | None = Field(description="Why the result is unknown, when it is")


class RuleOut(BaseModel):
    id: str
    level: Literal["participation", "funding", "flag"]
    applies_to: Literal["every_member", "primary_contact", "team"]
    result: Outcome = Field(description="The result that counts, after any override")
    computed_result: Outcome = Field(description="What the rule gives before any override")
    explanation: str
    reason: str | None = Field(description="Why the result is unknown, when it is")
    members: list[MemberResult]
    override: OverrideOut | None


class SummaryOut(BaseModel):
    may_participate: bool
    may_receive_funding: bool
    recognition_only: bool = Field(description="May take part and be shown, but not be funded")
    flags: list[str]


class EligibilityOut(BaseModel):
    team_id: int
    rules: list[RuleOut]
    summary: SummaryOut
