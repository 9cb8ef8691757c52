"""Public read API of competitions, problem statements and events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlmodel import Session

from app.access.rules import Permission, publicly
from app.access.vocabulary import Phase
from app.competitions import ical, service
from app.competitions.catalogue import IMPACT_ANSWERS
from app.competitions.catalogue_schemas import EligibilityFile, RubricFile
from app.competitions.dependencies import PublicCompetition
from app.competitions.models import Competition
from app.competitions.schemas import (
    ChallengeOut,
    ChallengeSummary,
    CompetitionOut,
    EligibilityOut,
    EventOut,
    FormOut,
    Page,
    QuestionnaireOut,
    RubricOut,
    challenge_out,
    challenge_summary,
    competition_out,
    eligibility_out,
    event_out,
    form_out,
    questionnaire_out,
    rubric_out,
)
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import NotFound, problem_responses
from app.core.http import LangDep, PageDep, public_json, public_response
from app.identity.dependencies import access
from app.submissions import impact, validation
from app.submissions import service as submissions
from app.teams.eligibility import AGE_BRACKETS

router = APIRouter(prefix="/api/v1", tags=["competitions"])
NOT_FOUND = problem_responses(404, 422)


@router.get(
    "/competitions",
    **access(None),
    response_model=Page[CompetitionOut],
    responses=problem_responses(422),
)
def list_competitions(
    request: Request, session: SessionDep, clock: ClockDep, lang: LangDep, paging: PageDep
) -> Response:
    """Competitions open to the public, with phase, schedule, envelope and award cap."""
    visible = [
        (competition, phase)
        for competition in service.list_competitions(session)
        if publicly(
            Permission.VIEW_COMPETITION,
            phase := service.phase_of(session, competition=competition, now=clock.now()),
        )
    ]
    window = visible[paging.offset : paging.offset + paging.per_page]
    page = Page[CompetitionOut](
        items=[_full(session, competition, phase, lang) for competition, phase in window],
        total=len(visible),
        page=paging.page,
        per_page=paging.per_page,
    )
    return public_json(request, page, lang=lang)


@router.get(
    "/competitions/{slug}", **access(None), response_model=CompetitionOut, responses=NOT_FOUND
)
def get_competition(
    request: Request, session: SessionDep, lang: LangDep, found: PublicCompetition
) -> Response:
    return public_json(request, _full(session, found.competition, found.phase, lang), lang=lang)


@router.get(
    "/competitions/{slug}/impact-assessment",
    **access(None),
    response_model=QuestionnaireOut,
    responses=NOT_FOUND,
)
def get_questionnaire(request: Request, lang: LangDep, found: PublicCompetition) -> Response:
    """The algorithmic impact questionnaire every entry answers, modelled on Canada's
    Algorithmic Impact Assessment: its questions, choices with their points, and the levels."""
    competition = found.competition
    spec = impact.questionnaire_of(competition)
    if spec is None:
        raise NotFound("This competition has no impact questionnaire.")
    return public_json(request, questionnaire_out(competition, spec, lang), lang=lang)


@router.get(
    "/competitions/{slug}/form",
    **access(None),
    response_model=FormOut,
    responses=NOT_FOUND,
)
def get_form(request: Request, lang: LangDep, found: PublicCompetition) -> Response:
    """The submission form as the submission service checks it: every answer's id, type,
    whether finalizing needs it, word limits, the hosts a link may point to (the reuse fields
    every entry carries included), and the attachment limits."""
    competition = found.competition
    fields = validation.fields_of(submissions.form_of(competition)).values()
    key = IMPACT_ANSWERS if competition.impact_assessment is not None else None
    return public_json(request, form_out(competition, fields, key, lang), lang=lang)


@router.get(
    "/competitions/{slug}/rubric",
    **access(None),
    response_model=RubricOut,
    responses=NOT_FOUND,
)
def get_rubric(request: Request, lang: LangDep, found: PublicCompetition) -> Response:
    """The judging rubric: the scale with its labels, and the criteria with their weights."""
    competition = found.competition
    spec = service.parsed(competition, "rubric", RubricFile)
    return public_json(request, rubric_out(competition, spec, lang), lang=lang)


@router.get(
    "/competitions/{slug}/eligibility",
    **access(None),
    response_model=EligibilityOut,
    responses=NOT_FOUND,
)
def get_eligibility(request: Request, lang: LangDep, found: PublicCompetition) -> Response:
    """The eligibility rules a team's report is made of (``GET /api/v1/teams/{id}/eligibility``),
    with the country sets, sectors and age brackets they test."""
    competition = found.competition
    spec = service.parsed(competition, "eligibility", EligibilityFile)
    return public_json(request, eligibility_out(competition, spec, AGE_BRACKETS, lang), lang=lang)


@router.get(
    "/competitions/{slug}/challenges",
    **access(None),
    response_model=Page[ChallengeSummary],
    responses=NOT_FOUND,
)
def list_challenges(
    request: Request, session: SessionDep, lang: LangDep, paging: PageDep, found: PublicCompetition
) -> Response:
    """The competition's problem statements, in order."""
    rows = service.challenges(session, competition=found.competition)
    page = Page[ChallengeSummary](
        items=[
            challenge_summary(c, lang)
            for c in rows[paging.offset : paging.offset + paging.per_page]
        ],
        total=len(rows),
        page=paging.page,
        per_page=paging.per_page,
    )
    return public_json(request, page, lang=lang)


@router.get(
    "/competitions/{slug}/challenges/{challenge}",
    **access(None),
    response_model=ChallengeOut,
    responses=NOT_FOUND,
)
def get_challenge(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    found: PublicCompetition,
    challenge: Annotated[str, Path(max_length=80)],
) -> Response:
    row = service.get_challenge(session, competition=found.competition, slug=challenge)
    return public_json(request, challenge_out(row, found.competition, lang), lang=lang)


@router.get(
    "/competitions/{slug}/events",
    **access(None),
    response_model=Page[EventOut],
    responses=NOT_FOUND,
)
def list_events(
    request: Request, session: SessionDep, lang: LangDep, paging: PageDep, found: PublicCompetition
) -> Response:
    """Public events (launch, panels, question periods), in time order, with local times."""
    rows = service.events(session, competition=found.competition)
    page = Page[EventOut](
        items=[
            event_out(e, found.competition, lang)
            for e in rows[paging.offset : paging.offset + paging.per_page]
        ],
        total=len(rows),
        page=paging.page,
        per_page=paging.per_page,
    )
    return public_json(request, page, lang=lang)


@router.get(
    "/competitions/{slug}/events.ics",
    **access(None),
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar"}, **NOT_FOUND},
)
def events_calendar(
    request: Request, session: SessionDep, clock: ClockDep, lang: LangDep, found: PublicCompetition
) -> Response:
    """The events as an iCalendar file (RFC 5545) to add to a calendar."""
    body = ical.calendar(
        found.competition,
        service.events(session, competition=found.competition),
        lang=lang,
        stamp=found.competition.updated_at,
        base_url=request.app.state.settings.public_base_url,
    )
    return public_response(
        request,
        body.encode("utf-8"),
        media_type="text/calendar; charset=utf-8",
        max_age=request.app.state.settings.public_cache_seconds,
        lang=lang,
        headers={
            "Content-Disposition": f'attachment; filename="{found.competition.slug}-events.ics"'
        },
    )


def _full(session: Session, competition: Competition, phase: Phase, lang: str) -> CompetitionOut:
    return competition_out(
        competition,
        lang=lang,
        phase=phase,
        schedule=service.schedule(session, competition=competition),
        challenges=service.challenges(session, competition=competition),
    )
