"""Where the OpenAPI schema and the identity routes used to disagree: what one documents, the
other accepts, and what neither accepts is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.vocabulary import Role
from tests.teams.factories import G7, person

PROFILE = {"name": "Ada", "preferred_language": "fr", "country_of_residence": "CA"}


def _schema(client: TestClient, name: str) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json()["components"]["schemas"][name])


def test_a_blank_organization_is_no_organization(client: TestClient, loaded: Engine) -> None:
    _, headers = person(loaded, "ada@example.org", scopes=("profile",))
    saved = client.put(
        "/api/v1/me/profile", json={**PROFILE, "organization": "  "}, headers=headers
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["organization"] is None
    assert client.get("/api/v1/me", headers=headers).json()["organization"] is None
    named = client.put(
        "/api/v1/me/profile", json={**PROFILE, "organization": " ESDC "}, headers=headers
    )
    assert named.status_code == 200 and named.json()["organization"] == "ESDC"


def test_staff_invitations_document_the_roles_they_take(client: TestClient, loaded: Engine) -> None:
    _, organizer = person(loaded, "olga@example.org", role=Role.ORGANIZER)
    body = _schema(client, "InvitationIn")["properties"]["role"]
    assert _schema(client, body["$ref"].rsplit("/", 1)[-1])["enum"] == ["judge", "organizer"]
    url = f"/api/v1/competitions/{G7}/invitations"
    for role in ("participant", "admin", "public"):
        refused = client.post(url, json={"email": "j@example.org", "role": role}, headers=organizer)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["role"]
    invited = client.post(url, json={"email": "j@example.org", "role": "judge"}, headers=organizer)
    assert invited.status_code == 201 and invited.json()["role"] == "judge"
