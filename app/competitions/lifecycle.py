"""The competition lifecycle: allowed transitions between phases, and the current phase.

The current phase follows the schedule by the clock, unless an organizer moved it explicitly.
An explicit move holds until the schedule reaches a later phase at a boundary after the move;
the schedule never pulls a competition backwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from app.access.vocabulary import Phase

# Moves an organizer may make. Forward one step, skipping the optional pitch phase; reopening
# submissions after an early or mistaken close; back from pitch to judging to rescore.
TRANSITIONS: Mapping[Phase, frozenset[Phase]] = {
    Phase.DRAFT: frozenset({Phase.ANNOUNCED}),
    Phase.ANNOUNCED: frozenset({Phase.OPEN, Phase.DRAFT}),
    Phase.OPEN: frozenset({Phase.CLOSED}),
    Phase.CLOSED: frozenset({Phase.SCREENING, Phase.OPEN}),
    Phase.SCREENING: frozenset({Phase.JUDGING}),
    Phase.JUDGING: frozenset({Phase.PITCH, Phase.DELIBERATION}),
    Phase.PITCH: frozenset({Phase.DELIBERATION, Phase.JUDGING}),
    Phase.DELIBERATION: frozenset({Phase.ANNOUNCED_RESULTS}),
    Phase.ANNOUNCED_RESULTS: frozenset({Phase.ARCHIVED}),
    Phase.ARCHIVED: frozenset(),
}


def can_transition(current: Phase, target: Phase) -> bool:
    return target in TRANSITIONS[current]


@dataclass(frozen=True)
class Override:
    phase: Phase
    at: datetime


def scheduled_phase(schedule: Mapping[Phase, datetime], now: datetime) -> Phase:
    """The latest phase whose scheduled start is not after ``now``; draft before any."""
    reached = [phase for phase, start in schedule.items() if start <= now]
    return max(reached, key=lambda p: p.order, default=Phase.DRAFT)


def current_phase(
    schedule: Mapping[Phase, datetime], now: datetime, override: Override | None = None
) -> Phase:
    """The phase at ``now``: the schedule's, or an explicit move and what the schedule adds."""
    if override is None or override.at > now:
        return scheduled_phase(schedule, now)
    later = [
        phase
        for phase, start in schedule.items()
        if override.at < start <= now and phase.order > override.phase.order
    ]
    return max(later, key=lambda p: p.order, default=override.phase)


def next_scheduled(
    schedule: Mapping[Phase, datetime], now: datetime
) -> tuple[Phase, datetime] | None:
    upcoming = sorted((start, phase) for phase, start in schedule.items() if start > now)
    return (upcoming[0][1], upcoming[0][0]) if upcoming else None
