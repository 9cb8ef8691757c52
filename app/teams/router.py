"""The teams API: forming a team, invitations, membership, and the eligibility panel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlmodel import Session

from app.access.rules import Permission
from app.competitions import service as competitions
from app.core.clock import ClockDep
from app.core.db import SessionDep, pk
from app.core.idempotency import Attempt, IdempotencyKeyHeader
from app.identity.dependencies import ActorDep, access
from app.teams import eligibility, reasons, service
from app.teams.models import Team
from app.teams.schemas import (
    CaptainIn,
    EligibilityOut,
    MemberOut,
    MemberResult,
    OverrideIn,
    OverrideOut,
    RuleOut,
    SummaryOut,
    TeamIn,
    TeamInvitationIn,
    TeamInvitationOut,
    TeamOut,
    TeamPatch,
)

router = APIRouter(prefix="/api/v1", tags=["teams"])
Slug = Annotated[str, Path(max_length=80)]
TeamId = Annotated[int, Path(ge=1, le=2**31 - 1)]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Code = Annotated[str, Path(max_length=200)]


def _team_out(session: Session, team: Team) -> TeamOut:
    competition = service.competition_of(session, team=team)
    return TeamOut(
        id=pk(team),
        competition=competition.slug,
        name=team.name,
        captain_id=team.captain_id,
        guardian_name=team.guardian_name,
        funding_attestation=team.funding_attestation,
        members=[
            MemberOut(
                user_id=pk(user),
                name=user.name,
                is_captain=user.id == team.captain_id,
                joined_at=member.joined_at,
            )
            for member, user in service.members(session, team=team)
        ],
        size_limit=competition.team_size_max,
        created_at=team.created_at,
    )


@router.post(
    "/competitions/{slug}/teams",
    response_model=TeamOut,
    status_code=201,
    **access(Permission.FORM_TEAM, 404, 409, 422),
)
def create_team(
    slug: Slug,
    body: TeamIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Form a team; the caller is its captain and primary contact. One team per person per
    competition; an individual is a team of one."""
    now, user_id = clock.now(), actor.user.id if actor.user else None
    attempt = Attempt.of(
        request, session, user_id, idempotency_key, now, body.model_dump(mode="json")
    )
    if attempt.replayed is not None:
        return attempt.replayed
    competition = competitions.get_competition(session, slug=slug)
    team = service.create_team(
        session, competition=competition, name=body.name, now=clock.now(), by=actor
    )
    return attempt.respond(201, _team_out(session, team))


@router.get("/teams/{team_id}", response_model=TeamOut, **access(Permission.READ_TEAM, 404))
def read_team(team_id: TeamId, session: SessionDep, clock: ClockDep, actor: ActorDep) -> TeamOut:
    """A team, for its members and the competition's organizers."""
    team = service.team_for(
        session, team_id=team_id, by=actor, permission=Permission.READ_TEAM, now=clock.now()
    )
    return _team_out(session, team)


@router.patch(
    "/teams/{team_id}", response_model=TeamOut, **access(Permission.MANAGE_TEAM, 404, 409, 422)
)
def update_team(
    team_id: TeamId, body: TeamPatch, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> TeamOut:
    """The captain renames the team or changes its declarations: a named guardian, the
    funding attestation. Fields left out stay as they are."""
    team = service.visible_team(session, team_id=team_id, actor=actor)
    changes = body.model_dump(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k == "guardian_name"}
    service.update_team(session, team=team, changes=changes, now=clock.now(), by=actor)
    return _team_out(session, team)


@router.post(
    "/teams/{team_id}/invitations",
    response_model=TeamInvitationOut,
    status_code=201,
    **access(Permission.MANAGE_TEAM, 404, 409, 422),
)
def invite(
    team_id: TeamId,
    body: TeamInvitationIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """The captain invites someone by e-mail (single use, until its ``expires_at``). The code
    is also returned, once, to be shared by hand; a retry with the same ``Idempotency-Key``
    gets the same invitation back, and no second e-mail goes out."""
    now = clock.now()
    user_id = actor.user.id if actor.user else None
    attempt = Attempt.of(
        request, session, user_id, idempotency_key, now, body.model_dump(mode="json")
    )
    if attempt.replayed is not None:
        return attempt.replayed
    team = service.visible_team(session, team_id=team_id, actor=actor)
    invitation, code = service.invite(
        session,
        settings=request.app.state.settings,
        team=team,
        email=body.email,
        lang=request.state.lang,
        now=clock.now(),
        by=actor,
    )
    out = TeamInvitationOut(
        id=pk(invitation),
        team_id=pk(team),
        email=invitation.email,
        expires_at=invitation.expires_at,
        code=code,
    )
    return attempt.respond(201, out)


@router.post(
    "/team-invitations/{code}/accept",
    response_model=TeamOut,
    **access(Permission.MANAGE_TEAM, 404, 409),
)
def accept_invitation(code: Code, session: SessionDep, clock: ClockDep, actor: ActorDep) -> TeamOut:
    """Join a team with an invitation's code: once, before it expires, while the team has
    room and the caller is in no other team of the competition."""
    team = service.accept(session, code=code, now=clock.now(), by=actor)
    return _team_out(session, team)


@router.post("/teams/{team_id}/leave", status_code=204, **access(Permission.MANAGE_TEAM, 404, 409))
def leave(team_id: TeamId, session: SessionDep, clock: ClockDep, actor: ActorDep) -> Response:
    """Leave the team. A captain with teammates hands over first; the last one out dissolves
    the team."""
    team = service.visible_team(session, team_id=team_id, actor=actor)
    service.leave(session, team=team, now=clock.now(), by=actor)
    return Response(status_code=204)


@router.delete(
    "/teams/{team_id}/members/{user_id}",
    response_model=TeamOut,
    **access(Permission.MANAGE_TEAM, 404, 409),
)
def remove_member(
    team_id: TeamId, user_id: UserId, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> TeamOut:
    """The captain removes a member."""
    team = service.visible_team(session, team_id=team_id, actor=actor)
    service.remove(session, team=team, user_id=user_id, now=clock.now(), by=actor)
    return _team_out(session, team)


@router.post(
    "/teams/{team_id}/captain",
    response_model=TeamOut,
    **access(Permission.MANAGE_TEAM, 404, 409, 422),
)
def hand_over(
    team_id: TeamId, body: CaptainIn, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> TeamOut:
    """The captain hands the role, and with it the primary contact, to another member."""
    team = service.visible_team(session, team_id=team_id, actor=actor)
    service.hand_over(session, team=team, user_id=body.user_id, now=clock.now(), by=actor)
    return _team_out(session, team)


@router.get(
    "/teams/{team_id}/eligibility",
    response_model=EligibilityOut,
    **access(Permission.READ_TEAM, 404),
)
def read_eligibility(
    team_id: TeamId, request: Request, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> EligibilityOut:
    """Every rule, pass, fail or unknown, with reasons: for taking part, for funding, flags."""
    team = service.team_for(
        session, team_id=team_id, by=actor, permission=Permission.READ_TEAM, now=clock.now()
    )
    return _eligibility_out(team, service.report(session, team=team), request.state.lang)


@router.post(
    "/teams/{team_id}/eligibility/overrides",
    response_model=EligibilityOut,
    **access(Permission.OVERRIDE_ELIGIBILITY, 404, 422),
)
def override_eligibility(
    team_id: TeamId,
    body: OverrideIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
) -> EligibilityOut:
    """An organizer sets one rule's result for the team, with a written reason. Audited."""
    team = service.visible_team(session, team_id=team_id, actor=actor)
    service.override(
        session,
        team=team,
        rule_id=body.rule_id,
        result=body.result,
        reason=body.reason,
        now=clock.now(),
        by=actor,
    )
    return _eligibility_out(team, service.report(session, team=team), request.state.lang)


def _rule_out(result: eligibility.RuleResult, lang: str) -> RuleOut:
    given = result.override
    return RuleOut(
        id=result.rule.id,
        level=result.rule.level,
        applies_to=result.rule.applies_to,
        result=result.result,
        computed_result=result.computed.result,
        explanation=result.rule.explanation.get(lang),
        reason=reasons.unknown_reason(result.computed, lang),
        members=[
            MemberResult(
                user_id=m.user_id,
                result=m.verdict.result,
                reason=reasons.unknown_reason(m.verdict, lang),
            )
            for m in result.members
        ],
        override=OverrideOut(result=given.result, reason=given.reason, by=given.by, at=given.at)
        if given
        else None,
    )


def _eligibility_out(team: Team, report: eligibility.Report, lang: str) -> EligibilityOut:
    return EligibilityOut(
        team_id=pk(team),
        rules=[_rule_out(result, lang) for result in report.rules],
        summary=SummaryOut(
            may_participate=report.may_participate,
            may_receive_funding=report.may_receive_funding,
            recognition_only=report.recognition_only,
            flags=list(report.flags),
        ),
    )
