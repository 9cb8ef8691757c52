"""Who may make a personal access token, with which scopes (issue 8, item 1).

A profile-only token once minted an admin one, and an application a person allowed only
``profile`` minted a year-long token with every scope that outlived the application's
revocation. The whole matrix: a browser session, a personal token and an OAuth access token,
each asking for scopes it holds in part (subset), exactly, or beyond (superset).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import select

from app.audit.models import AuditRecord
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity.models import User
from app.oauth.models import PersonalAccessToken
from app.oauth.personal_tokens import issue_personal_token
from tests.oauth.conftest import (
    approve,
    authorize_params,
    bearer,
    count,
    csrf_of,
    exchange,
    pkce,
    register,
    sign_in,
)

TOKENS = "/api/v1/me/tokens"
EVERY_SCOPE = ["admin", "judge", "organize", "participate", "profile", "read"]
HELD = ["profile", "read"]
ASKED = {"subset": ["profile"], "equal": HELD, "superset": EVERY_SCOPE}


def _pat(engine: Engine, clock: FrozenClock, user: User, scopes: list[str]) -> str:
    with new_session(engine, write=True) as session, session.begin():
        _row, secret = issue_personal_token(
            session,
            user=user,
            name="held",
            scopes=scopes,
            expires_in_days=30,
            now=clock.now(),
            actor="test",
        )
    return secret


def _app_token(
    http: TestClient, engine: Engine, settings: Settings, clock: FrozenClock, user: User
) -> tuple[str, str]:
    """An access token for ``user`` from an application they allowed ``read profile``."""
    client_id, secret = register(engine, clock, grant="authorization_code", scopes=tuple(HELD))
    verifier, challenge = pkce()
    query = approve(
        engine, settings, clock, user, authorize_params(client_id, challenge, scope=" ".join(HELD))
    )
    response = exchange(http, client_id, secret, query["code"][0], verifier)
    assert response.status_code == 200, response.text
    assert sorted(response.json()["scope"].split()) == HELD
    return client_id, str(response.json()["access_token"])


def _mint(http: TestClient, scopes: list[str], headers: dict[str, str]) -> Response:
    return http.post(
        TOKENS, json={"name": "minted", "scopes": scopes, "expires_in_days": 365}, headers=headers
    )


@pytest.mark.parametrize("asked", ["subset", "equal", "superset"])
def test_a_personal_token_mints_only_scopes_it_holds(
    client: TestClient, loaded: Engine, clock: FrozenClock, participant: User, asked: str
) -> None:
    held = bearer(_pat(loaded, clock, participant, HELD))
    before = count(loaded, PersonalAccessToken)
    response = _mint(client, ASKED[asked], held)
    if asked == "superset":
        assert response.status_code == 403, response.text
        problem = response.json()
        assert problem["type"].endswith("/insufficient-scope")
        assert "admin judge organize participate" in problem["detail"]
        assert count(loaded, PersonalAccessToken) == before
        return
    assert response.status_code == 201, response.text
    minted = response.json()
    assert minted["scopes"] == sorted(ASKED[asked])
    with new_session(loaded) as session:
        row = session.get(PersonalAccessToken, minted["id"])
        assert row is not None and row.parent_id is not None


def test_the_reproduction_profile_only_token_cannot_mint_an_admin_token(
    client: TestClient, loaded: Engine, clock: FrozenClock, admin: User
) -> None:
    """The probe's own steps, for an owner whose roles allow every scope."""
    profile_only = bearer(_pat(loaded, clock, admin, ["profile"]))
    response = _mint(client, EVERY_SCOPE, profile_only)
    assert response.status_code == 403, response.text
    assert response.headers["www-authenticate"].startswith('Bearer realm="govai"')
    assert count(loaded, PersonalAccessToken) == 1


@pytest.mark.parametrize("asked", ["subset", "equal", "superset"])
def test_an_application_access_token_mints_no_personal_token(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    asked: str,
) -> None:
    _client_id, access = _app_token(client, loaded, settings, clock, participant)
    assert client.get("/api/v1/me", headers=bearer(access)).status_code == 200
    response = _mint(client, ASKED[asked], bearer(access))
    assert response.status_code == 403, response.text
    assert "application" in response.json()["detail"]
    assert count(loaded, PersonalAccessToken) == 0


def test_a_session_mints_any_scopes_the_person_asks_for(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    """Signed in, the person is there: subset, all and beyond their roles (roles still bound
    what a token can do when it is used)."""
    sign_in(client, loaded, clock, "sam@example.org")
    token = csrf_of(client.get("/en/account/tokens").text)
    for scopes in ASKED.values():
        response = _mint(client, scopes, {"X-CSRF-Token": token})
        assert response.status_code == 201, response.text
    with new_session(loaded) as session:
        rows = session.exec(select(PersonalAccessToken)).all()
    assert len(rows) == 3 and all(row.parent_id is None for row in rows)


def test_revoking_an_application_leaves_nothing_it_obtained_working(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    admin: User,
) -> None:
    client_id, access = _app_token(client, loaded, settings, clock, participant)
    assert _mint(client, ["profile"], bearer(access)).status_code == 403
    admin_token = bearer(_pat(loaded, clock, admin, ["admin"]))
    revoked = client.delete(f"/api/v1/oauth/clients/{client_id}", headers=admin_token)
    assert revoked.status_code == 204, revoked.text
    assert client.get("/api/v1/me", headers=bearer(access)).status_code == 401
    with new_session(loaded) as session:
        owned = session.exec(
            select(PersonalAccessToken).where(PersonalAccessToken.user_id == participant.id)
        ).all()
    assert owned == []


def test_revoking_a_token_revokes_every_token_made_through_it(
    client: TestClient, loaded: Engine, clock: FrozenClock, participant: User
) -> None:
    root = _pat(loaded, clock, participant, HELD)
    child = _mint(client, HELD, bearer(root)).json()
    grandchild = _mint(client, ["read"], bearer(child["token"])).json()
    sibling = _pat(loaded, clock, participant, HELD)
    with new_session(loaded) as session:
        root_id = session.exec(
            select(PersonalAccessToken.id).where(PersonalAccessToken.name == "held")
        ).first()
    revoked = client.delete(f"{TOKENS}/{root_id}", headers=bearer(sibling))
    assert revoked.status_code == 204, revoked.text
    for secret in (root, child["token"], grandchild["token"]):
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(sibling)).status_code == 200
    with new_session(loaded) as session:
        actions = session.exec(
            select(AuditRecord.action).where(AuditRecord.action == "personal_token.revoked")
        ).all()
    assert len(actions) == 3


def test_a_blank_name_is_a_422_naming_the_field(
    client: TestClient, loaded: Engine, clock: FrozenClock, participant: User
) -> None:
    held = bearer(_pat(loaded, clock, participant, HELD))
    for name in ("", "   "):
        response = client.post(TOKENS, json={"name": name, "scopes": ["read"]}, headers=held)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["name"]
