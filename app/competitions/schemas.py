"""What the competitions API sends out, in the caller's language."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from app.access.vocabulary import Phase
from app.competitions.catalogue_schemas import (
    Attribute,
    Condition,
    EligibilityFile,
    FieldType,
    FormField,
    ImpactFile,
    PitchMode,
    RubricFile,
)
from app.competitions.models import Challenge, Competition, Event
from app.core.i18n import gettext
from app.core.text import MultiLine

T = TypeVar("T")


class Money(BaseModel):
    amount: int = Field(description="Integer number of cents")
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


class PhaseOut(BaseModel):
    id: Phase
    label: str


class ScheduledPhaseOut(BaseModel):
    phase: PhaseOut
    starts_at: datetime
    starts_at_local: datetime


class MilestoneOut(BaseModel):
    when: str
    what: str


class ChallengeSummary(BaseModel):
    slug: str
    position: int
    title: str
    summary: str


class ChallengeOut(ChallengeSummary):
    competition: str
    body: str = Field(description="The problem statement in Markdown")


class CompetitionOut(BaseModel):
    slug: str
    lang: str
    name: str
    summary: str
    lead: str
    phase: PhaseOut
    phase_set_by: str = Field(description="'schedule', or 'organizer' after an explicit move")
    timezone: str
    submission_deadline: datetime
    submission_deadline_local: datetime
    grace_period_seconds: int
    envelope: Money
    award_cap: Money
    team_size_max: int
    max_challenges_per_team: int
    contact_email: str
    schedule: list[ScheduledPhaseOut]
    milestones: list[MilestoneOut]
    challenges: list[ChallengeSummary]


class EventOut(BaseModel):
    slug: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    ends_at_local: datetime
    timezone: str
    online: bool
    registration_required: bool
    recording_url: str | None


class PhaseChange(BaseModel):
    phase: Phase | None = Field(description="The phase to move to, or null to follow the schedule")
    reason: MultiLine | None = Field(default=None, max_length=1000)


def phase_out(phase: Phase, lang: str) -> PhaseOut:
    return PhaseOut(id=phase, label=gettext(lang, phase.label))


def localized(competition: Competition | Challenge | Event, name: str, lang: str) -> str:
    return str(getattr(competition, f"{name}_{'fr' if lang == 'fr' else 'en'}"))


def challenge_summary(challenge: Challenge, lang: str) -> ChallengeSummary:
    return ChallengeSummary(
        slug=challenge.slug,
        position=challenge.position,
        title=localized(challenge, "title", lang),
        summary=localized(challenge, "summary", lang),
    )


def challenge_out(challenge: Challenge, competition: Competition, lang: str) -> ChallengeOut:
    return ChallengeOut(
        **challenge_summary(challenge, lang).model_dump(),
        competition=competition.slug,
        body=localized(challenge, "body", lang),
    )


def competition_out(
    competition: Competition,
    *,
    lang: str,
    phase: Phase,
    schedule: dict[Phase, datetime],
    challenges: list[Challenge],
) -> CompetitionOut:
    zone = ZoneInfo(competition.timezone)
    steps = sorted(schedule.items(), key=lambda item: item[0].order)
    return CompetitionOut(
        slug=competition.slug,
        lang=lang,
        name=localized(competition, "name", lang),
        summary=localized(competition, "summary", lang),
        lead=localized(competition, "lead", lang),
        phase=phase_out(phase, lang),
        phase_set_by="organizer" if competition.phase_override else "schedule",
        timezone=competition.timezone,
        submission_deadline=competition.submission_deadline,
        submission_deadline_local=competition.submission_deadline.astimezone(zone),
        grace_period_seconds=competition.grace_period_seconds,
        envelope=Money(amount=competition.envelope_cents, currency=competition.currency),
        award_cap=Money(amount=competition.award_cap_cents, currency=competition.currency),
        team_size_max=competition.team_size_max,
        max_challenges_per_team=competition.max_challenges_per_team,
        contact_email=competition.contact_email,
        schedule=[
            ScheduledPhaseOut(
                phase=phase_out(p, lang), starts_at=at, starts_at_local=at.astimezone(zone)
            )
            for p, at in steps
        ],
        milestones=[
            MilestoneOut(when=m["when"][lang], what=m["what"][lang]) for m in competition.milestones
        ],
        challenges=[challenge_summary(c, lang) for c in challenges],
    )


def event_out(event: Event, competition: Competition, lang: str) -> EventOut:
    zone = ZoneInfo(competition.timezone)
    return EventOut(
        slug=event.slug,
        title=localized(event, "title", lang),
        description=localized(event, "description", lang),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        starts_at_local=event.starts_at.astimezone(zone),
        ends_at_local=event.ends_at.astimezone(zone),
        timezone=competition.timezone,
        online=event.online,
        registration_required=event.registration_required,
        recording_url=event.recording_url,
    )


class ImpactChoiceOut(BaseModel):
    id: str
    label: str
    points: int


class ImpactQuestionOut(BaseModel):
    id: str
    kind: str = Field(description="risk (adds to the impact score) or mitigation")
    area: str
    text: str
    help: str | None
    choices: list[ImpactChoiceOut]


class ImpactLevelOut(BaseModel):
    level: int
    name: str = Field(description="I, II, III or IV")
    description: str
    up_to_percent: int | None = Field(description="Of the maximum raw score; None for level IV")


class QuestionnaireOut(BaseModel):
    """The algorithmic impact questionnaire, in the caller's language, with its scoring rule."""

    competition: str
    name: str
    intro: str
    scoring: str
    mitigation_threshold_percent: int
    mitigation_reduction_percent: int
    levels: list[ImpactLevelOut]
    questions: list[ImpactQuestionOut]


ROMAN_LEVELS = {1: "I", 2: "II", 3: "III", 4: "IV"}


def questionnaire_out(competition: Competition, spec: ImpactFile, lang: str) -> QuestionnaireOut:
    ceilings: list[int | None] = [*spec.level_ceilings, None]
    scoring = gettext(
        lang,
        "Risk answers add up to the raw impact score. With at least %(threshold)s%% of the "
        "mitigation points, the raw score is reduced by %(reduction)s%%. The level is the "
        "resulting score as a share of the highest possible raw score.",
        threshold=spec.mitigation_threshold,
        reduction=spec.mitigation_reduction,
    )
    return QuestionnaireOut(
        competition=competition.slug,
        name=spec.name.get(lang),
        intro=spec.intro.get(lang),
        scoring=scoring,
        mitigation_threshold_percent=spec.mitigation_threshold,
        mitigation_reduction_percent=spec.mitigation_reduction,
        levels=[
            ImpactLevelOut(
                level=level,
                name=ROMAN_LEVELS[level],
                description=spec.levels[level].get(lang),
                up_to_percent=ceiling,
            )
            for level, ceiling in zip((1, 2, 3, 4), ceilings, strict=True)
        ],
        questions=[
            ImpactQuestionOut(
                id=q.id,
                kind=q.kind,
                area=q.area.get(lang),
                text=q.text.get(lang),
                help=q.help.get(lang) if q.help else None,
                choices=[
                    ImpactChoiceOut(id=c.id, label=c.label.get(lang), points=c.points)
                    for c in q.choices
                ],
            )
            for q in spec.questions
        ],
    )


class FormFieldOut(BaseModel):
    id: str = Field(description="The key of this answer in an entry's answers")
    type: FieldType = Field(
        description="text and url: one line; long_text: line breaks kept; challenge: a "
        "problem statement's slug; yes_no: true or false"
    )
    required: bool = Field(description="Needed to finalize; drafts may leave it out")
    label: str
    help: str | None
    max_words: int | None = Field(description="Text fields: the most words accepted")
    allowed_hosts: list[str] | None = Field(
        description="URL fields: the hosts accepted; null: any https:// address"
    )


class AttachmentLimitsOut(BaseModel):
    max_bytes: int = Field(description="The largest file accepted, in bytes")
    max_files: int = Field(description="The most files one entry may hold")
    max_total_bytes: int = Field(description="The most bytes all of one entry's files may hold")
    types: list[str] = Field(description="Kinds of file accepted, checked by content")


class FormOut(BaseModel):
    """The submission form, in the caller's language: what an entry's answers hold."""

    competition: str
    lang: str
    fields: list[FormFieldOut]
    attachments: AttachmentLimitsOut
    impact_assessment: str | None = Field(
        description="The answers key that holds the impact questionnaire's answers "
        "(GET .../impact-assessment); null: the competition has no questionnaire"
    )


class ScalePointOut(BaseModel):
    score: int
    label: str


class CriterionOut(BaseModel):
    id: str
    weight: int = Field(description="Percent; the weights add up to 100")
    name: str
    description: str
    required: bool = Field(description="A review cannot be submitted without this score")


class PitchRoundOut(BaseModel):
    mode: PitchMode = Field(description="pairwise: finalists compared two at a time")
    finalists: int


class JudgingOut(BaseModel):
    """How the jury works, from the competition's data."""

    reviews_per_entry: int = Field(description="Judges each entry is assigned to")
    max_entries_per_judge: int | None = Field(description="The most a judge is assigned")
    blind: bool = Field(description="Judges do not see who made an entry")
    scores_visible_after_submitting: bool = Field(
        description="A judge sees the others' scores of an entry once theirs is submitted"
    )
    pitch: PitchRoundOut | None = Field(description="The pitch round of the shortlist, if any")


class RubricOut(BaseModel):
    """The judging rubric, in the caller's language: every criterion is scored on the scale."""

    competition: str
    lang: str
    scale_min: int
    scale_max: int
    scale: list[ScalePointOut]
    criteria: list[CriterionOut]
    judging: JudgingOut


class ConditionOut(BaseModel):
    """A rule's condition as written: one of all, any, not; or an attribute with tests."""

    model_config = ConfigDict(serialize_by_alias=True)

    all: list[ConditionOut] | None = None
    any: list[ConditionOut] | None = None
    not_: ConditionOut | None = Field(default=None, serialization_alias="not")
    attribute: Attribute | None = None
    in_sets: list[str] | None = Field(default=None, description="Names of country_sets")
    one_of: list[str] | None = None
    at_least: int | None = None
    at_most: int | None = None
    equals: bool | int | str | None = None


class RuleOut(BaseModel):
    id: str
    level: Literal["participation", "funding", "flag"] = Field(
        description="participation: may take part; funding: may also receive money; "
        "flag: a mark such as a dedicated pool"
    )
    applies_to: Literal["every_member", "primary_contact", "team"]
    explanation: str
    condition: ConditionOut


class EligibilityOut(BaseModel):
    """The eligibility rules, in the caller's language, as the engine evaluates them: an age
    is known by its bracket, the team size rule is the competition's team_size_max."""

    competition: str
    lang: str
    country_sets: dict[str, list[str]] = Field(description="ISO 3166-1 alpha-2 codes")
    sectors: list[str]
    age_brackets: list[str]
    rules: list[RuleOut]


def form_out(
    competition: Competition, fields: Iterable[FormField], impact_key: str | None, lang: str
) -> FormOut:
    return FormOut(
        competition=competition.slug,
        lang=lang,
        fields=[
            FormFieldOut(
                id=f.id,
                type=f.type,
                required=f.required,
                label=f.label.get(lang),
                help=f.help.get(lang) if f.help else None,
                max_words=f.max_words,
                allowed_hosts=f.allowed_hosts,
            )
            for f in fields
        ],
        attachments=AttachmentLimitsOut(
            max_bytes=competition.attachment_max_bytes,
            max_files=competition.attachment_max_files,
            max_total_bytes=competition.attachment_max_total_bytes,
            types=list(competition.attachment_types),
        ),
        impact_assessment=impact_key,
    )


def rubric_out(competition: Competition, spec: RubricFile, lang: str) -> RubricOut:
    return RubricOut(
        competition=competition.slug,
        lang=lang,
        scale_min=spec.scale_min,
        scale_max=spec.scale_max,
        scale=[
            ScalePointOut(score=score, label=label.get(lang))
            for score, label in sorted(spec.scale_labels.items())
        ],
        criteria=[
            CriterionOut(
                id=c.id,
                weight=c.weight,
                name=c.name.get(lang),
                description=c.description.get(lang),
                required=c.required,
            )
            for c in spec.criteria
        ],
        judging=JudgingOut.model_validate(spec.judging.model_dump()),
    )


def eligibility_out(
    competition: Competition, spec: EligibilityFile, age_brackets: Iterable[str], lang: str
) -> EligibilityOut:
    return EligibilityOut(
        competition=competition.slug,
        lang=lang,
        country_sets=spec.country_sets,
        sectors=spec.sectors,
        age_brackets=list(age_brackets),
        rules=[
            RuleOut(
                id=r.id,
                level=r.level,
                applies_to=r.applies_to,
                explanation=r.explanation.get(lang),
                condition=_condition_out(r.condition),
            )
            for r in spec.rules
        ],
    )


def _condition_out(condition: Condition) -> ConditionOut:
    return ConditionOut.model_validate(condition.model_dump(exclude_none=True))
