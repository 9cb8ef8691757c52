"""The one access table, and the two ways to read it.

Each permission names the roles that hold it, the token scope that carries it, whether it
writes, and the phases of a competition in which it applies. ``can`` answers with a boolean
(pages show or hide an action with it); ``authorize`` raises the refusal (services and routes
call it). Both ask ``refusal``, so what a page offers is what the service accepts. The order of
the answers: who are you (401), may your roles do this here (403), does your token carry the
scope (403, ``insufficient_scope``), does the competition's phase allow it now (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from app.access.vocabulary import (
    ALL_PHASES,
    JUDGING_PHASES,
    PUBLIC_PHASES,
    Phase,
    Role,
    Scope,
)
from app.core.errors import AppError, Forbidden, InsufficientScope, PhaseForbids, Unauthorized
from app.identity.actor import Actor


class Permission(StrEnum):
    VIEW_COMPETITION = "view_competition"
    VIEW_DRAFT_COMPETITION = "view_draft_competition"
    VIEW_RESULTS = "view_results"
    READ_OWN_ACCOUNT = "read_own_account"
    EDIT_OWN_PROFILE = "edit_own_profile"
    MANAGE_OWN_TOKENS = "manage_own_tokens"
    ACCEPT_INVITATION = "accept_invitation"
    MOVE_PHASE = "move_phase"
    READ_COMPETITION_ADMIN = "read_competition_admin"
    INVITE_STAFF = "invite_staff"
    READ_USERS = "read_users"
    MANAGE_USERS = "manage_users"
    MANAGE_CLIENTS = "manage_clients"
    FORM_TEAM = "form_team"
    READ_TEAM = "read_team"
    MANAGE_TEAM = "manage_team"
    OVERRIDE_ELIGIBILITY = "override_eligibility"
    READ_SUBMISSION = "read_submission"
    EDIT_SUBMISSION = "edit_submission"
    FINALIZE_SUBMISSION = "finalize_submission"
    WITHDRAW_SUBMISSION = "withdraw_submission"
    GRANT_EXTENSION = "grant_extension"
    DECLARE_CONFLICT = "declare_conflict"
    SCORE_ENTRY = "score_entry"
    SCREEN_ELIGIBILITY = "screen_eligibility"
    ASSIGN_JUDGES = "assign_judges"
    DECIDE_AWARDS = "decide_awards"
    ANNOUNCE_RESULTS = "announce_results"


class Located(Protocol):
    """Where a permission is exercised: a competition (its row, or anything with its id)."""

    @property
    def id(self) -> int | None: ...


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    scope: Scope
    writes: bool
    phases: frozenset[Phase] = ALL_PHASES  # when a competition's phase is known


_EVERYONE = frozenset(Role)
_SIGNED_IN = _EVERYONE - {Role.PUBLIC}
_STAFF = frozenset({Role.ORGANIZER, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})
_PARTICIPANT = frozenset({Role.PARTICIPANT})
_JUDGE = frozenset({Role.JUDGE})
_FORMING = frozenset({Phase.ANNOUNCED, Phase.OPEN})
_ENTERING = frozenset({Phase.OPEN})
_AFTER_CLOSE = frozenset({Phase.CLOSED, Phase.SCREENING, Phase.JUDGING, Phase.PITCH})


def _read(roles: frozenset[Role], phases: frozenset[Phase] = ALL_PHASES) -> Rule:
    return Rule(roles, Scope.READ, writes=False, phases=phases)


RULES: Mapping[Permission, Rule] = {
    # Organizers and admins also see a competition in draft; everyone sees it afterwards.
    Permission.VIEW_COMPETITION: _read(_EVERYONE, PUBLIC_PHASES),
    Permission.VIEW_DRAFT_COMPETITION: _read(_STAFF),
    Permission.VIEW_RESULTS: _read(_EVERYONE, frozenset({Phase.ANNOUNCED_RESULTS, Phase.ARCHIVED})),
    Permission.READ_OWN_ACCOUNT: Rule(_SIGNED_IN, Scope.PROFILE, writes=False),
    Permission.EDIT_OWN_PROFILE: Rule(_SIGNED_IN, Scope.PROFILE, writes=True),
    Permission.MANAGE_OWN_TOKENS: Rule(_SIGNED_IN, Scope.PROFILE, writes=True),
    Permission.ACCEPT_INVITATION: Rule(_SIGNED_IN, Scope.PROFILE, writes=True),
    Permission.MOVE_PHASE: Rule(_STAFF, Scope.ORGANIZE, writes=True),
    Permission.READ_COMPETITION_ADMIN: Rule(_STAFF, Scope.ORGANIZE, writes=False),
    Permission.INVITE_STAFF: Rule(_STAFF, Scope.ORGANIZE, writes=True),
    Permission.READ_USERS: Rule(_ADMIN, Scope.ADMIN, writes=False),
    Permission.MANAGE_USERS: Rule(_ADMIN, Scope.ADMIN, writes=True),
    Permission.MANAGE_CLIENTS: Rule(_ADMIN, Scope.ADMIN, writes=True),
    Permission.FORM_TEAM: Rule(_PARTICIPANT, Scope.PARTICIPATE, writes=True, phases=_FORMING),
    Permission.READ_TEAM: Rule(_SIGNED_IN, Scope.PARTICIPATE, writes=False),
    Permission.MANAGE_TEAM: Rule(_PARTICIPANT, Scope.PARTICIPATE, writes=True, phases=_FORMING),
    Permission.OVERRIDE_ELIGIBILITY: Rule(_STAFF, Scope.ORGANIZE, writes=True),
    Permission.READ_SUBMISSION: Rule(_SIGNED_IN, Scope.PARTICIPATE, writes=False),
    Permission.EDIT_SUBMISSION: Rule(_PARTICIPANT, Scope.PARTICIPATE, True, _ENTERING),
    Permission.FINALIZE_SUBMISSION: Rule(_PARTICIPANT, Scope.PARTICIPATE, True, _ENTERING),
    Permission.WITHDRAW_SUBMISSION: Rule(_PARTICIPANT, Scope.PARTICIPATE, True, _ENTERING),
    Permission.GRANT_EXTENSION: Rule(
        _STAFF, Scope.ORGANIZE, writes=True, phases=frozenset({Phase.OPEN, Phase.CLOSED})
    ),
    Permission.DECLARE_CONFLICT: Rule(_JUDGE, Scope.JUDGE, writes=True, phases=_AFTER_CLOSE),
    Permission.SCORE_ENTRY: Rule(_JUDGE, Scope.JUDGE, writes=True, phases=JUDGING_PHASES),
    Permission.SCREEN_ELIGIBILITY: Rule(
        _STAFF, Scope.ORGANIZE, writes=True, phases=frozenset({Phase.CLOSED, Phase.SCREENING})
    ),
    Permission.ASSIGN_JUDGES: Rule(
        _STAFF, Scope.ORGANIZE, True, frozenset({Phase.SCREENING, Phase.JUDGING, Phase.PITCH})
    ),
    Permission.DECIDE_AWARDS: Rule(
        _STAFF, Scope.ORGANIZE, writes=True, phases=frozenset({Phase.DELIBERATION})
    ),
    Permission.ANNOUNCE_RESULTS: Rule(
        _STAFF, Scope.ORGANIZE, writes=True, phases=frozenset({Phase.DELIBERATION})
    ),
}


def scope_allows(scopes: frozenset[str], rule: Rule) -> bool:
    """A token's scopes carry a permission: its own scope, or ``read`` for a read."""
    return rule.scope.value in scopes or (not rule.writes and Scope.READ.value in scopes)


def publicly(permission: Permission, phase: Phase) -> bool:
    """May anyone at all, signed in or not, do this in ``phase``?"""
    rule = RULES[permission]
    return Role.PUBLIC in rule.roles and phase in rule.phases


def refusal(
    actor: Actor,
    permission: Permission,
    *,
    competition: Located | None = None,
    phase: Phase | None = None,
    anywhere: bool = False,
) -> AppError | None:
    """Why ``actor`` may not exercise ``permission`` (in that competition, in ``phase``), or
    None if they may. ``anywhere``: with a role held in any competition (a check made before
    the competition is known)."""
    rule = RULES[permission]
    if actor.kind == "anonymous" and Role.PUBLIC not in rule.roles:
        return Unauthorized("Sign in, or send a bearer token, to do this.", error=None)
    if anywhere:
        held = frozenset(role for role, _ in actor.grants)
    else:
        held = actor.roles_in(competition.id if competition is not None else None)
    if not (held | {Role.PUBLIC}) & rule.roles:
        return Forbidden("Your roles do not allow this.")
    if actor.scopes is not None and not scope_allows(actor.scopes, rule):
        return InsufficientScope("This token lacks the scope '%(scope)s'.", scope=rule.scope.value)
    if phase is not None and phase not in rule.phases:
        return PhaseForbids(
            "Not allowed while the competition is in phase '%(phase)s'.", phase=phase.value
        )
    return None


def can(
    actor: Actor,
    permission: Permission,
    *,
    competition: Located | None = None,
    phase: Phase | None = None,
) -> bool:
    """May ``actor`` do this? For showing or hiding an action; ``authorize`` refuses it."""
    return refusal(actor, permission, competition=competition, phase=phase) is None


def can_view_competition(actor: Actor, competition: Located, phase: Phase) -> bool:
    """Everyone once it is announced; its organizers (and admins) while it is a draft."""
    return can(actor, Permission.VIEW_COMPETITION, competition=competition, phase=phase) or can(
        actor, Permission.VIEW_DRAFT_COMPETITION, competition=competition, phase=phase
    )


def authorize(
    actor: Actor,
    permission: Permission,
    *,
    competition: Located | None = None,
    phase: Phase | None = None,
) -> None:
    """Raise the refusal unless ``actor`` may exercise ``permission``."""
    if (error := refusal(actor, permission, competition=competition, phase=phase)) is not None:
        raise error
