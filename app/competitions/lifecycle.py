"""The competition lifecycle: phases, allowed transitions, the current phase, and phase rules.

The current phase follows the schedule by the clock, unless an organizer moved it explicitly.
An explicit move holds until the schedule reaches a later phase at a boundary after the move;
the schedule never pulls a competition backwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.core.i18n import N_


class Phase(StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"
    OPEN = "open"
    CLOSED = "closed"
    SCREENING = "screening"
    JUDGING = "judging"
    PITCH = "pitch"
    DELIBERATION = "deliberation"
    ANNOUNCED_RESULTS = "announced_results"
    ARCHIVED = "archived"

    @property
    def order(self) -> int:
        return _ORDER[self]

    @property
    def label(self) -> str:
        """English message id of the phase's name, for translation."""
        return PHASE_LABELS[self]


_ORDER = {phase: index for index, phase in enumerate(Phase)}

PHASE_LABELS: dict[Phase, str] = {
    Phase.DRAFT: N_("Draft"),
    Phase.ANNOUNCED: N_("Announced"),
    Phase.OPEN: N_("Open for submissions"),
    Phase.CLOSED: N_("Submissions closed"),
    Phase.SCREENING: N_("Eligibility screening"),
    Phase.JUDGING: N_("Judging"),
    Phase.PITCH: N_("Pitches"),
    Phase.DELIBERATION: N_("Deliberation"),
    Phase.ANNOUNCED_RESULTS: N_("Results announced"),
    Phase.ARCHIVED: N_("Archived"),
}

PUBLIC_PHASES = frozenset(Phase) - {Phase.DRAFT}
JUDGING_PHASES = frozenset({Phase.JUDGING, Phase.PITCH})

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


class Role(StrEnum):
    PUBLIC = "public"
    PARTICIPANT = "participant"
    JUDGE = "judge"
    ORGANIZER = "organizer"
    ADMIN = "admin"


class Action(StrEnum):
    VIEW_COMPETITION = "view_competition"
    FORM_TEAM = "form_team"
    EDIT_SUBMISSION = "edit_submission"
    FINALIZE_SUBMISSION = "finalize_submission"
    WITHDRAW_SUBMISSION = "withdraw_submission"
    DECLARE_CONFLICT = "declare_conflict"
    SCORE_ENTRY = "score_entry"
    SCREEN_ELIGIBILITY = "screen_eligibility"
    ASSIGN_JUDGES = "assign_judges"
    DECIDE_AWARDS = "decide_awards"
    ANNOUNCE_RESULTS = "announce_results"
    VIEW_RESULTS = "view_results"
    MOVE_PHASE = "move_phase"
    GRANT_EXTENSION = "grant_extension"


_ALL = frozenset(Phase)
_STAFF = frozenset({Role.ORGANIZER, Role.ADMIN})

# action -> (roles that may, phases in which they may)
PHASE_RULES: Mapping[Action, tuple[frozenset[Role], frozenset[Phase]]] = {
    Action.VIEW_COMPETITION: (frozenset(Role), PUBLIC_PHASES),
    Action.FORM_TEAM: (frozenset({Role.PARTICIPANT}), frozenset({Phase.ANNOUNCED, Phase.OPEN})),
    Action.EDIT_SUBMISSION: (frozenset({Role.PARTICIPANT}), frozenset({Phase.OPEN})),
    Action.FINALIZE_SUBMISSION: (frozenset({Role.PARTICIPANT}), frozenset({Phase.OPEN})),
    Action.WITHDRAW_SUBMISSION: (frozenset({Role.PARTICIPANT}), frozenset({Phase.OPEN})),
    Action.DECLARE_CONFLICT: (
        frozenset({Role.JUDGE}),
        frozenset({Phase.CLOSED, Phase.SCREENING, Phase.JUDGING, Phase.PITCH}),
    ),
    Action.SCORE_ENTRY: (frozenset({Role.JUDGE}), JUDGING_PHASES),
    Action.SCREEN_ELIGIBILITY: (_STAFF, frozenset({Phase.CLOSED, Phase.SCREENING})),
    Action.ASSIGN_JUDGES: (_STAFF, frozenset({Phase.SCREENING, Phase.JUDGING, Phase.PITCH})),
    Action.DECIDE_AWARDS: (_STAFF, frozenset({Phase.DELIBERATION})),
    Action.ANNOUNCE_RESULTS: (_STAFF, frozenset({Phase.DELIBERATION})),
    Action.VIEW_RESULTS: (frozenset(Role), frozenset({Phase.ANNOUNCED_RESULTS, Phase.ARCHIVED})),
    Action.MOVE_PHASE: (_STAFF, _ALL),
    Action.GRANT_EXTENSION: (_STAFF, frozenset({Phase.OPEN, Phase.CLOSED})),
}


def may(role: Role, action: Action, phase: Phase) -> bool:
    """May someone holding ``role`` do ``action`` while the competition is in ``phase``?

    Organizers and admins also see a competition in draft; everything else is the table.
    """
    if action is Action.VIEW_COMPETITION and role in _STAFF:
        return True
    roles, phases = PHASE_RULES[action]
    return role in roles and phase in phases
