"""Chained dependencies of the submissions routes: load an entry's context and authorize the
caller once.

A route names what it needs (``Readable``, or ``changing(Permission.X)``) and gets the entry's
context (``app.submissions.context``) already checked: to anyone who may not see the entry it
does not exist (404), and a role or phase that does not allow the change is refused (403/409)
before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import Session

from app.access.rules import Permission
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep
from app.submissions import context as entries
from app.submissions.context import EntryContext, TeamContext
from app.teams import service as teams

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def team_for(
    session: Session, actor: Actor, team_id: int, permission: Permission, now: datetime
) -> TeamContext:
    """The team's context, for its members and the competition's organizers (else 404), with
    ``permission`` checked."""
    team = teams.visible_team(session, team_id=team_id, actor=actor)
    context = entries.team_context(session, team=team, now=now)
    entries.authorize(context, actor, permission, now)
    return context


def entry_for(
    session: Session,
    actor: Actor,
    submission_id: int,
    permission: Permission,
    now: datetime,
    *,
    lock: bool = False,
) -> EntryContext:
    """The entry's context, loaded once, with ``permission`` checked at the server's time."""
    context = entries.entry_context(
        session, submission_id=submission_id, actor=actor, now=now, lock=lock
    )
    entries.authorize(context, actor, permission, now)
    return context


def readable_submission(
    submission_id: Id, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> EntryContext:
    """The entry and its context, loaded and authorized for reading once: its team's members
    and the competition's organizers; to anyone else it does not exist (404)."""
    return entry_for(session, actor, submission_id, Permission.READ_SUBMISSION, clock.now())


Readable = Annotated[EntryContext, Depends(readable_submission)]


@dataclass(frozen=True)
class Change:
    """An entry locked for a change the caller may make, with who and when."""

    context: EntryContext
    by: Actor
    now: datetime


def changing(permission: Permission) -> Callable[..., Change]:
    """A dependency: the entry locked (``FOR UPDATE``) and ``permission`` checked at the server's
    time. Routes that replay an ``Idempotency-Key`` do not use it: a replay must answer even
    after the deadline, so it runs before any check."""

    def dependency(
        submission_id: Id, session: SessionDep, clock: ClockDep, actor: ActorDep
    ) -> Change:
        now = clock.now()
        entries.person_of(actor)  # a service client is refused before the entry is locked
        context = entry_for(session, actor, submission_id, permission, now, lock=True)
        return Change(context, actor, now)

    return dependency


Editing = Annotated[Change, Depends(changing(Permission.EDIT_SUBMISSION))]
