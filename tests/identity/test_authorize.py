"""The one authorization gate (``app.access.rules``): identity (401), roles (403), token scope
(403), phase (409)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.access import rules
from app.access.rules import RULES, Permission
from app.access.vocabulary import JUDGING_PHASES, Phase, Role, Scope
from app.audit.models import AuditRecord
from app.competitions import service as competitions
from app.core.config import Settings
from app.core.db import new_session
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InsufficientScope,
    NotFound,
    PhaseForbids,
    Unauthorized,
)
from app.identity import service
from app.identity.actor import ANONYMOUS
from app.identity.models import RoleGrant
from tests.conftest import DURING_SPRINT, SMALL_COMPETITION, load
from tests.identity.factories import actor, make_user


@pytest.fixture
def people(loaded: Engine) -> dict[str, object]:
    load(loaded, SMALL_COMPETITION)
    return {
        "participant": make_user(loaded, "pat@example.org"),
        "judge": make_user(loaded, "jude@example.org", role=Role.JUDGE),
        "organizer": make_user(loaded, "olga@example.org", role=Role.ORGANIZER),
        "other_organizer": make_user(
            loaded, "otto@example.org", role=Role.ORGANIZER, competition="hackqc-coeur-ia"
        ),
        "admin": make_user(loaded, "ada@example.org", role=Role.ADMIN),
    }


def test_every_permission_has_a_rule() -> None:
    assert set(RULES) == set(Permission)


def test_anonymous_must_authenticate(loaded: Engine) -> None:
    with pytest.raises(Unauthorized) as caught:
        rules.authorize(ANONYMOUS, Permission.READ_OWN_ACCOUNT)
    # RFC 6750 section 3.1: a request without credentials is challenged without an error code.
    assert caught.value.headers["WWW-Authenticate"] == 'Bearer realm="govai"'


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("participant", False),
        ("judge", False),
        ("organizer", True),
        ("other_organizer", False),
        ("admin", True),
    ],
)
def test_moving_the_g7_phase(loaded: Engine, people: dict, who: str, allowed: bool) -> None:  # type: ignore[type-arg]
    with new_session(loaded) as session:
        g7 = competitions.get_competition(session, slug="g7-govai-2025")
        caller = actor(session, people[who])
        if allowed:
            rules.authorize(caller, Permission.MOVE_PHASE, competition=g7, phase=Phase.OPEN)
        else:
            with pytest.raises(Forbidden):
                rules.authorize(caller, Permission.MOVE_PHASE, competition=g7, phase=Phase.OPEN)


def test_a_token_is_bounded_by_its_scopes(loaded: Engine, people: dict) -> None:  # type: ignore[type-arg]
    with new_session(loaded) as session:
        g7 = competitions.get_competition(session, slug="g7-govai-2025")
        read_only = actor(session, people["organizer"], frozenset({"read"}))
        rules.authorize(read_only, Permission.READ_COMPETITION_ADMIN, competition=g7)
        with pytest.raises(InsufficientScope) as caught:
            rules.authorize(read_only, Permission.MOVE_PHASE, competition=g7, phase=Phase.OPEN)
        assert caught.value.headers["WWW-Authenticate"].endswith('scope="organize"')
        # A scope never adds a role: a participant's organize-scoped token is still refused.
        participant = actor(session, people["participant"], frozenset({"organize", "admin"}))
        with pytest.raises(Forbidden):
            rules.authorize(participant, Permission.MOVE_PHASE, competition=g7, phase=Phase.OPEN)


def test_phase_rules_apply_after_roles(loaded: Engine, people: dict, monkeypatch) -> None:  # type: ignore[no-untyped-def,type-arg]
    rule = rules.Rule(frozenset({Role.JUDGE}), Scope.JUDGE, writes=True, phases=JUDGING_PHASES)
    monkeypatch.setitem(rules.RULES, Permission.READ_COMPETITION_ADMIN, rule)  # a stand-in
    with new_session(loaded) as session:
        g7 = competitions.get_competition(session, slug="g7-govai-2025")
        judge = actor(session, people["judge"])
        rules.authorize(
            judge, Permission.READ_COMPETITION_ADMIN, competition=g7, phase=Phase.JUDGING
        )
        with pytest.raises(PhaseForbids):
            rules.authorize(
                judge, Permission.READ_COMPETITION_ADMIN, competition=g7, phase=Phase.OPEN
            )


def test_granting_is_idempotent_and_audited(loaded: Engine, people: dict) -> None:  # type: ignore[type-arg]
    with new_session(loaded, write=True) as session, session.begin():
        g7 = competitions.get_competition(session, slug="g7-govai-2025")
        user = service.get_user(session, user_id=people["judge"].id)
        again = service.grant_role(
            session, user=user, role=Role.JUDGE, competition=g7, now=DURING_SPRINT, actor="test"
        )
        with pytest.raises(BadRequest):
            service.grant_role(
                session, user=user, role=Role.ADMIN, competition=g7, now=DURING_SPRINT, actor="t"
            )
        with pytest.raises(BadRequest):
            service.grant_role(
                session, user=user, role=Role.JUDGE, competition=None, now=DURING_SPRINT, actor="t"
            )
    with new_session(loaded) as session:
        grants = session.exec(
            select(RoleGrant).where(RoleGrant.user_id == people["judge"].id)
        ).all()
        granted = session.exec(
            select(AuditRecord).where(AuditRecord.action == "role.granted")
        ).all()
    assert [g.id for g in grants] == [again.id]
    assert len(granted) == 4  # one per person granted a role in the fixture


def test_an_invitation_is_single_use_personal_and_expiring(
    loaded: Engine,
    people: dict,  # type: ignore[type-arg]
    settings: Settings,
) -> None:
    invitee = make_user(loaded, "ivy@example.org")
    with new_session(loaded, write=True) as session, session.begin():
        g7 = competitions.get_competition(session, slug="g7-govai-2025")
        _, code = service.invite(
            session,
            email="IVY@example.org",
            role=Role.JUDGE,
            competition=g7,
            settings=settings,
            lang="en",
            now=DURING_SPRINT,
            actor="user:1",
        )
        _, late = service.invite(
            session,
            email="ivy@example.org",
            role=Role.ORGANIZER,
            competition=g7,
            settings=settings,
            lang="en",
            now=DURING_SPRINT,
            actor="user:1",
        )
    with new_session(loaded, write=True) as session, session.begin():
        someone_else = service.get_user(session, user_id=people["participant"].id)
        with pytest.raises(Forbidden):
            service.accept_invitation(session, code=code, user=someone_else, now=DURING_SPRINT)
    with new_session(loaded, write=True) as session, session.begin():
        ivy = service.get_user(session, user_id=invitee.id)
        grant = service.accept_invitation(session, code=code, user=ivy, now=DURING_SPRINT)
        assert grant.role == "judge"
    with new_session(loaded, write=True) as session, session.begin():
        ivy = service.get_user(session, user_id=invitee.id)
        with pytest.raises(Conflict, match="already used"):
            service.accept_invitation(session, code=code, user=ivy, now=DURING_SPRINT)
        with pytest.raises(Conflict, match="expired"):
            service.accept_invitation(
                session, code=late, user=ivy, now=DURING_SPRINT + timedelta(days=8)
            )
        with pytest.raises(NotFound):
            service.accept_invitation(session, code="made-up", user=ivy, now=DURING_SPRINT)
    with new_session(loaded) as session:
        roles = service.roles_view(session, user=service.get_user(session, user_id=invitee.id))
    assert roles == [(Role.JUDGE, "g7-govai-2025")]
