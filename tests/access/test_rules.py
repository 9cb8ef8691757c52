"""The one access table: who may do what in which phase, read the same way by ``can`` (pages)
and ``authorize`` (services), with the refusal's kind in the order the gate promises."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.access import rules
from app.access.rules import Permission, can, can_view_competition, publicly, refusal
from app.access.vocabulary import Phase, Role
from app.core.errors import Forbidden, InsufficientScope, PhaseForbids, Unauthorized
from app.identity.actor import ANONYMOUS, Actor

G7 = 7


@dataclass(frozen=True)
class Competition:
    id: int | None = G7


def holder(*roles: Role, scopes: frozenset[str] | None = None) -> Actor:
    """Someone signed in with ``roles`` in competition 7 (admins everywhere)."""
    grants = (
        (Role.PARTICIPANT, None),
        *((role, None if role is Role.ADMIN else G7) for role in roles),
    )
    return Actor(kind="user", grants=grants, scopes=scopes, via="token")


@pytest.mark.parametrize(
    ("who", "permission", "phase", "allowed"),
    [
        (holder(), Permission.EDIT_SUBMISSION, Phase.OPEN, True),
        (holder(), Permission.EDIT_SUBMISSION, Phase.CLOSED, False),
        (holder(), Permission.FORM_TEAM, Phase.ANNOUNCED, True),
        (holder(Role.JUDGE), Permission.SCORE_ENTRY, Phase.JUDGING, True),
        (holder(Role.JUDGE), Permission.SCORE_ENTRY, Phase.PITCH, True),
        (holder(Role.JUDGE), Permission.SCORE_ENTRY, Phase.OPEN, False),
        (holder(), Permission.SCORE_ENTRY, Phase.JUDGING, False),
        (holder(Role.ORGANIZER), Permission.ANNOUNCE_RESULTS, Phase.DELIBERATION, True),
        (holder(Role.ORGANIZER), Permission.ANNOUNCE_RESULTS, Phase.JUDGING, False),
        (holder(Role.ORGANIZER), Permission.MOVE_PHASE, Phase.ARCHIVED, True),
        (holder(Role.ADMIN), Permission.GRANT_EXTENSION, Phase.CLOSED, True),
        (holder(Role.JUDGE), Permission.GRANT_EXTENSION, Phase.CLOSED, False),
        (ANONYMOUS, Permission.VIEW_RESULTS, Phase.DELIBERATION, False),
        (ANONYMOUS, Permission.VIEW_RESULTS, Phase.ANNOUNCED_RESULTS, True),
    ],
)
def test_can_and_authorize_read_one_table(
    who: Actor, permission: Permission, phase: Phase, allowed: bool
) -> None:
    assert can(who, permission, competition=Competition(), phase=phase) is allowed
    if allowed:
        rules.authorize(who, permission, competition=Competition(), phase=phase)
    else:
        with pytest.raises((Unauthorized, Forbidden, PhaseForbids)):
            rules.authorize(who, permission, competition=Competition(), phase=phase)


def test_a_draft_competition_is_seen_by_its_organizers_only() -> None:
    assert not publicly(Permission.VIEW_COMPETITION, Phase.DRAFT)
    assert publicly(Permission.VIEW_COMPETITION, Phase.OPEN)
    assert can_view_competition(holder(Role.ORGANIZER), Competition(), Phase.DRAFT)
    assert can_view_competition(holder(Role.ADMIN), Competition(), Phase.DRAFT)
    assert not can_view_competition(holder(Role.JUDGE), Competition(), Phase.DRAFT)
    assert not can_view_competition(holder(Role.ORGANIZER), Competition(id=8), Phase.DRAFT)
    assert can_view_competition(ANONYMOUS, Competition(), Phase.OPEN)


def test_refusals_come_in_the_gate_order() -> None:
    """Who are you, then your roles here, then your token's scope, then the phase."""
    where = {"competition": Competition(), "phase": Phase.CLOSED}
    assert isinstance(refusal(ANONYMOUS, Permission.MOVE_PHASE, **where), Unauthorized)
    judge_token = holder(Role.JUDGE, scopes=frozenset({"read"}))
    assert isinstance(refusal(judge_token, Permission.MOVE_PHASE, **where), Forbidden)
    reader = holder(Role.ORGANIZER, scopes=frozenset({"read"}))
    assert isinstance(refusal(reader, Permission.MOVE_PHASE, **where), InsufficientScope)
    assert refusal(reader, Permission.READ_COMPETITION_ADMIN, **where) is None  # read carries it
    organizer = holder(Role.ORGANIZER, scopes=frozenset({"organize"}))
    assert isinstance(refusal(organizer, Permission.DECIDE_AWARDS, **where), PhaseForbids)
    elsewhere = holder(Role.ORGANIZER)
    assert refusal(elsewhere, Permission.MOVE_PHASE, competition=Competition(id=8)) is not None
    assert refusal(elsewhere, Permission.MOVE_PHASE, anywhere=True) is None


def test_every_permission_has_a_rule_with_roles_and_phases() -> None:
    assert set(rules.RULES) == set(Permission)
    for rule in rules.RULES.values():
        assert rule.roles and rule.phases
        assert not rule.writes or Role.PUBLIC not in rule.roles  # the public only reads
