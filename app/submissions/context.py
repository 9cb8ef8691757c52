"""An entry's context, loaded once per request and handed down: the team, its roster, the
competition with its parsed form, the team's phase and its entry window.

``closes_at`` is the one closing time of a team's entries (the competition's deadline, its grace
period, the team's extension); ``require_open`` is the one place a change after it is refused;
``authorize`` checks a permission against the context without loading anything again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.access import rules as access
from app.access.rules import Permission
from app.access.vocabulary import Phase
from app.audit import service as audit
from app.competitions import service as competitions
from app.competitions.catalogue_schemas import FormFile
from app.competitions.models import Challenge, Competition
from app.core.errors import AppError, DeadlinePassed, Forbidden, NotFound
from app.identity.actor import Actor
from app.identity.models import User
from app.submissions.models import DeadlineExtension, Submission
from app.teams import service as teams
from app.teams.models import Team, TeamMember

# Changes to the entry itself follow the team's own deadline (an extension reopens it).
ENTRY_CHANGES = frozenset(
    {
        Permission.EDIT_SUBMISSION,
        Permission.FINALIZE_SUBMISSION,
        Permission.WITHDRAW_SUBMISSION,
    }
)


@dataclass(frozen=True)
class TeamContext:
    """A team as the entry rules read it. ``phase`` is the team's: a running extension keeps a
    closed competition open for it; ``closes_at`` is when the team's entries close."""

    team: Team
    competition: Competition
    roster: list[tuple[TeamMember, User]]
    form: FormFile
    phase: Phase
    closes_at: datetime

    def is_member(self, user: User | None) -> bool:
        return user is not None and any(u.id == user.id for _, u in self.roster)


@dataclass(frozen=True)
class EntryContext(TeamContext):
    """A team's context with one of its entries and the entry's problem statement."""

    submission: Submission
    challenge: Challenge

    @property
    def id(self) -> int:
        return self.submission.id or 0


def extension_of(session: Session, *, team: Team) -> DeadlineExtension | None:
    query = select(DeadlineExtension).where(DeadlineExtension.team_id == team.id)
    return session.exec(query).first()


def closes_at(competition: Competition, extension: DeadlineExtension | None) -> datetime:
    """When the team's entries close: the competition's deadline plus any grace period, or
    the team's extension when it ends later. Enforced and shown, to the second."""
    deadline = competitions.entries_close_at(competition)
    return max(deadline, extension.until) if extension else deadline


def team_context(session: Session, *, team: Team, now: datetime) -> TeamContext:
    """The team's context at ``now``, each part loaded once."""
    competition = teams.competition_of(session, team=team)
    extension = extension_of(session, team=team)
    until = closes_at(competition, extension)
    phase = competitions.phase_of(session, competition=competition, now=now)
    if phase is Phase.CLOSED and extension is not None and now < until:
        phase = Phase.OPEN
    form = competitions.parsed(competition, "form", FormFile)
    roster = teams.members(session, team=team)
    return TeamContext(team, competition, roster, form, phase, until)


def entry_context(
    session: Session, *, submission_id: int, actor: Actor, now: datetime, lock: bool = False
) -> EntryContext:
    """The entry and its context, for its team's members and the competition's organizers;
    to anyone else it does not exist (404). ``lock`` takes the entry's row lock after the
    visibility check (so outsiders never wait on it) and reads the entry again under it; on
    SQLite a writing request's transaction already holds the database's write lock."""
    submission = session.exec(select(Submission).where(Submission.id == submission_id)).first()
    if submission is None:
        raise NotFound("There is no submission %(id)s.", id=submission_id)
    try:
        team = teams.visible_team(session, team_id=submission.team_id, actor=actor)
    except NotFound:
        raise NotFound("There is no submission %(id)s.", id=submission_id) from None
    if lock and session.get_bind().dialect.name != "sqlite":
        session.refresh(submission, with_for_update=True)
    return with_entry(session, team_context(session, team=team, now=now), submission)


def with_entry(session: Session, context: TeamContext, submission: Submission) -> EntryContext:
    """The team's context with one of its entries."""
    challenge = session.get(Challenge, submission.challenge_id)
    assert challenge is not None  # a foreign key
    return EntryContext(**vars(context), submission=submission, challenge=challenge)


def person_of(by: Actor) -> User:
    """The person acting: a service client has no account to enter a competition with."""
    if by.user is None:
        raise Forbidden("Service clients have no account of their own.")
    return by.user


def local_time(at: datetime, competition: Competition) -> str:
    return at.astimezone(ZoneInfo(competition.timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def closed(context: TeamContext, now: datetime) -> DeadlinePassed | None:
    """The refusal of a change to the team's entries at and after ``closes_at`` (one second
    before is still in time), or None. The one place this rule lives."""
    if now < context.closes_at:
        return None
    return DeadlinePassed(
        "The deadline was %(utc)s UTC (%(local)s, %(zone)s).",
        utc=context.closes_at.strftime("%Y-%m-%d %H:%M:%S"),
        local=local_time(context.closes_at, context.competition),
        zone=context.competition.timezone,
    )


def require_open(context: TeamContext, now: datetime) -> None:
    if (error := closed(context, now)) is not None:
        raise error


def refusal(
    context: TeamContext, actor: Actor, permission: Permission, now: datetime
) -> AppError | None:
    """Why ``actor`` may not exercise ``permission`` on the team now, or None. A change to an
    entry after the team's window is refused as the deadline having passed (409 naming it),
    before any role or phase rule."""
    late = permission in ENTRY_CHANGES and context.phase is Phase.CLOSED
    if late and (error := closed(context, now)) is not None:
        return error
    return access.refusal(actor, permission, competition=context.competition, phase=context.phase)


def authorize(context: TeamContext, actor: Actor, permission: Permission, now: datetime) -> None:
    if (error := refusal(context, actor, permission, now)) is not None:
        raise error


def allowed(context: TeamContext, actor: Actor, permission: Permission, now: datetime) -> bool:
    """``authorize`` as a boolean, for showing or hiding an action."""
    return refusal(context, actor, permission, now) is None


def audit_entry(
    session: Session, context: TeamContext, action: str, *, now: datetime, actor: str, payload: Any
) -> None:
    audit.append(
        session,
        at=now,
        actor=actor,
        action=action,
        competition=context.competition.slug,
        subject=f"team:{context.team.id}",
        payload=payload,
    )
