"""Metadata, JWKS, the client-credentials grant end to end, and client registration."""

from __future__ import annotations

import stat
from typing import Any

from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import Engine
from sqlmodel import select

from app.access.vocabulary import Scope
from app.audit.models import AuditRecord
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity.service import token_digest
from app.oauth.models import OAuthClient
from app.oauth.personal_tokens import issue_personal_token
from tests.oauth.conftest import basic, bearer, client_token, register


def test_metadata_names_every_endpoint(client: TestClient, settings: Settings) -> None:
    body = client.get("/.well-known/oauth-authorization-server").json()
    base = settings.base_url
    assert body["issuer"] == base
    assert body["authorization_endpoint"] == f"{base}/oauth/authorize"
    assert body["token_endpoint"] == f"{base}/oauth/token"
    assert body["revocation_endpoint"] == f"{base}/oauth/revoke"
    assert body["jwks_uri"] == f"{base}/oauth/jwks"
    assert set(body["grant_types_supported"]) == {
        "authorization_code",
        "client_credentials",
        "refresh_token",
    }
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["scopes_supported"] == [scope.value for scope in Scope]
    assert "client_secret_basic" in body["token_endpoint_auth_methods_supported"]


def test_jwks_publishes_public_keys_only(client: TestClient, settings: Settings) -> None:
    body = client.get("/oauth/jwks").json()
    (key,) = body["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert "d" not in key and "p" not in key
    path = settings.data_dir / "oauth-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_client_credentials_token_acts_as_the_client(
    client: TestClient, loaded: Engine, clock: FrozenClock, settings: Settings
) -> None:
    admin_id, admin_secret = register(loaded, clock, scopes=("admin",), roles=("admin",))
    token = client_token(client, admin_id, admin_secret)
    header = jwt.decode(token, KeySet.import_key_set(client.get("/oauth/jwks").json())).header
    claims = jwt.decode(token, KeySet.import_key_set(client.get("/oauth/jwks").json())).claims
    assert header["typ"] == "at+jwt" and header["kid"]
    assert claims["iss"] == settings.base_url and claims["aud"] == settings.base_url + "/api"
    assert claims["sub"] == admin_id == claims["client_id"] and claims["scope"] == "admin"
    assert claims["exp"] - claims["iat"] == 600 and claims["jti"]
    assert client.get("/api/v1/oauth/clients", headers=bearer(token)).status_code == 200

    reader_id, reader_secret = register(loaded, clock)  # organizer of the G7, scope read
    reader = client_token(client, reader_id, reader_secret)
    refused = client.get("/api/v1/oauth/clients", headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_client_credentials_reads_organizer_routes_but_cannot_write(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    client_id, secret = register(loaded, clock, scopes=("read",))
    token = client_token(client, client_id, secret)
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 403  # a service client has no account of its own
    move = client.post(
        "/api/v1/competitions/g7-govai-2025/phase",
        json={"phase": "closed", "reason": "test"},
        headers=bearer(token),
    )
    assert move.status_code == 403 and move.json()["type"].endswith("insufficient-scope")


def test_token_endpoint_answers_rfc6749_errors(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    client_id, secret = register(loaded, clock)
    wrong = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, "x")
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    too_much = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "admin"},
        headers=basic(client_id, secret),
    )
    assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"
    unknown = client.post("/oauth/token", data={"grant_type": "password"})
    assert unknown.json()["error"] == "unsupported_grant_type"
    code = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": "x"},
        headers=basic(client_id, secret),
    )
    assert code.json()["error"] == "unauthorized_client"
    assert code.headers["cache-control"] == "no-store"


def _admin_pat(engine: Engine, clock: FrozenClock, admin: Any) -> str:
    with new_session(engine, write=True) as session, session.begin():
        _row, secret = issue_personal_token(
            session,
            actor="test",
            user=admin,
            name="admin",
            scopes=["admin"],
            expires_in_days=1,
            now=clock.now(),
        )
    return secret


def test_admins_register_list_and_revoke_clients_over_the_api(
    client: TestClient, loaded: Engine, clock: FrozenClock, admin: Any
) -> None:
    headers = bearer(_admin_pat(loaded, clock, admin))
    created = client.post(
        "/api/v1/oauth/clients",
        json={
            "name": "Dashboard",
            "grant_type": "client_credentials",
            "scopes": ["read"],
            "roles": [{"role": "organizer", "competition": "g7-govai-2025"}],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["client_secret"]
    with new_session(loaded) as session:
        row = session.exec(
            select(OAuthClient).where(OAuthClient.client_id == body["client_id"])
        ).one()
        assert row.secret_hash == token_digest(secret) and secret not in row.model_dump_json()
    listed = client.get("/api/v1/oauth/clients", headers=headers).json()
    assert [c["client_id"] for c in listed] == [body["client_id"]]
    assert "client_secret" not in listed[0]
    token = client_token(client, body["client_id"], secret)

    assert (
        client.delete(f"/api/v1/oauth/clients/{body['client_id']}", headers=headers).status_code
        == 204
    )
    gone = client.get("/api/v1/oauth/clients", headers=bearer(token))
    assert gone.status_code == 401 and "revoked" in gone.json()["detail"]
    again = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(body["client_id"], secret),
    )
    assert again.json()["error"] == "invalid_client"
    with new_session(loaded) as session:
        actions = session.exec(select(AuditRecord.action)).all()
    assert "oauth.client_registered" in actions and "oauth.client_revoked" in actions


def test_registration_refuses_bad_input_and_changes_nothing(
    client: TestClient, loaded: Engine, clock: FrozenClock, admin: Any
) -> None:
    headers = bearer(_admin_pat(loaded, clock, admin))
    cases = [
        {"name": "x", "grant_type": "client_credentials", "scopes": ["read"], "public": True},
        {
            "name": "x",
            "grant_type": "client_credentials",
            "scopes": ["read"],
            "roles": [{"role": "participant", "competition": "g7-govai-2025"}],
        },
        {
            "name": "x",
            "grant_type": "client_credentials",
            "scopes": ["read"],
            "roles": [{"role": "admin", "competition": "g7-govai-2025"}],
        },
        {
            "name": "x",
            "grant_type": "client_credentials",
            "scopes": ["read"],
            "roles": [{"role": "organizer", "competition": "nope"}],
        },
        {
            "name": "x",
            "grant_type": "authorization_code",
            "scopes": ["read"],
            "redirect_uris": ["http://evil.example/cb"],
        },
        {"name": "x", "grant_type": "authorization_code", "scopes": ["read"]},
    ]
    for case in cases:
        response = client.post("/api/v1/oauth/clients", json=case, headers=headers)
        assert response.status_code in (400, 404), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/oauth/clients", headers=headers).json() == []


def test_token_endpoint_is_rate_limited_per_client(
    client: TestClient, loaded: Engine, clock: FrozenClock, monkeypatch: Any
) -> None:
    from app.oauth import endpoints
    from app.oauth.config import OAuthSettings

    monkeypatch.setattr(
        endpoints, "oauth_settings", lambda: OAuthSettings(token_limit_per_client=2)
    )
    client_id, secret = register(loaded, clock)
    wrong = basic(client_id, "wrong")
    for _ in range(2):  # failures count too
        client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=wrong)
    limited = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    other_id, other_secret = register(loaded, clock)
    assert client_token(client, other_id, other_secret)
