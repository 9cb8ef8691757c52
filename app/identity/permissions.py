"""Permissions as data: what each role may do, which token scope carries it, and phase rules.

``authorize`` is the one gate that API routes and pages both call. It answers in order:
who are you (401), may your roles do this here (403), does your token carry the scope (403,
``insufficient_scope``), and does the competition's phase allow it now (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.competitions.lifecycle import Action, Phase, Role, may


class Scope(StrEnum):
    """OAuth 2 scopes of this API. ``read`` allows every read the holder's roles allow."""

    READ = "read"
    PROFILE = "profile"
    PARTICIPATE = "participate"
    JUDGE = "judge"
    ORGANIZE = "organize"
    ADMIN = "admin"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    scope: Scope
    writes: bool
    action: Action | None = None  # the lifecycle rule that also applies, if any


class Permission(StrEnum):
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


_SIGNED_IN = frozenset({Role.PARTICIPANT, Role.JUDGE, Role.ORGANIZER, Role.ADMIN})
_STAFF = frozenset({Role.ORGANIZER, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})
_PARTICIPANT = frozenset({Role.PARTICIPANT})

RULES: Mapping[Permission, Rule] = {
    Permission.READ_OWN_ACCOUNT: Rule(_SIGNED_IN, Scope.PROFILE, writes=False),
    Permission.EDIT_OWN_PROFILE: Rule(_SIGNED_IN, Scope.PROFILE, writes=True),
    Permission.MANAGE_OWN_TOKENS: Rule(_SIGNED_IN, Scope.PROFILE, writes=True),
    Permission.ACCEPT_INVITATION: Rule(_SIGNED_IN, Scope.PROFILE, writes=True),
    Permission.MOVE_PHASE: Rule(_STAFF, Scope.ORGANIZE, writes=True, action=Action.MOVE_PHASE),
    Permission.READ_COMPETITION_ADMIN: Rule(_STAFF, Scope.ORGANIZE, writes=False),
    Permission.INVITE_STAFF: Rule(_STAFF, Scope.ORGANIZE, writes=True),
    Permission.READ_USERS: Rule(_ADMIN, Scope.ADMIN, writes=False),
    Permission.MANAGE_USERS: Rule(_ADMIN, Scope.ADMIN, writes=True),
    Permission.MANAGE_CLIENTS: Rule(_ADMIN, Scope.ADMIN, writes=True),
    Permission.FORM_TEAM: Rule(
        _PARTICIPANT, Scope.PARTICIPATE, writes=True, action=Action.FORM_TEAM
    ),
    Permission.READ_TEAM: Rule(_SIGNED_IN, Scope.PARTICIPATE, writes=False),
    Permission.MANAGE_TEAM: Rule(
        _PARTICIPANT, Scope.PARTICIPATE, writes=True, action=Action.FORM_TEAM
    ),
    Permission.OVERRIDE_ELIGIBILITY: Rule(_STAFF, Scope.ORGANIZE, writes=True),
    Permission.READ_SUBMISSION: Rule(_SIGNED_IN, Scope.PARTICIPATE, writes=False),
    Permission.EDIT_SUBMISSION: Rule(
        _PARTICIPANT, Scope.PARTICIPATE, writes=True, action=Action.EDIT_SUBMISSION
    ),
    Permission.FINALIZE_SUBMISSION: Rule(
        _PARTICIPANT, Scope.PARTICIPATE, writes=True, action=Action.FINALIZE_SUBMISSION
    ),
    Permission.WITHDRAW_SUBMISSION: Rule(
        _PARTICIPANT, Scope.PARTICIPATE, writes=True, action=Action.WITHDRAW_SUBMISSION
    ),
    Permission.GRANT_EXTENSION: Rule(
        _STAFF, Scope.ORGANIZE, writes=True, action=Action.GRANT_EXTENSION
    ),
}


def scope_allows(scopes: frozenset[str], rule: Rule) -> bool:
    """A token's scopes carry a permission: its own scope, or ``read`` for a read."""
    return rule.scope.value in scopes or (not rule.writes and Scope.READ.value in scopes)


def roles_allow(roles: frozenset[Role], rule: Rule) -> bool:
    return bool(roles & rule.roles)


def phase_allows(roles: frozenset[Role], rule: Rule, phase: Phase | None) -> bool:
    if rule.action is None or phase is None:
        return True
    return any(may(role, rule.action, phase) for role in roles & rule.roles)
