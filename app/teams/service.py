"""Teams: forming one, inviting and joining, leaving, removing, handing over the captaincy.

Every change writes an audit record in the caller's transaction; every refusal raises before
anything is written, so stored data stays as it was.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.competitions import service as competitions
from app.competitions.catalogue_schemas import EligibilityFile
from app.competitions.lifecycle import Role
from app.competitions.models import Competition
from app.core.db import pk
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound
from app.identity import service as identity
from app.identity.actor import Actor
from app.identity.models import User
from app.identity.permissions import Permission
from app.teams import eligibility
from app.teams.models import EligibilityOverride, Team, TeamInvitation, TeamMember

STAFF = frozenset({Role.ORGANIZER, Role.ADMIN})


def get_team(session: Session, *, team_id: int, lock: bool = False) -> Team:
    """The team; ``lock`` takes its row lock (PostgreSQL) so membership counts hold."""
    query = select(Team).where(Team.id == team_id)
    team = session.exec(query.with_for_update() if lock else query).first()
    if team is None:
        raise NotFound("There is no team %(id)s.", id=team_id)
    return team


def competition_of(session: Session, *, team: Team) -> Competition:
    """The team's competition, loaded once per session: the session keeps it (its identity
    map alone holds rows weakly, so each call would load the row and its JSON again)."""
    held: dict[int, Competition] = session.info.setdefault("competitions", {})
    competition = held.get(team.competition_id) or session.get(Competition, team.competition_id)
    assert competition is not None  # a foreign key with ON DELETE CASCADE
    held[team.competition_id] = competition
    return competition


_ROSTERS = "govai_team_rosters"  # session.info: team id -> its members, loaded once


def members(session: Session, *, team: Team) -> list[tuple[TeamMember, User]]:
    """The team's members with their accounts, in joining order: loaded once per session (a
    request asks several times); the changes in this module forget the copy they change."""
    rosters: dict[int, list[tuple[TeamMember, User]]] = session.info.setdefault(_ROSTERS, {})
    if team.id not in rosters:
        rows = session.exec(
            select(TeamMember, User)
            .join(User, col(User.id) == TeamMember.user_id)
            .where(TeamMember.team_id == team.id)
            .order_by(col(TeamMember.joined_at), col(TeamMember.id))
        ).all()
        rosters[pk(team)] = [(member, user) for member, user in rows]
    return list(rosters[pk(team)])


def _forget_roster(session: Session, team: Team) -> None:
    session.info.get(_ROSTERS, {}).pop(team.id, None)


def membership(session: Session, *, team: Team, user_id: int | None) -> TeamMember | None:
    return next((m for m, _ in members(session, team=team) if m.user_id == user_id), None)


def is_staff(actor: Actor, team: Team) -> bool:
    return bool(actor.roles_in(team.competition_id) & STAFF)


def visible_team(session: Session, *, team_id: int, actor: Actor) -> Team:
    """The team, for its members and the competition's organizers; to anyone else it does not
    exist (a team never sees another team)."""
    team = get_team(session, team_id=team_id)
    user_id = actor.user.id if actor.user else None
    if not is_staff(actor, team) and membership(session, team=team, user_id=user_id) is None:
        raise NotFound("There is no team %(id)s.", id=team_id)
    return team


def authorize_on_team(
    session: Session, actor: Actor, team: Team, permission: Permission, now: datetime
) -> None:
    """``authorize`` in the team's competition, in its current phase."""
    competition = competition_of(session, team=team)
    phase = competitions.phase_of(session, competition=competition, now=now)
    identity.authorize(actor, permission, competition=competition, phase=phase)


def require_captain(team: Team, user: User) -> None:
    if team.captain_id != user.id:
        raise Forbidden("Only the team's captain may do this.")


def _ensure_free(session: Session, *, competition_id: int, user: User) -> None:
    taken = session.exec(
        select(TeamMember).where(
            TeamMember.competition_id == competition_id, TeamMember.user_id == user.id
        )
    ).first()
    if taken is not None:
        raise Conflict("You are already in a team in this competition.")


def _add_member(session: Session, *, team: Team, user: User, now: datetime) -> TeamMember:
    _forget_roster(session, team)
    """Insert the membership; the unique key refuses a second team even under a race."""
    member = TeamMember(
        team_id=pk(team), competition_id=team.competition_id, user_id=pk(user), joined_at=now
    )
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError:
        raise Conflict("You are already in a team in this competition.") from None
    return member


def _audit(
    session: Session,
    team: Team,
    action: str,
    *,
    now: datetime,
    actor: str,
    payload: dict[str, object] | None = None,
) -> None:
    audit.append(
        session,
        at=now,
        actor=actor,
        action=action,
        competition=competition_of(session, team=team).slug,
        subject=f"team:{team.id}",
        payload=payload,
    )


def create_team(
    session: Session, *, competition: Competition, user: User, name: str, now: datetime, actor: str
) -> Team:
    """Form a team with ``user`` as its captain and primary contact. Audited."""
    _ensure_free(session, competition_id=pk(competition), user=user)
    team = Team(
        competition_id=pk(competition),
        name=name,
        captain_id=pk(user),
        created_at=now,
        updated_at=now,
    )
    session.add(team)
    session.flush()
    _add_member(session, team=team, user=user, now=now)
    _audit(session, team, "team.created", now=now, actor=actor, payload={"name": name})
    return team


def update_team(
    session: Session, *, team: Team, changes: dict[str, object], now: datetime, actor: str
) -> Team:
    """Change the name or the declarations the eligibility rules read. Audited."""
    changed = sorted(k for k, v in changes.items() if getattr(team, k) != v)
    for name in changed:
        setattr(team, name, changes[name])
    if changed:
        team.updated_at = now
        session.add(team)
        session.flush()
        _audit(session, team, "team.updated", now=now, actor=actor, payload={"fields": changed})
    return team


def invite(
    session: Session, *, team: Team, email: str, now: datetime, actor: str
) -> tuple[TeamInvitation, str]:
    """A single-use, expiring invitation; returns the row and the code (shown once). A full
    team invites nobody (joining checks the room again, under the team's lock)."""
    limit = competition_of(session, team=team).team_size_max
    if count_members(session, team=team) >= limit:
        raise Conflict(
            "The team is full (%(limit)s members): remove a member before inviting someone.",
            limit=limit,
        )
    code = secrets.token_urlsafe(24)
    invitation = TeamInvitation(
        team_id=pk(team),
        email=identity.normalize_email(email),
        token_hash=identity.token_digest(code),
        invited_by=actor,
        created_at=now,
        expires_at=now + identity.INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    _audit(
        session,
        team,
        "team.invitation_created",
        now=now,
        actor=actor,
        payload={"invitation": invitation.id, "email": invitation.email},
    )
    return invitation, code


def find_invitation(session: Session, *, code: str) -> TeamInvitation:
    invitation = session.exec(
        select(TeamInvitation).where(TeamInvitation.token_hash == identity.token_digest(code))
    ).first()
    if invitation is None:
        raise NotFound("This invitation does not exist.")
    return invitation


def check_invitation(invitation: TeamInvitation, *, now: datetime) -> None:
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already used.")
    if invitation.expires_at <= now:
        raise Conflict("This invitation has expired; ask for a new one.")


def count_members(session: Session, *, team: Team) -> int:
    query = select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team.id)
    return int(session.exec(query).one())


def accept(
    session: Session, *, invitation: TeamInvitation, user: User, now: datetime, actor: str
) -> Team:
    """Join the invitation's team, once, before it expires, if the team has room.

    The team row is locked (PostgreSQL; on SQLite the write transaction already holds the
    database's write lock) before counting, so two accepts cannot both take the last place.
    """
    team = get_team(session, team_id=invitation.team_id, lock=True)
    check_invitation(invitation, now=now)
    competition = competition_of(session, team=team)
    _ensure_free(session, competition_id=pk(competition), user=user)
    if count_members(session, team=team) >= competition.team_size_max:
        raise Conflict(
            "This team is full: a team has at most %(limit)s members.",
            limit=competition.team_size_max,
        )
    _add_member(session, team=team, user=user, now=now)
    invitation.accepted_at, invitation.accepted_by_id = now, user.id
    session.add(invitation)
    session.flush()
    _audit(
        session,
        team,
        "team.member_joined",
        now=now,
        actor=actor,
        payload={"user": user.id, "invitation": invitation.id},
    )
    return team


def leave(session: Session, *, team: Team, user: User, now: datetime, actor: str) -> bool:
    """Leave the team; the last member leaving dissolves it. Returns whether it still exists.

    A captain with teammates hands over the captaincy first.
    """
    member = membership(session, team=team, user_id=user.id)
    if member is None:
        raise NotFound("There is no team %(id)s.", id=team.id)
    alone = count_members(session, team=team) == 1
    if team.captain_id == user.id and not alone:
        raise Conflict("Hand over the captain role before leaving the team.")
    _audit(
        session,
        team,
        "team.dissolved" if alone else "team.member_left",
        now=now,
        actor=actor,
        payload={"user": user.id},
    )
    session.delete(team if alone else member)  # a team's members go with it
    session.flush()
    _forget_roster(session, team)
    return not alone


def remove(session: Session, *, team: Team, user_id: int, now: datetime, actor: str) -> None:
    """The captain removes another member. Audited."""
    if user_id == team.captain_id:
        raise Conflict("The captain cannot be removed; hand over the captain role first.")
    member = membership(session, team=team, user_id=user_id)
    if member is None:
        raise NotFound("This person is not a member of the team.")
    session.delete(member)
    session.flush()
    _forget_roster(session, team)
    _audit(session, team, "team.member_removed", now=now, actor=actor, payload={"user": user_id})


def hand_over(session: Session, *, team: Team, user_id: int, now: datetime, actor: str) -> Team:
    """Make another member the captain and primary contact. Audited."""
    if membership(session, team=team, user_id=user_id) is None:
        raise Conflict("This person is not a member of the team.")
    previous = team.captain_id
    team.captain_id, team.updated_at = user_id, now
    session.add(team)
    session.flush()
    _audit(
        session,
        team,
        "team.captain_changed",
        now=now,
        actor=actor,
        payload={"from": previous, "to": user_id},
    )
    return team


def eligibility_file(competition: Competition) -> EligibilityFile:
    return competitions.parsed(competition, "eligibility", EligibilityFile)


def report(
    session: Session, *, team: Team, roster: list[tuple[TeamMember, User]] | None = None
) -> eligibility.Report:
    """Every eligibility rule of the team's competition, evaluated now, with overrides;
    ``roster`` is the team's members when the caller has just loaded them."""
    facts = eligibility.TeamFacts(
        captain_id=team.captain_id,
        members=tuple(
            eligibility.Member(
                user_id=pk(user),
                country_of_residence=user.country_of_residence,
                age_bracket=user.age_bracket,
                sector=user.sector,
            )
            for _, user in (members(session, team=team) if roster is None else roster)
        ),
        guardian_named=bool(team.guardian_name),
        funding_attestation=team.funding_attestation,
    )
    rows = session.exec(
        select(EligibilityOverride).where(EligibilityOverride.team_id == team.id)
    ).all()
    overrides = {
        row.rule_id: eligibility.Override(
            result="pass" if row.result == "pass" else "fail",
            reason=row.reason,
            by=row.decided_by,
            at=row.decided_at,
        )
        for row in rows
    }
    competition = competition_of(session, team=team)
    return eligibility.evaluate(eligibility_file(competition), facts, overrides)


def override(
    session: Session,
    *,
    team: Team,
    rule_id: str,
    result: str,
    reason: str,
    now: datetime,
    actor: str,
) -> EligibilityOverride:
    """Set an organizer's result for one rule of one team, replacing any earlier one. Audited."""
    rules = {rule.id for rule in eligibility_file(competition_of(session, team=team)).rules}
    if rule_id not in rules:
        raise BadRequest("There is no eligibility rule '%(rule)s'.", rule=rule_id)
    row = session.exec(
        select(EligibilityOverride).where(
            EligibilityOverride.team_id == team.id, EligibilityOverride.rule_id == rule_id
        )
    ).first()
    if row is None:
        row = EligibilityOverride(
            team_id=pk(team), rule_id=rule_id, result=result, reason=reason, decided_by=actor
        )
    row.result, row.reason, row.decided_by, row.decided_at = result, reason, actor, now
    session.add(row)
    session.flush()
    _audit(
        session,
        team,
        "eligibility.overridden",
        now=now,
        actor=actor,
        payload={"rule": rule_id, "result": result, "reason": reason},
    )
    return row
