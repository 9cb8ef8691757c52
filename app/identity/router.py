"""The identity API: one's own account, the lifecycle moves of organizers, invitations, users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlmodel import Session

from app.access import rules
from app.access.rules import Permission
from app.access.vocabulary import Role
from app.competitions import service as competitions
from app.core.clock import ClockDep
from app.core.db import SessionDep, pk
from app.core.errors import Forbidden
from app.core.http import PageDep
from app.core.idempotency import Attempt, IdempotencyKeyHeader
from app.identity import service
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep, access
from app.identity.models import User
from app.identity.schemas import (
    GrantIn,
    InvitationIn,
    InvitationOut,
    MeOut,
    PhaseMove,
    PhaseOutcome,
    Profile,
    ProfileIn,
    RoleOut,
    UserOut,
)

router = APIRouter(prefix="/api/v1", tags=["identity"])
Slug = Annotated[str, Path(max_length=80)]


def _own_user(actor: Actor) -> User:
    if actor.user is None:
        raise Forbidden("Service clients have no account of their own.")
    return actor.user


def _roles(session: Session, user: User) -> list[RoleOut]:
    return [
        RoleOut(role=role, competition=slug)
        for role, slug in service.roles_view(session, user=user)
    ]


@router.get("/me", response_model=MeOut, **access(Permission.READ_OWN_ACCOUNT))
def read_me(session: SessionDep, actor: ActorDep) -> MeOut:
    """The caller's own account, profile and roles."""
    rules.authorize(actor, Permission.READ_OWN_ACCOUNT)
    user = _own_user(actor)
    return MeOut(
        **Profile.model_validate(user, from_attributes=True).model_dump(),
        id=pk(user),
        email=user.email,
        email_verified=user.email_verified_at is not None,
        roles=_roles(session, user),
        authenticated_via=actor.via,
        scopes=sorted(actor.scopes) if actor.scopes is not None else None,
    )


@router.put("/me/profile", response_model=MeOut, **access(Permission.EDIT_OWN_PROFILE))
def update_profile(body: ProfileIn, session: SessionDep, clock: ClockDep, actor: ActorDep) -> MeOut:
    """Replace the profile: name, language, country of legal residence, sector, organization,
    age bracket. Each is asked only because the eligibility rules need it."""
    rules.authorize(actor, Permission.EDIT_OWN_PROFILE)
    service.update_profile(
        session, user=_own_user(actor), changes=body.model_dump(), now=clock.now()
    )
    return read_me(session, actor)


@router.post(
    "/competitions/{slug}/phase",
    response_model=PhaseOutcome,
    **access(Permission.MOVE_PHASE, 404, 409, 422),
)
def move_phase(
    slug: Slug, body: PhaseMove, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> PhaseOutcome:
    """Move the competition along the lifecycle, or back to following its schedule. Audited."""
    competition = competitions.get_competition(session, slug=slug)
    now = clock.now()
    phase = competitions.phase_of(session, competition=competition, now=now)
    rules.authorize(actor, Permission.MOVE_PHASE, competition=competition, phase=phase)
    if body.phase is None:
        result = competitions.follow_schedule(
            session, competition=competition, now=now, actor=actor.label
        )
    else:
        result = competitions.set_phase(
            session,
            competition=competition,
            target=body.phase,
            now=now,
            actor=actor.label,
            reason=body.reason,
        )
    return PhaseOutcome(
        slug=slug,
        phase=result,
        phase_set_by="organizer" if competition.phase_override else "schedule",
    )


@router.post(
    "/competitions/{slug}/invitations",
    response_model=InvitationOut,
    status_code=201,
    **access(Permission.INVITE_STAFF, 404, 422),
)
def invite(
    slug: Slug,
    body: InvitationIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Invite someone by e-mail to judge or organize this competition (single use, until its
    ``expires_at``). A retry with the same ``Idempotency-Key`` gets the first answer and sends
    no second e-mail."""
    now, staff_role = clock.now(), Role(body.role)
    user_id = actor.user.id if actor.user else None
    attempt = Attempt.of(
        request, session, user_id, idempotency_key, now, body.model_dump(mode="json")
    )
    if attempt.replayed is not None:
        return attempt.replayed
    competition = competitions.get_competition(session, slug=slug)
    rules.authorize(actor, Permission.INVITE_STAFF, competition=competition)
    invitation, _ = service.invite(
        session,
        settings=request.app.state.settings,
        email=body.email,
        role=staff_role,
        competition=competition,
        lang=request.state.lang,
        now=clock.now(),
        actor=actor.label,
    )
    out = InvitationOut(
        id=pk(invitation),
        email=invitation.email,
        role=staff_role,
        competition=slug,
        expires_at=invitation.expires_at,
    )
    return attempt.respond(201, out)


@router.post(
    "/invitations/{code}/accept",
    response_model=RoleOut,
    **access(Permission.ACCEPT_INVITATION, 404, 409),
)
def accept_invitation(
    code: Annotated[str, Path(max_length=200)],
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
) -> RoleOut:
    """Take the role an invitation offers; it must be addressed to the caller's e-mail."""
    rules.authorize(actor, Permission.ACCEPT_INVITATION)
    grant = service.accept_invitation(session, code=code, user=_own_user(actor), now=clock.now())
    slug = (
        competitions.get_competition_by_id(session, competition_id=grant.competition_id).slug
        if grant.competition_id
        else None
    )
    return RoleOut(role=Role(grant.role), competition=slug)


@router.get("/admin/users", response_model=list[UserOut], **access(Permission.READ_USERS))
def list_users(
    session: SessionDep, actor: ActorDep, paging: PageDep, response: Response
) -> list[UserOut]:
    """Every user with their roles (the total is in the X-Total-Count header)."""
    rules.authorize(actor, Permission.READ_USERS)
    users, total = service.list_users(session, offset=paging.offset, limit=paging.per_page)
    response.headers["X-Total-Count"] = str(total)
    return [_user_out(session, user) for user in users]


@router.post(
    "/admin/users/{user_id}/roles",
    response_model=UserOut,
    **access(Permission.MANAGE_USERS, 400, 404, 409, 422),
)
def grant(
    user_id: int, body: GrantIn, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> UserOut:
    """Grant a role: admin platform-wide, judge or organizer in a competition (not to a member
    of one of its teams: staff do not compete)."""
    rules.authorize(actor, Permission.MANAGE_USERS)
    user = service.get_user(session, user_id=user_id)
    competition = (
        competitions.get_competition(session, slug=body.competition) if body.competition else None
    )
    service.grant_role(
        session,
        user=user,
        role=body.role,
        competition=competition,
        now=clock.now(),
        actor=actor.label,
    )
    return _user_out(session, user)


@router.delete(
    "/admin/users/{user_id}/roles",
    response_model=UserOut,
    **access(Permission.MANAGE_USERS, 404, 422),
)
def revoke(
    user_id: int,
    role: Role,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    competition: Annotated[str | None, Query(max_length=80)] = None,
) -> UserOut:
    """Take a role away."""
    rules.authorize(actor, Permission.MANAGE_USERS)
    user = service.get_user(session, user_id=user_id)
    where = competitions.get_competition(session, slug=competition) if competition else None
    found = service.find_grant(session, user=user, role=role, competition=where)
    service.revoke_role(session, grant=found, now=clock.now(), actor=actor.label)
    return _user_out(session, user)


@router.post(
    "/admin/users/{user_id}/sessions/end",
    status_code=204,
    **access(Permission.MANAGE_USERS, 404),
)
def end_sessions(user_id: int, session: SessionDep, clock: ClockDep, actor: ActorDep) -> Response:
    """Sign the user out of every browser session."""
    rules.authorize(actor, Permission.MANAGE_USERS)
    service.end_sessions(
        session, user=service.get_user(session, user_id=user_id), now=clock.now(), actor=actor.label
    )
    return Response(status_code=204)


def _user_out(session: Session, user: User) -> UserOut:
    return UserOut(
        id=pk(user),
        email=user.email,
        name=user.name,
        email_verified=user.email_verified_at is not None,
        roles=_roles(session, user),
    )
