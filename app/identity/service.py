"""Users, their roles, and the one authorization gate."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.access.vocabulary import STAFF_ROLES, Role
from app.accounts.models import BrowserSession
from app.audit import service as audit
from app.competitions.models import Competition
from app.core.config import Settings
from app.core.db import pk
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
)
from app.identity import mailing
from app.identity.actor import Actor, Grant, Via
from app.identity.models import Invitation, RoleGrant, User
from app.teams.exceptions import StaffCannotCompete
from app.teams.models import Team, TeamMember

INVITATION_LIFETIME = timedelta(days=7)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def token_digest(token: str) -> str:
    """How single-use secrets (invitations, e-mail links, tokens) are stored: SHA-256 only."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def grants_of(session: Session, *, user: User) -> tuple[Grant, ...]:
    """Every role the user holds; anyone signed in is a participant everywhere."""
    rows = session.exec(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    return ((Role.PARTICIPANT, None), *((Role(r.role), r.competition_id) for r in rows))


def actor_for_user(
    session: Session,
    *,
    user: User,
    scopes: frozenset[str] | None,
    via: Via,
    token_id: int | None = None,
) -> Actor:
    return Actor(
        kind="user",
        user=user,
        grants=grants_of(session, user=user),
        scopes=scopes,
        via=via,
        token_id=token_id,
    )


def get_user_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no user %(id)s.", id=user_id)
    return user


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    now: datetime,
    actor: str,
    verified: bool = False,
    preferred_language: str = "en",
) -> User:
    email = normalize_email(email)
    if get_user_by_email(session, email=email) is not None:
        raise Conflict("An account with this e-mail address already exists.")
    user = User(
        email=email,
        name=name.strip() or email,
        preferred_language=preferred_language,
        email_verified_at=now if verified else None,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    audit.append(session, at=now, actor=actor, action="user.created", subject=f"user:{user.id}")
    return user


def grant_role(
    session: Session,
    *,
    user: User,
    role: Role,
    competition: Competition | None,
    now: datetime,
    actor: str,
) -> RoleGrant:
    """Give ``user`` a role; admin is platform-wide, every other role is per competition.

    Idempotent: granting a role already held returns the existing grant. Staff do not
    compete: a member of one of the competition's teams is made neither judge nor organizer
    there. Audited.
    """
    if (role is Role.ADMIN) != (competition is None):
        raise BadRequest("Admin is platform-wide; every other role needs a competition.")
    if role is Role.PARTICIPANT:
        raise BadRequest("Everyone signed in is a participant; there is nothing to grant.")
    if role in STAFF_ROLES and competition is not None:
        _not_competing(session, user=user, competition=competition)
    competition_id = competition.id if competition else None
    existing = session.exec(
        select(RoleGrant).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == role.value,
            col(RoleGrant.competition_id).is_(None)
            if competition_id is None
            else RoleGrant.competition_id == competition_id,
        )
    ).first()
    if existing is not None:
        return existing
    grant = RoleGrant(
        user_id=pk(user),
        role=role.value,
        competition_id=competition_id,
        granted_by=actor,
        granted_at=now,
    )
    session.add(grant)
    session.flush()
    audit.append(
        session,
        at=now,
        actor=actor,
        action="role.granted",
        competition=competition.slug if competition else None,
        subject=f"user:{user.id}",
        payload={"role": role.value},
    )
    return grant


def _not_competing(session: Session, *, user: User, competition: Competition) -> None:
    """Refuse to make staff of ``competition`` someone who is in one of its teams."""
    team = session.exec(
        select(Team)
        .join(TeamMember, col(TeamMember.team_id) == Team.id)
        .where(TeamMember.competition_id == competition.id, TeamMember.user_id == user.id)
    ).first()
    if team is not None:
        raise StaffCannotCompete(
            "%(name)s is a member of the team %(team)s in this competition: leave the team "
            "first, as its judges and organizers cannot compete.",
            name=user.name,
            team=team.name,
        )


def revoke_role(session: Session, *, grant: RoleGrant, now: datetime, actor: str) -> None:
    session.delete(grant)
    session.flush()
    audit.append(
        session,
        at=now,
        actor=actor,
        action="role.revoked",
        subject=f"user:{grant.user_id}",
        payload={"role": grant.role, "competition_id": grant.competition_id},
    )


def invite(
    session: Session,
    *,
    settings: Settings,
    email: str,
    role: Role,
    competition: Competition,
    lang: str,
    now: datetime,
    actor: str,
) -> tuple[Invitation, str]:
    """A single-use invitation to ``role``, mailed to ``email`` (in their language if they
    have an account, else ``lang``) in this transaction's outbox; returns the row and the
    secret code (shown once)."""
    if role not in STAFF_ROLES:
        raise BadRequest("Only judges and organizers are invited.")
    code = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=normalize_email(email),
        role=role.value,
        competition_id=pk(competition),
        token_hash=token_digest(code),
        invited_by=actor,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    audit.append(
        session,
        at=now,
        actor=actor,
        action="invitation.created",
        competition=competition.slug,
        subject=f"invitation:{invitation.id}",
        payload={"role": role.value, "email": invitation.email},
    )
    invitee = get_user_by_email(session, email=invitation.email)
    mailing.send_invitation(
        settings,
        session,
        invitation=invitation,
        competition=competition,
        code=code,
        lang=invitee.preferred_language if invitee else lang,
    )
    return invitation, code


def accept_invitation(session: Session, *, code: str, user: User, now: datetime) -> RoleGrant:
    """Use an invitation once, before it expires, as the user it was sent to."""
    invitation = find_invitation(session, code=code)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already used.")
    if invitation.expires_at <= now:
        raise Conflict("This invitation has expired; ask for a new one.")
    if invitation.email != user.email:
        raise Forbidden("This invitation was sent to another e-mail address.")
    competition = session.get(Competition, invitation.competition_id)
    invitation.accepted_at, invitation.accepted_by_id = now, user.id
    session.add(invitation)
    return grant_role(
        session,
        user=user,
        role=Role(invitation.role),
        competition=competition,
        now=now,
        actor=f"user:{user.id}",
    )


def end_sessions(session: Session, *, user: User, now: datetime, actor: str) -> int:
    """Sign the user out everywhere: every browser session row of theirs is deleted, so each
    ends at once on every worker (a caller that keeps the person signed in starts a new one
    afterwards). Returns how many ended. Audited."""
    ended = session.execute(
        delete(BrowserSession)
        .where(col(BrowserSession.user_id) == user.id)
        .execution_options(synchronize_session=False)
    )
    count = int(ended.rowcount)  # type: ignore[attr-defined]
    audit.append(
        session,
        at=now,
        actor=actor,
        action="user.sessions_ended",
        subject=f"user:{user.id}",
        payload={"sessions": count},
    )
    session.flush()
    return count


def update_profile(
    session: Session, *, user: User, changes: dict[str, object], now: datetime
) -> User:
    """Replace the profile fields in ``changes`` (already validated by ProfileIn). Audited."""
    allowed = {
        "name",
        "preferred_language",
        "country_of_residence",
        "sector",
        "organization",
        "age_bracket",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise BadRequest(
            "These fields cannot be changed here: %(fields)s.", fields=", ".join(sorted(unknown))
        )
    changed = sorted(name for name, value in changes.items() if getattr(user, name) != value)
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.updated_at = now
        session.add(user)
        audit.append(
            session,
            at=now,
            actor=f"user:{user.id}",
            action="user.profile_updated",
            subject=f"user:{user.id}",
            payload={"fields": changed},
        )
        session.flush()
    return user


def roles_view(session: Session, *, user: User) -> list[tuple[Role, str | None]]:
    """The user's granted roles with competition slugs, for display."""
    rows = session.exec(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    slugs = {c.id: c.slug for c in session.exec(select(Competition)).all()}
    return [(Role(r.role), slugs.get(r.competition_id) if r.competition_id else None) for r in rows]


def list_users(session: Session, *, offset: int, limit: int) -> tuple[list[User], int]:
    from sqlalchemy import func

    total = session.exec(select(func.count()).select_from(User)).one()
    rows = session.exec(select(User).order_by(col(User.id)).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def find_grant(
    session: Session, *, user: User, role: Role, competition: Competition | None
) -> RoleGrant:
    query = select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role.value)
    query = query.where(
        col(RoleGrant.competition_id).is_(None)
        if competition is None
        else RoleGrant.competition_id == competition.id
    )
    grant = session.exec(query).first()
    if grant is None:
        raise NotFound("This user does not hold that role there.")
    return grant


def find_invitation(session: Session, *, code: str) -> Invitation:
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == token_digest(code))
    ).first()
    if invitation is None:
        raise NotFound("This invitation does not exist.")
    return invitation
