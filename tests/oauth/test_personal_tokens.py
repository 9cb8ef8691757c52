"""Personal access tokens: shown once, stored hashed, listed without secret, used, revoked,
expired; bounded by the owner's roles."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from app.audit.models import AuditRecord
from app.core.clock import FrozenClock
from app.core.db import new_session
from app.identity.models import User
from app.identity.service import token_digest
from app.oauth.models import PersonalAccessToken
from app.oauth.personal_tokens import issue_personal_token
from tests.oauth.conftest import bearer, count

TOKENS = "/api/v1/me/tokens"


def pat(engine: Engine, clock: FrozenClock, user: User, scopes: list[str], days: int = 30) -> str:
    with new_session(engine, write=True) as session, session.begin():
        _row, secret = issue_personal_token(
            session,
            actor="test",
            user=user,
            name="bootstrap",
            scopes=scopes,
            expires_in_days=days,
            now=clock.now(),
        )
    return secret


def test_create_list_use_revoke(
    client: TestClient, loaded: Engine, clock: FrozenClock, participant: User
) -> None:
    owner = bearer(pat(loaded, clock, participant, ["read", "profile"]))
    created = client.post(
        TOKENS,
        json={"name": "my script", "scopes": ["read", "profile"], "expires_in_days": 90},
        headers=owner,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["token"]
    assert secret.startswith("govai_pat_") and body["prefix"] == secret[:14]
    assert body["expires_at"].startswith((clock.now() + timedelta(days=90)).date().isoformat())
    with new_session(loaded) as session:
        row = session.get(PersonalAccessToken, body["id"])
        assert row is not None and row.token_hash == token_digest(secret)
        assert secret not in row.model_dump_json()

    listed = client.get(TOKENS, headers=owner).json()
    assert {t["name"] for t in listed} == {"my script", "bootstrap"}
    assert all("token" not in t for t in listed) and secret not in str(listed)

    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json()["authenticated_via"] == "personal_token"
    with new_session(loaded) as session:
        used = session.get(PersonalAccessToken, body["id"])
        assert used is not None and used.last_used_at == clock.now()

    assert client.delete(f"{TOKENS}/{body['id']}", headers=owner).status_code == 204
    gone = client.get("/api/v1/me", headers=bearer(secret))
    assert gone.status_code == 401 and "revoked" in gone.json()["detail"]
    with new_session(loaded) as session:
        actions = session.exec(select(AuditRecord.action)).all()
    assert actions.count("personal_token.created") == 2
    assert actions.count("personal_token.revoked") == 1


def test_expired_token_is_refused(
    client: TestClient, loaded: Engine, clock: FrozenClock, participant: User
) -> None:
    secret = pat(loaded, clock, participant, ["profile"], days=1)
    clock.advance(timedelta(days=1))
    response = client.post(TOKENS, json={"name": "x", "scopes": ["read"]}, headers=bearer(secret))
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    assert count(loaded, PersonalAccessToken) == 1


def test_unknown_token_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers=bearer("govai_pat_nothing"))
    assert response.status_code == 401 and "not known" in response.json()["detail"]


def test_participant_token_cannot_reach_organizer_routes(
    client: TestClient, loaded: Engine, clock: FrozenClock, participant: User
) -> None:
    secret = pat(loaded, clock, participant, ["read", "organize", "admin"])
    phase = client.post(
        "/api/v1/competitions/g7-govai-2025/phase",
        json={"phase": "closed", "reason": "x"},
        headers=bearer(secret),
    )
    assert phase.status_code == 403 and phase.json()["type"].endswith("/forbidden")
    clients = client.get("/api/v1/oauth/clients", headers=bearer(secret))
    assert clients.status_code == 403


def test_only_ones_own_tokens_can_be_revoked(
    client: TestClient, loaded: Engine, clock: FrozenClock, participant: User, admin: User
) -> None:
    pat(loaded, clock, admin, ["profile"])
    mine = bearer(pat(loaded, clock, participant, ["profile"]))
    assert client.delete(f"{TOKENS}/1", headers=mine).status_code == 404
    with new_session(loaded) as session:
        first = session.get(PersonalAccessToken, 1)
        assert first is not None and first.revoked_at is None


def test_bad_input_changes_nothing(
    client: TestClient, loaded: Engine, clock: FrozenClock, participant: User
) -> None:
    owner = bearer(pat(loaded, clock, participant, ["profile"]))
    for body in (
        {"name": "x", "scopes": ["read"], "expires_in_days": 366},
        {"name": "x", "scopes": ["read"], "expires_in_days": False},
        {"name": "x", "scopes": ["everything"]},
        {"name": "x", "scopes": []},
        {"name": "", "scopes": ["read"]},
    ):
        response = client.post(TOKENS, json=body, headers=owner)
        assert response.status_code == 422, (body, response.text)
    assert count(loaded, PersonalAccessToken) == 1


def test_service_clients_have_no_tokens_of_their_own(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    from tests.oauth.conftest import client_token, register

    client_id, secret = register(loaded, clock, scopes=("profile",))
    token = client_token(client, client_id, secret)
    assert client.get(TOKENS, headers=bearer(token)).status_code == 403
