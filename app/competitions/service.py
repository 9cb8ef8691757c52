"""Competitions: reading them, their current phase, and moving them through the lifecycle."""

from __future__ import annotations

from datetime import datetime, timedelta
from threading import Lock
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, col, select

from app.access.vocabulary import Phase
from app.audit import service as audit
from app.competitions.lifecycle import Override, can_transition, current_phase
from app.competitions.models import Challenge, Competition, Event, ScheduledPhase
from app.core.errors import InvalidTransition, NotFound

Parsed = TypeVar("Parsed", bound=BaseModel)
_parsed: dict[tuple[str, int, str], Any] = {}
_parsed_lock = Lock()
_PARSED_MAX = 256


def parsed(competition: Competition, column: str, schema: type[Parsed]) -> Parsed:
    """A catalogue column (form, eligibility, ...) read through its schema, parsed once per
    loaded definition: the key carries the definition's digest, which every catalogue load that
    changes a file changes too."""
    key = (column, competition.id or 0, competition.source_digest)
    found = _parsed.get(key)
    if not isinstance(found, schema):
        found = schema.model_validate(getattr(competition, column))
        with _parsed_lock:
            if len(_parsed) >= _PARSED_MAX:
                _parsed.clear()
            _parsed[key] = found
    return found


def get_competition(session: Session, *, slug: str) -> Competition:
    competition = session.exec(select(Competition).where(Competition.slug == slug)).first()
    if competition is None:
        raise NotFound("There is no competition '%(slug)s'.", slug=slug)
    return competition


def list_competitions(session: Session) -> list[Competition]:
    return list(session.exec(select(Competition).order_by(col(Competition.slug))).all())


def schedule(session: Session, *, competition: Competition) -> dict[Phase, datetime]:
    rows = session.exec(
        select(ScheduledPhase).where(ScheduledPhase.competition_id == competition.id)
    ).all()
    return {Phase(row.phase): row.starts_at for row in rows}


def entries_close_at(competition: Competition) -> datetime:
    """When entries stop being taken: the posted deadline plus any grace period. The one
    closing time, enforced by the submission service and shown by the pages (a team's own
    extension may move that team's later: ``app.submissions.context.closes_at``)."""
    return competition.submission_deadline + timedelta(seconds=competition.grace_period_seconds)


def override_of(competition: Competition) -> Override | None:
    if competition.phase_override is None or competition.phase_override_at is None:
        return None
    return Override(Phase(competition.phase_override), competition.phase_override_at)


def phase_of(session: Session, *, competition: Competition, now: datetime) -> Phase:
    return current_phase(schedule(session, competition=competition), now, override_of(competition))


def set_phase(
    session: Session,
    *,
    competition: Competition,
    target: Phase,
    now: datetime,
    actor: str,
    reason: str | None = None,
) -> Phase:
    """Move the competition to ``target`` if the lifecycle allows it from the current phase.

    Side effects: records the explicit move on the competition (it then holds over the schedule
    until a later scheduled phase begins) and appends a public audit record.
    """
    current = phase_of(session, competition=competition, now=now)
    if not can_transition(current, target):
        raise InvalidTransition(
            "A competition in phase '%(current)s' cannot move to '%(target)s'.",
            current=current.value,
            target=target.value,
        )
    competition.phase_override, competition.phase_override_at = target.value, now
    competition.updated_at = now
    session.add(competition)
    audit.append(
        session,
        at=now,
        actor=actor,
        action="competition.phase_changed",
        competition=competition.slug,
        subject=competition.slug,
        public=True,
        payload={"from": current.value, "to": target.value, "reason": reason},
    )
    session.flush()
    return target


def follow_schedule(
    session: Session, *, competition: Competition, now: datetime, actor: str
) -> Phase:
    """Drop an explicit move so the phase follows the schedule again; audited."""
    before = phase_of(session, competition=competition, now=now)
    competition.phase_override, competition.phase_override_at = None, None
    competition.updated_at = now
    session.add(competition)
    after = phase_of(session, competition=competition, now=now)
    audit.append(
        session,
        at=now,
        actor=actor,
        action="competition.phase_follows_schedule",
        competition=competition.slug,
        subject=competition.slug,
        public=True,
        payload={"from": before.value, "to": after.value},
    )
    session.flush()
    return after


def challenges(session: Session, *, competition: Competition) -> list[Challenge]:
    query = select(Challenge).where(Challenge.competition_id == competition.id)
    return list(session.exec(query.order_by(col(Challenge.position))).all())


def get_challenge(session: Session, *, competition: Competition, slug: str) -> Challenge:
    challenge = session.exec(
        select(Challenge).where(Challenge.competition_id == competition.id, Challenge.slug == slug)
    ).first()
    if challenge is None:
        raise NotFound("There is no problem statement '%(slug)s' in this competition.", slug=slug)
    return challenge


def events(session: Session, *, competition: Competition) -> list[Event]:
    query = select(Event).where(Event.competition_id == competition.id)
    return list(session.exec(query.order_by(col(Event.starts_at))).all())


def get_competition_by_id(session: Session, *, competition_id: int) -> Competition:
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFound("There is no competition %(id)s.", id=competition_id)
    return competition
