"""The words access is decided in: roles, a competition's phases, and OAuth scopes."""

from __future__ import annotations

from enum import StrEnum

from app.core.i18n import N_


class Role(StrEnum):
    PUBLIC = "public"
    PARTICIPANT = "participant"
    JUDGE = "judge"
    ORGANIZER = "organizer"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.JUDGE, Role.ORGANIZER})  # granted per competition


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

ALL_PHASES = frozenset(Phase)
PUBLIC_PHASES = ALL_PHASES - {Phase.DRAFT}
JUDGING_PHASES = frozenset({Phase.JUDGING, Phase.PITCH})


class Scope(StrEnum):
    """OAuth 2 scopes of this API. ``read`` allows every read the holder's roles allow."""

    READ = "read"
    PROFILE = "profile"
    PARTICIPATE = "participate"
    JUDGE = "judge"
    ORGANIZE = "organize"
    ADMIN = "admin"
