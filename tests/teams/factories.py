"""People with profiles and tokens, and small calls of the teams API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import col, select

from app.access.vocabulary import Role
from app.audit.models import AuditRecord
from app.core.db import new_session
from app.identity import service
from app.oauth.personal_tokens import issue_personal_token
from tests.conftest import DURING_SPRINT
from tests.identity.factories import make_user

G7 = "g7-govai-2025"
TEAMS = f"/api/v1/competitions/{G7}/teams"
Headers = dict[str, str]


def person(
    engine: Engine,
    email: str,
    *,
    country: str | None = "CA",
    age: str | None = "30-plus",
    language: str = "en",
    role: Role | None = None,
    scopes: tuple[str, ...] = ("participate", "organize"),
) -> tuple[int, Headers]:
    """A user with the profile the eligibility rules read, and a bearer token's headers."""
    user = make_user(engine, email, role=role)
    with new_session(engine, write=True) as session, session.begin():
        fresh = service.get_user(session, user_id=user.id or 0)
        service.update_profile(
            session,
            user=fresh,
            changes={
                "country_of_residence": country,
                "age_bracket": age,
                "preferred_language": language,
            },
            now=DURING_SPRINT,
        )
        _, secret = issue_personal_token(
            session,
            actor="test",
            user=fresh,
            name="t",
            scopes=list(scopes),
            expires_in_days=30,
            now=DURING_SPRINT,
        )
    return user.id or 0, {"Authorization": f"Bearer {secret}"}


def form(client: TestClient, headers: Headers, name: str = "Les Castors") -> dict[str, Any]:
    response = client.post(TEAMS, json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def invite_code(client: TestClient, team_id: int, headers: Headers, email: str) -> str:
    response = client.post(
        f"/api/v1/teams/{team_id}/invitations", json={"email": email}, headers=headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


def join(client: TestClient, code: str, headers: Headers) -> Any:
    return client.post(f"/api/v1/team-invitations/{code}/accept", headers=headers)


def team_of(
    client: TestClient, engine: Engine, captain: Headers, *others: tuple[str, Headers]
) -> int:
    """A team formed by ``captain`` that every one of ``others`` (email, headers) joined."""
    team_id = int(form(client, captain)["id"])
    for email, headers in others:
        assert (
            join(client, invite_code(client, team_id, captain, email), headers).status_code == 200
        )
    return team_id


def audit_actions(engine: Engine, subject: str) -> list[str]:
    with new_session(engine) as session:
        rows = session.exec(
            select(AuditRecord).where(AuditRecord.subject == subject).order_by(col(AuditRecord.seq))
        ).all()
        return [row.action for row in rows]
