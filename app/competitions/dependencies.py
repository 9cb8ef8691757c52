"""Chained dependencies: load a competition once, visible to the caller, with its phase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path

from app.access.rules import Permission, publicly
from app.access.vocabulary import Phase
from app.competitions import service
from app.competitions.models import Competition
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import NotFound


@dataclass(frozen=True)
class CompetitionInPhase:
    competition: Competition
    phase: Phase


def public_competition(
    session: SessionDep,
    clock: ClockDep,
    slug: Annotated[str, Path(max_length=80, description="The competition's slug")],
) -> CompetitionInPhase:
    """The competition if the public may see it now (not in draft); 404 otherwise."""
    competition = service.get_competition(session, slug=slug)
    phase = service.phase_of(session, competition=competition, now=clock.now())
    if not publicly(Permission.VIEW_COMPETITION, phase):
        raise NotFound("There is no competition '%(slug)s'.", slug=slug)
    return CompetitionInPhase(competition, phase)


PublicCompetition = Annotated[CompetitionInPhase, Depends(public_competition)]
