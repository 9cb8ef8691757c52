"""What the submission pages share: an entry loaded and authorized exactly as the API's
dependencies do, the form's fields as the pages show them, the deadline, sizes and refusals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from app.access.rules import Permission
from app.competitions.catalogue import IMPACT_ANSWERS
from app.competitions.catalogue_schemas import FieldType
from app.competitions.models import Competition
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError, FieldError, NotFound
from app.core.i18n import N_, gettext, ngettext
from app.submissions import impact, service, states, validation
from app.submissions.context import EntryContext, TeamContext
from app.submissions.dependencies import Id, entry_for, team_for
from app.submissions.models import SubmissionStatus
from frontend import guards
from frontend.accounts.common import Form, translated
from frontend.formatting import LocalTime, moment
from frontend.guards import PageLang, SignedIn

# The server's word rule (validation.WORD) for the browser's RegExp with the "u" flag: there
# "\W" is ASCII only, so the letters-or-digits class is spelled with Unicode properties.
WORD_PATTERN_JS = validation.WORD.pattern.replace(r"[^\W_]", r"[\p{L}\p{N}]")
YES, NO = "yes", "no"


# What the pages call an entry: its context, loaded and authorized once (``entry_for``).
Entry = EntryContext


@dataclass(frozen=True)
class FieldView:
    """One field of the form as the pages show it, in the page's language."""

    id: str
    type: str
    label: str
    help: str | None
    required: bool
    max_words: int | None
    allowed_hosts: list[str] | None


def field_views(competition: Competition, lang: str) -> list[FieldView]:
    return [
        FieldView(
            id=spec.id,
            type=spec.type.value,
            label=spec.label.get(lang),
            help=spec.help.get(lang) if spec.help else None,
            required=spec.required,
            max_words=spec.max_words,
            allowed_hosts=spec.allowed_hosts,
        )
        for spec in validation.fields_of(service.form_of(competition)).values()
    ]


@dataclass(frozen=True)
class QuestionView:
    """One question of the impact questionnaire; ``name`` is its input's name and id."""

    name: str
    area: str
    text: str
    help: str | None
    choices: list[tuple[str, str]]


@dataclass(frozen=True)
class ImpactView:
    name: str
    intro: str
    questions: list[QuestionView]


IMPACT_PREFIX = f"{IMPACT_ANSWERS}."


def impact_view(competition: Competition, lang: str) -> ImpactView | None:
    """The competition's algorithmic impact questionnaire as the editor shows it, if any."""
    questionnaire = impact.questionnaire_of(competition)
    if questionnaire is None:
        return None
    questions = [
        QuestionView(
            name=IMPACT_PREFIX + q.id,
            area=q.area.get(lang),
            text=q.text.get(lang),
            help=q.help.get(lang) if q.help else None,
            choices=[(c.id, c.label.get(lang)) for c in q.choices],
        )
        for q in questionnaire.questions
    ]
    return ImpactView(questionnaire.name.get(lang), questionnaire.intro.get(lang), questions)


def impact_level(competition: Competition, answers: Mapping[str, Any], lang: str) -> str | None:
    """'Level II: moderate impact ...' for complete answers; None until then."""
    questionnaire = impact.questionnaire_of(competition)
    if questionnaire is None:
        return None
    level = impact.assess(questionnaire, dict(answers)).level
    return questionnaire.levels[level].get(lang) if level else None


def as_values(fields: list[FieldView], answers: Mapping[str, Any]) -> dict[str, str]:
    """Stored answers as the form's inputs hold them."""
    values: dict[str, str] = {
        IMPACT_PREFIX + question: choice for question, choice in impact.given(dict(answers)).items()
    }
    for spec in fields:
        value = answers.get(spec.id)
        if isinstance(value, bool):
            values[spec.id] = YES if value else NO
        else:
            values[spec.id] = "" if value is None else str(value)
    return values


def patch_of(
    fields: list[FieldView], posted: Mapping[str, str], questionnaire: ImpactView | None = None
) -> dict[str, Any]:
    """The posted form as a patch: an empty input clears its field (``None``); the problem
    statement is never part of it; the questionnaire's answers replace the saved ones as a
    whole. Anything else goes to the service to be checked."""
    patch: dict[str, Any] = {}
    if questionnaire is not None:
        chosen = {
            q.name.removeprefix(IMPACT_PREFIX): posted[q.name]
            for q in questionnaire.questions
            if posted.get(q.name)
        }
        patch[IMPACT_ANSWERS] = chosen or None
    for spec in fields:
        if spec.type == FieldType.CHALLENGE.value:
            continue
        raw = posted.get(spec.id, "").replace("\r\n", "\n")
        if spec.type == FieldType.YES_NO.value:
            patch[spec.id] = {YES: True, NO: False, "": None}.get(raw, raw)
        else:
            patch[spec.id] = raw if raw.strip() else None
    return patch


def refusal(lang: str, exc: AppError, values: dict[str, str] | None = None) -> Form:
    """The form again with the refusal: beside each field for a form's problems, else above."""
    if isinstance(exc, FieldError):
        return Form(values or {}, errors=exc.translated(lang))
    return Form(values or {}, message=translated(lang, exc))


def label_of(entry: Entry, field: str, lang: str) -> str:
    """A field's label, or the question's text for an impact questionnaire answer."""
    specs = validation.fields_of(service.form_of(entry.competition))
    if field in specs:
        return specs[field].label.get(lang)
    questionnaire = impact.questionnaire_of(entry.competition)
    question_id = field.removeprefix(f"{IMPACT_ANSWERS}.")
    for question in questionnaire.questions if questionnaire else []:
        if question.id == question_id:
            return question.text.get(lang)
    return field


@dataclass(frozen=True)
class DeadlineView:
    local: LocalTime
    utc: str
    passed: bool


def utc_text(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def deadline_view(context: TeamContext, lang: str, now: datetime) -> DeadlineView:
    """The team's own deadline (``closes_at``, the one enforced), in the competition's zone and
    UTC."""
    at = context.closes_at
    local = moment(at, context.competition.timezone, lang)
    return DeadlineView(local=local, utc=utc_text(at), passed=now >= at)


STATUSES = {
    SubmissionStatus.DRAFT: N_("Draft"),
    SubmissionStatus.FINALIZED: N_("Finalized (version %(version)s)"),
    SubmissionStatus.WITHDRAWN: N_("Withdrawn"),
}
CHANGED = N_(
    "Finalized (version %(version)s), changed since: finalize again or version %(version)s counts"
)


def status_text(standing: states.Standing, lang: str) -> str:
    """The entry's status as it is: a finalized entry changed since says that its receipt
    holds an older state, which counts until the team finalizes again."""
    message = CHANGED if standing.changed_since_finalized else STATUSES[standing.status]
    return gettext(lang, message, version=standing.receipt_version)


def size_text(size: int, lang: str) -> str:
    """ "512 bytes", "12.5 KB", "3.2 MB" (octets, Ko, Mo in French)."""
    if size < 1024:
        return ngettext(lang, "%(num)d byte", "%(num)d bytes", size)
    if size < 1024 * 1024:
        return gettext(lang, "%(size)s KB", size=_decimal(size / 1024, lang))
    return gettext(lang, "%(size)s MB", size=_decimal(size / (1024 * 1024), lang))


def _decimal(value: float, lang: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang == "fr" else text


def viewed_entry(
    request: Request,
    lang: PageLang,
    submission_id: Id,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
) -> Entry:
    """The entry, for its team's members and the competition's organizers; the 404 page for
    anyone else (as the API's ``readable_submission``)."""
    try:
        return entry_for(session, actor, submission_id, Permission.READ_SUBMISSION, clock.now())
    except NotFound as exc:
        raise guards.not_found(request, lang, exc) from None


Viewed = Annotated[Entry, Depends(viewed_entry)]


def entries_team(
    request: Request, lang: PageLang, team_id: Id, session: SessionDep, clock: ClockDep,
    actor: SignedIn,
) -> TeamContext:  # fmt: skip
    """The team whose entries are read or started, for its members and the organizers."""
    try:
        return team_for(session, actor, team_id, Permission.READ_SUBMISSION, clock.now())
    except NotFound as exc:
        raise guards.not_found(request, lang, exc) from None


EntriesTeam = Annotated[TeamContext, Depends(entries_team)]
