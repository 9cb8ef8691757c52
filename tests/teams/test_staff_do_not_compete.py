"""Staff do not compete: a competition's judges and organizers form and join none of its
teams, and a member of one of its teams is not made judge or organizer there."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from app.access.vocabulary import Role
from app.competitions import service as competitions
from app.core.config import Settings
from app.core.db import new_session
from app.identity import service as identity
from app.identity.models import Invitation, RoleGrant
from app.teams.models import Team, TeamMember
from tests.conftest import DURING_SPRINT, SMALL_COMPETITION, load
from tests.teams.factories import G7, TEAMS, form, invite_code, join, person

STAFF_PROBLEM = "https://govai.canada.example/problems/staff-cannot-compete"


def _count(engine: Engine, model: type[Team] | type[TeamMember] | type[RoleGrant]) -> int:
    with new_session(engine) as session:
        return len(session.exec(select(model)).all())


@pytest.mark.parametrize("role", [Role.JUDGE, Role.ORGANIZER])
def test_a_judge_or_organizer_forms_no_team_in_their_competition(
    client: TestClient, loaded: Engine, role: Role
) -> None:
    _, staff = person(loaded, "staff@example.org", role=role)
    refused = client.post(f"{TEAMS}?lang=fr", json={"name": "Inside job"}, headers=staff)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == STAFF_PROBLEM and problem["title"] == "Le personnel ne concourt pas"
    assert "juges et les organisateurs" in problem["detail"]
    assert _count(loaded, Team) == 0


def test_staff_of_another_competition_may_compete_here(client: TestClient, loaded: Engine) -> None:
    load(loaded, SMALL_COMPETITION)
    otto, elsewhere = person(loaded, "otto@example.org")
    with new_session(loaded, write=True) as session, session.begin():
        identity.grant_role(
            session,
            user=identity.get_user(session, user_id=otto),
            role=Role.JUDGE,
            competition=competitions.get_competition(session, slug="hackqc-coeur-ia"),
            now=DURING_SPRINT,
            actor="test",
        )
    assert client.post(TEAMS, json={"name": "Fair play"}, headers=elsewhere).status_code == 201


def test_a_judge_joins_no_team_in_their_competition(client: TestClient, loaded: Engine) -> None:
    _, captain = person(loaded, "cap@example.org")
    _, judge = person(loaded, "jude@example.org", role=Role.JUDGE)
    team_id = int(form(client, captain)["id"])
    refused = join(client, invite_code(client, team_id, captain, "jude@example.org"), judge)
    assert refused.status_code == 409 and refused.json()["type"] == STAFF_PROBLEM
    assert refused.json()["title"] == "Staff do not compete"
    assert _count(loaded, TeamMember) == 1


@pytest.mark.parametrize("role", ["judge", "organizer"])
def test_a_team_member_is_not_made_staff_of_the_competition(
    client: TestClient, loaded: Engine, role: str
) -> None:
    bo, bo_h = person(loaded, "bo@example.org")
    _, admin = person(loaded, "root@example.org", role=Role.ADMIN, scopes=("admin",))
    form(client, bo_h, "Les Castors")
    grants = _count(loaded, RoleGrant)
    refused = client.post(
        f"/api/v1/admin/users/{bo}/roles", json={"role": role, "competition": G7}, headers=admin
    )
    assert refused.status_code == 409 and refused.json()["type"] == STAFF_PROBLEM
    assert "bo is a member of the team Les Castors" in refused.json()["detail"]
    assert _count(loaded, RoleGrant) == grants
    admin_grant = client.post(
        f"/api/v1/admin/users/{bo}/roles", json={"role": "admin"}, headers=admin
    )
    assert admin_grant.status_code == 200  # an admin is platform-wide, not this one's staff


def test_an_accepted_staff_invitation_is_refused_to_a_team_member(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, bo_h = person(loaded, "bo@example.org", scopes=("participate", "profile"))
    form(client, bo_h)
    with new_session(loaded, write=True) as session, session.begin():
        _, code = identity.invite(
            session,
            settings=settings,
            email="bo@example.org",
            role=Role.JUDGE,
            competition=competitions.get_competition(session, slug=G7),
            lang="en",
            now=DURING_SPRINT,
            actor="test",
        )
    grants = _count(loaded, RoleGrant)
    refused = client.post(f"/api/v1/invitations/{code}/accept", headers=bo_h)
    assert refused.status_code == 409 and refused.json()["type"] == STAFF_PROBLEM
    assert _count(loaded, RoleGrant) == grants
    with new_session(loaded) as session:
        assert session.exec(select(Invitation)).one().accepted_at is None
