"""Chained dependencies of the submissions routes: load an entry and authorize the caller once.

A route names what it needs (``Readable``, or ``changing(Permission.X)``) and gets the entry
and its team already checked: to anyone who may not see the entry it does not exist (404), and
a role or phase that does not allow the change is refused (403/409) before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import Session

from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import Forbidden
from app.identity import service as identity
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep
from app.identity.models import User
from app.identity.permissions import Permission
from app.submissions import service
from app.submissions.models import Submission
from app.teams import service as teams
from app.teams.models import Team

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
# Changes to the entry itself follow the team's own deadline (an extension reopens it).
ENTRY_CHANGES = frozenset(
    {
        Permission.EDIT_SUBMISSION,
        Permission.FINALIZE_SUBMISSION,
        Permission.WITHDRAW_SUBMISSION,
    }
)


def account_of(actor: Actor) -> User:
    if actor.user is None:
        raise Forbidden("Service clients have no account of their own.")
    return actor.user


def authorize(
    session: Session, actor: Actor, team: Team, permission: Permission, now: datetime
) -> None:
    competition = teams.competition_of(session, team=team)
    entry = permission in ENTRY_CHANGES
    phase = service.effective_phase(
        session, team=team, competition=competition, now=now, entry=entry
    )
    identity.authorize(actor, permission, competition=competition, phase=phase)


def readable_submission(
    submission_id: Id, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> tuple[Submission, Team]:
    """The entry and its team, loaded and authorized for reading once: its team's members and
    the competition's organizers; to anyone else it does not exist (404)."""
    submission, team = service.visible(session, submission_id=submission_id, actor=actor)
    authorize(session, actor, team, Permission.READ_SUBMISSION, clock.now())
    return submission, team


Readable = Annotated[tuple[Submission, Team], Depends(readable_submission)]


@dataclass(frozen=True)
class Change:
    """An entry locked for a change the caller may make, with who and when."""

    submission: Submission
    team: Team
    user: User
    now: datetime
    actor: str


def changing(permission: Permission) -> Callable[..., Change]:
    """A dependency: the entry locked (``FOR UPDATE``) and ``permission`` checked at the server's
    time. Routes that replay an ``Idempotency-Key`` do not use it: a replay must answer even
    after the deadline, so it runs before any check."""

    def dependency(
        submission_id: Id, session: SessionDep, clock: ClockDep, actor: ActorDep
    ) -> Change:
        now, user = clock.now(), account_of(actor)
        submission, team = service.visible(
            session, submission_id=submission_id, actor=actor, lock=True
        )
        authorize(session, actor, team, permission, now)
        return Change(submission, team, user, now, actor.label)

    return dependency


Editing = Annotated[Change, Depends(changing(Permission.EDIT_SUBMISSION))]
