"""Pydantic schemas of the catalogue files. Unknown keys are refused, so a typo is an error."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from app.access.vocabulary import Phase

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Cents = Annotated[StrictInt, Field(ge=0, description="An amount in cents")]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FieldFault(ValueError):
    """A whole-model check's refusal that names the field it is about (``award_cap``,
    ``rules.2.id``), relative to the model checked; the loader reports that field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Text a person reads, in both official languages."""

    en: Annotated[str, Field(min_length=1)]
    fr: Annotated[str, Field(min_length=1)]

    def get(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


@cache
def country_codes() -> frozenset[str]:
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if re.fullmatch(r"[A-Z]{2}", code))


AttachmentKind = Literal["pdf", "png", "jpeg", "zip"]
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # 10 MiB: this platform's default
DEFAULT_ATTACHMENT_TYPES: tuple[AttachmentKind, ...] = ("pdf", "png", "jpeg", "zip")
DEFAULT_ATTACHMENT_MAX_FILES = 20  # files on one entry
DEFAULT_ATTACHMENT_MAX_TOTAL_BYTES = 100 * 1024 * 1024  # 100 MiB: all of one entry's files


class Milestone(Strict):
    when: Text
    what: Text


class CompetitionFile(Strict):
    slug: Slug
    name: Text
    summary: Text
    lead: Text
    website: str | None = None
    timezone: str
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    envelope: Cents
    award_cap: Cents
    contact_email: str
    submission_deadline: datetime = Field(description="Local time in the competition's zone")
    grace_period_seconds: Annotated[StrictInt, Field(ge=0, le=3600)] = 0
    team_size_max: Annotated[StrictInt, Field(ge=1, le=100)]
    max_challenges_per_team: Annotated[StrictInt, Field(ge=1)] = 1
    schedule: dict[Phase, datetime] = Field(
        description="Phase starts, local time; 'closed' is the submission deadline itself"
    )
    milestones: list[Milestone] = Field(default_factory=list)
    attachment_max_bytes: Annotated[
        StrictInt, Field(gt=0, description="The largest attachment accepted, in bytes")
    ] = DEFAULT_ATTACHMENT_MAX_BYTES
    attachment_max_files: Annotated[
        StrictInt, Field(ge=1, le=1000, description="The most files one entry may hold")
    ] = DEFAULT_ATTACHMENT_MAX_FILES
    attachment_max_total_bytes: Annotated[
        StrictInt, Field(gt=0, description="The most bytes all of one entry's files may hold")
    ] = DEFAULT_ATTACHMENT_MAX_TOTAL_BYTES
    attachment_types: Annotated[
        list[AttachmentKind],
        Field(min_length=1, description="Kinds of attachment accepted, checked by content"),
    ] = Field(default_factory=lambda: list(DEFAULT_ATTACHMENT_TYPES))

    @field_validator("attachment_types")
    @classmethod
    def _unique_types(cls, value: list[AttachmentKind]) -> list[AttachmentKind]:
        _require_unique(list(value), "attachment type", "{}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as America/Toronto)"
            )
        return value

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> CompetitionFile:
        if self.award_cap > self.envelope:
            raise FieldFault("award_cap", "award_cap cannot exceed the envelope")
        if Phase.CLOSED in self.schedule:
            raise FieldFault(
                "schedule.closed", "leave out 'closed'; it starts at submission_deadline"
            )
        starts = sorted(self.schedule_utc().items(), key=lambda item: item[0].order)
        for (phase_a, at_a), (phase_b, at_b) in pairwise(starts):
            if at_b <= at_a:
                field, after = _schedule_key(phase_b), _schedule_key(phase_a)
                raise FieldFault(field, f"must be after {after}")
        return self

    def to_utc(self, local: datetime) -> datetime:
        if local.tzinfo is None:
            local = local.replace(tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC)

    def deadline_utc(self) -> datetime:
        return self.to_utc(self.submission_deadline)

    def schedule_utc(self) -> dict[Phase, datetime]:
        """Every scheduled phase start in UTC, with 'closed' at the deadline plus any grace."""
        starts = {phase: self.to_utc(at) for phase, at in self.schedule.items()}
        starts[Phase.CLOSED] = self.deadline_utc() + timedelta(seconds=self.grace_period_seconds)
        return starts


def _schedule_key(phase: Phase) -> str:
    """The key an author wrote for a phase's start: 'closed' starts at the deadline."""
    return "submission_deadline" if phase is Phase.CLOSED else f"schedule.{phase}"


class Event(Strict):
    slug: Slug
    title: Text
    description: Text
    starts_at: datetime
    ends_at: datetime
    online: StrictBool = True
    registration_required: StrictBool = False
    recording_url: str | None = None

    @field_validator("recording_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// address")
        return value


class EventsFile(Strict):
    events: list[Event]

    @field_validator("events")
    @classmethod
    def _unique(cls, events: list[Event]) -> list[Event]:
        _require_unique([e.slug for e in events], "event slug", "{}.slug")
        return events


class Attribute(StrEnum):
    """What eligibility rules may look at: data about a person or their team."""

    COUNTRY = "country_of_residence"
    AGE = "age"
    SECTOR = "sector"
    GUARDIAN_NAMED = "guardian_named"
    FUNDING_ATTESTATION = "funding_attestation"
    TEAM_SIZE = "team_size"


class Condition(Strict):
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    attribute: Attribute | None = None
    in_sets: list[str] | None = None
    one_of: list[str] | None = None
    at_least: StrictInt | None = None
    at_most: StrictInt | None = None
    equals: StrictBool | StrictInt | str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combinators = [c for c in (self.all, self.any, self.not_) if c is not None]
        tests = [
            t
            for t in (self.in_sets, self.one_of, self.at_least, self.at_most, self.equals)
            if t is not None
        ]
        if self.attribute is None:
            if len(combinators) != 1 or tests:
                raise ValueError("give exactly one of all, any, not; or an attribute with tests")
        elif combinators or not tests:
            raise ValueError("an attribute needs at least one test and no all/any/not")
        return self

    def set_names(self) -> set[str]:
        names = set(self.in_sets or [])
        for child in [*(self.all or []), *(self.any or []), *([self.not_] if self.not_ else [])]:
            names |= child.set_names()
        return names


class Rule(Strict):
    id: Slug
    level: Literal["participation", "funding", "flag"]
    applies_to: Literal["every_member", "primary_contact", "team"]
    condition: Condition
    explanation: Text


class EligibilityFile(Strict):
    country_sets: dict[str, list[str]]
    sectors: list[Slug]
    rules: list[Rule]

    @model_validator(mode="after")
    def _coherent(self) -> EligibilityFile:
        known = country_codes()
        for name, codes in self.country_sets.items():
            unknown = sorted(set(codes) - known)
            if unknown:
                raise FieldFault(
                    f"country_sets.{name}", f"not ISO 3166-1 codes: {', '.join(unknown)}"
                )
        _require_unique([r.id for r in self.rules], "rule id", "rules.{}.id")
        for index, rule in enumerate(self.rules):
            missing = rule.condition.set_names() - set(self.country_sets)
            if missing:
                raise FieldFault(
                    f"rules.{index}.condition",
                    f"unknown country set {', '.join(sorted(missing))}",
                )
        return self


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    CHALLENGE = "challenge"
    YES_NO = "yes_no"
    URL = "url"


class FormField(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    type: FieldType
    required: StrictBool = True
    max_words: Annotated[StrictInt, Field(ge=1)] | None = None
    allowed_hosts: list[str] | None = None
    label: Text
    help: Text | None = None

    @model_validator(mode="after")
    def _coherent(self) -> FormField:
        if self.max_words is not None and self.type not in (FieldType.TEXT, FieldType.LONG_TEXT):
            raise FieldFault("max_words", "max_words applies to text fields only")
        if self.allowed_hosts is not None and self.type is not FieldType.URL:
            raise FieldFault("allowed_hosts", "allowed_hosts applies to url fields only")
        return self


class FormFile(Strict):
    fields: list[FormField]

    @field_validator("fields")
    @classmethod
    def _unique(cls, fields: list[FormField]) -> list[FormField]:
        _require_unique([f.id for f in fields], "field id", "{}.id")
        if sum(f.type is FieldType.CHALLENGE for f in fields) != 1:
            raise ValueError("the form needs exactly one field of type 'challenge'")
        return fields


class Criterion(Strict):
    id: Slug
    weight: Annotated[StrictInt, Field(ge=1, le=100)]
    name: Text
    description: Text
    required: StrictBool = True  # a review cannot be submitted without it


class PitchMode(StrEnum):
    PAIRWISE = "pairwise"  # judges compare two finalists at a time
    RUBRIC = "rubric"  # finalists are scored again on the same rubric


class PitchRound(Strict):
    mode: PitchMode = PitchMode.PAIRWISE
    finalists: Annotated[StrictInt, Field(ge=2, le=50)] = 10


class Judging(Strict):
    """How the jury works: reviews each entry gets, the most a judge is given, whether judges
    see who made an entry, and whether they see each other's scores once theirs is in."""

    reviews_per_entry: Annotated[StrictInt, Field(ge=1, le=10)] = 3
    max_entries_per_judge: Annotated[StrictInt, Field(ge=1, le=10_000)] | None = None
    blind: StrictBool = True
    scores_visible_after_submitting: StrictBool = False
    pitch: PitchRound | None = None


class RubricFile(Strict):
    scale_min: StrictInt
    scale_max: StrictInt
    scale_labels: dict[int, Text]
    criteria: list[Criterion]
    judging: Judging = Field(default_factory=Judging)

    @model_validator(mode="after")
    def _coherent(self) -> RubricFile:
        if self.scale_max <= self.scale_min:
            raise FieldFault("scale_max", "scale_max must be above scale_min")
        if set(self.scale_labels) != set(range(self.scale_min, self.scale_max + 1)):
            raise FieldFault("scale_labels", "needs one label for every point of the scale")
        _require_unique([c.id for c in self.criteria], "criterion id", "criteria.{}.id")
        total = sum(c.weight for c in self.criteria)
        if total != 100:
            raise FieldFault("criteria", f"criterion weights must add up to 100, not {total}")
        return self


class ChallengeText(Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    summary: Annotated[str, Field(min_length=1, max_length=600)]
    body: Annotated[str, Field(min_length=1)]


def _require_unique(values: list[str], what: str, where: str) -> None:
    """Refuse a repeated value, naming the repeat's place: ``where`` with its index in ``{}``."""
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise FieldFault(where.format(index), f"duplicate {what}: {value!r}")
        seen.add(value)


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class ImpactChoice(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    points: Annotated[StrictInt, Field(ge=0, le=100)]
    label: Text


class ImpactQuestion(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    kind: Literal["risk", "mitigation"]
    area: Text
    text: Text
    help: Text | None = None
    choices: Annotated[list[ImpactChoice], Field(min_length=2)]

    @field_validator("choices")
    @classmethod
    def _unique(cls, choices: list[ImpactChoice]) -> list[ImpactChoice]:
        _require_unique([c.id for c in choices], "choice id", "{}.id")
        return choices


class ImpactFile(Strict):
    """An algorithmic impact questionnaire, scored as Canada's AIA scores (see scoring.impact)."""

    name: Text
    intro: Text
    level_ceilings: tuple[StrictInt, StrictInt, StrictInt] = (25, 50, 75)
    mitigation_threshold: Annotated[StrictInt, Field(ge=1, le=100)] = 80
    mitigation_reduction: Annotated[StrictInt, Field(ge=0, le=100)] = 15
    levels: dict[int, Text]
    questions: Annotated[list[ImpactQuestion], Field(min_length=1)]

    @model_validator(mode="after")
    def _coherent(self) -> ImpactFile:
        low, middle, high = self.level_ceilings
        if not 0 < low < middle < high < 100:
            raise FieldFault(
                "level_ceilings", "level_ceilings must rise strictly between 0 and 100"
            )
        if set(self.levels) != {1, 2, 3, 4}:
            raise FieldFault("levels", "levels needs a description of each level, 1 to 4")
        _require_unique([q.id for q in self.questions], "question id", "questions.{}.id")
        if not any(q.kind == "risk" and max(c.points for c in q.choices) for q in self.questions):
            raise FieldFault("questions", "at least one risk question must be able to score points")
        return self
