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

from app.access import rules as access
from app.access.rules import Permission
from app.access.vocabulary import STAFF_ROLES, Role
from app.audit import service as audit
from app.competitions import service as competitions
from app.competitions.catalogue_schemas import EligibilityFile
from app.competitions.models import Competition
from app.core import text
from app.core.config import Settings
from app.core.db import pk
from app.core.errors import BadRequest, Conflict, FieldError, Forbidden, NotFound
from app.core.i18n import N_
from app.identity import service as identity
from app.identity.actor import Actor
from app.identity.models import User
from app.teams import eligibility, mailing
from app.teams.exceptions import StaffCannotCompete
from app.teams.models import EligibilityOverride, Team, TeamInvitation, TeamMember
from app.teams.schemas import GUARDIAN_NAME_MAX, TEAM_NAME_MAX

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
    access.authorize(actor, permission, competition=competition, phase=phase)


def team_for(
    session: Session, *, team_id: int, by: Actor, permission: Permission, now: datetime
) -> Team:
    """The team, visible to ``by``, who may exercise ``permission`` on it in its phase now: the
    one load of a team that the API and the pages make before showing or changing it."""
    team = visible_team(session, team_id=team_id, actor=by)
    authorize_on_team(session, by, team, permission, now)
    return team


def person(by: Actor) -> User:
    """The account acting; a service client has none, so it cannot be in a team."""
    if by.user is None:
        raise Forbidden("Service clients have no account of their own.")
    return by.user


def _as_captain(session: Session, team: Team, by: Actor, now: datetime) -> User:
    """``by`` may manage the team now and is its captain; returns their account."""
    authorize_on_team(session, by, team, Permission.MANAGE_TEAM, now)
    user = person(by)
    if team.captain_id != user.id:
        raise Forbidden("Only the team's captain may do this.")
    return user


def _not_staff(by: Actor, competition: Competition) -> None:
    """Staff do not compete: a judge or organizer of the competition is in none of its teams."""
    if by.roles_in(competition.id) & STAFF_ROLES:
        raise StaffCannotCompete(
            "The competition's judges and organizers cannot be in one of its teams."
        )


def may_form_team(session: Session, *, competition: Competition, by: Actor, now: datetime) -> None:
    """Raise unless ``by`` may form a team in ``competition`` now: the permission in its
    current phase, and not being one of its judges or organizers."""
    phase = competitions.phase_of(session, competition=competition, now=now)
    access.authorize(by, Permission.FORM_TEAM, competition=competition, phase=phase)
    person(by)
    _not_staff(by, competition)


def team_name(value: str) -> str:
    """The team's name as stored: one line, not blank, at most ``TEAM_NAME_MAX`` characters."""
    name = value.strip()
    if (kind := text.problem(name)) is not None:
        raise FieldError(text.MESSAGES[kind], field="name")
    if not 1 <= len(name) <= TEAM_NAME_MAX:
        raise FieldError(
            N_("Enter a name for the team (at most %(limit)s characters)."),
            field="name",
            limit=TEAM_NAME_MAX,
        )
    return name


def guardian_name(value: str | None) -> str | None:
    """The guardian's name as stored (None when left empty): one line, at most
    ``GUARDIAN_NAME_MAX`` characters."""
    name = (value or "").strip()
    if (kind := text.problem(name)) is not None:
        raise FieldError(text.MESSAGES[kind], field="guardian_name")
    if len(name) > GUARDIAN_NAME_MAX:
        raise FieldError(
            N_("Use at most %(max_length)s characters."),
            field="guardian_name",
            max_length=GUARDIAN_NAME_MAX,
        )
    return name or None


def ensure_room(session: Session, *, team: Team, inviting: bool = False) -> None:
    """The one rule of a team's size: a team has at most its competition's ``team_size_max``
    members. ``inviting`` words the refusal for an invitation that could not be used."""
    limit = competition_of(session, team=team).team_size_max
    if count_members(session, team=team) < limit:
        return
    if inviting:
        raise Conflict(
            "The team is full (%(limit)s members): remove a member before inviting someone.",
            limit=limit,
        )
    raise Conflict("This team is full: a team has at most %(limit)s members.", limit=limit)


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
    session: Session, *, competition: Competition, name: str, now: datetime, by: Actor
) -> Team:
    """Form a team with ``by`` as its captain and primary contact, if ``may_form_team`` and
    ``by`` is in no other team of the competition. Audited."""
    may_form_team(session, competition=competition, by=by, now=now)
    user, name = person(by), team_name(name)
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
    _audit(session, team, "team.created", now=now, actor=by.label, payload={"name": name})
    return team


def _declared(changes: dict[str, object]) -> dict[str, object]:
    """``changes`` checked: only the name and the declarations, each within its limits."""
    unknown = set(changes) - {"name", "guardian_name", "funding_attestation"}
    if unknown:
        raise BadRequest(
            "These fields cannot be changed here: %(fields)s.", fields=", ".join(sorted(unknown))
        )
    checked = dict(changes)
    if "name" in checked:
        checked["name"] = team_name(str(checked["name"]))
    if "guardian_name" in checked:
        given = checked["guardian_name"]
        checked["guardian_name"] = guardian_name(None if given is None else str(given))
    if "funding_attestation" in checked:
        checked["funding_attestation"] = bool(checked["funding_attestation"])
    return checked


def update_team(
    session: Session, *, team: Team, changes: dict[str, object], now: datetime, by: Actor
) -> Team:
    """The captain changes the name or the declarations the eligibility rules read. Audited."""
    _as_captain(session, team, by, now)
    changes = _declared(changes)
    changed = sorted(k for k, v in changes.items() if getattr(team, k) != v)
    for name in changed:
        setattr(team, name, changes[name])
    if changed:
        team.updated_at = now
        session.add(team)
        session.flush()
        _audit(session, team, "team.updated", now=now, actor=by.label, payload={"fields": changed})
    return team


def invite(
    session: Session,
    *,
    settings: Settings,
    team: Team,
    email: str,
    lang: str,
    now: datetime,
    by: Actor,
) -> tuple[TeamInvitation, str]:
    """The captain invites someone: a single-use, expiring invitation, mailed to ``email`` (in
    their language if they have an account, else ``lang``) in this transaction's outbox.
    Returns the row and the code (shown once). A full team invites nobody (joining checks
    the room again, under the team's lock)."""
    _as_captain(session, team, by, now)
    ensure_room(session, team=team, inviting=True)
    code = secrets.token_urlsafe(24)
    invitation = TeamInvitation(
        team_id=pk(team),
        email=identity.normalize_email(email),
        token_hash=identity.token_digest(code),
        invited_by=by.label,
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
        actor=by.label,
        payload={"invitation": invitation.id, "email": invitation.email},
    )
    invitee = identity.get_user_by_email(session, email=invitation.email)
    mailing.send_invitation(
        settings,
        session,
        team=team,
        competition=competition_of(session, team=team),
        invitation=invitation,
        code=code,
        lang=invitee.preferred_language if invitee else lang,
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


def accept(session: Session, *, code: str, now: datetime, by: Actor) -> Team:
    """``by`` joins the team of the invitation with ``code``: once, before it expires, if the
    team has room, while in the team phase, and not as one of the competition's staff.

    The team row is locked (PostgreSQL; on SQLite the write transaction already holds the
    database's write lock) before counting, so two accepts cannot both take the last place.
    """
    invitation = find_invitation(session, code=code)
    team = get_team(session, team_id=invitation.team_id, lock=True)
    authorize_on_team(session, by, team, Permission.MANAGE_TEAM, now)
    user = person(by)
    check_invitation(invitation, now=now)
    competition = competition_of(session, team=team)
    _not_staff(by, competition)
    _ensure_free(session, competition_id=pk(competition), user=user)
    ensure_room(session, team=team)
    _add_member(session, team=team, user=user, now=now)
    invitation.accepted_at, invitation.accepted_by_id = now, user.id
    session.add(invitation)
    session.flush()
    _audit(
        session,
        team,
        "team.member_joined",
        now=now,
        actor=by.label,
        payload={"user": user.id, "invitation": invitation.id},
    )
    return team


def leave(session: Session, *, team: Team, now: datetime, by: Actor) -> bool:
    """``by`` leaves the team; the last member leaving dissolves it. Returns whether it still
    exists.

    A captain with teammates hands over the captaincy first.
    """
    authorize_on_team(session, by, team, Permission.MANAGE_TEAM, now)
    user = person(by)
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
        actor=by.label,
        payload={"user": user.id},
    )
    session.delete(team if alone else member)  # a team's members go with it
    session.flush()
    _forget_roster(session, team)
    return not alone


def remove(session: Session, *, team: Team, user_id: int, now: datetime, by: Actor) -> None:
    """The captain removes another member. Audited."""
    _as_captain(session, team, by, now)
    if user_id == team.captain_id:
        raise Conflict("The captain cannot be removed; hand over the captain role first.")
    member = membership(session, team=team, user_id=user_id)
    if member is None:
        raise NotFound("This person is not a member of the team.")
    session.delete(member)
    session.flush()
    _forget_roster(session, team)
    _audit(session, team, "team.member_removed", now=now, actor=by.label, payload={"user": user_id})


def hand_over(session: Session, *, team: Team, user_id: int, now: datetime, by: Actor) -> Team:
    """The captain makes another member the captain and primary contact. Audited."""
    _as_captain(session, team, by, now)
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
        actor=by.label,
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
    by: Actor,
) -> EligibilityOverride:
    """An organizer sets the result of one rule for one team, replacing any earlier one.
    Audited."""
    authorize_on_team(session, by, team, Permission.OVERRIDE_ELIGIBILITY, now)
    actor = by.label
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
