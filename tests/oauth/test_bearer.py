"""Bearer tokens that do not hold: each refused with a problem that says why, changing nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import Engine
from sqlmodel import select

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity.models import User
from app.oauth import keys, tokens
from app.oauth.models import AccessTokenRecord
from tests.oauth.conftest import bearer, register

# A write that an application acting for a person may make (it may not mint personal tokens).
WRITE = "/api/v1/me/profile"
NEW_NAME = "Renamed By Token"
PROFILE = {"name": NEW_NAME}


def renamed(engine: Engine) -> int:
    """How many accounts the token's write renamed."""
    with new_session(engine) as session:
        return len(session.exec(select(User).where(User.name == NEW_NAME)).all())


def issue(
    engine: Engine, settings: Settings, clock: FrozenClock, user: User, scope: str
) -> tuple[str, dict[str, Any]]:
    """A user access token, minted and recorded as the token endpoint would."""
    client_id, _ = register(engine, clock, grant="authorization_code", scopes=("read", "profile"))
    token, claims = tokens.mint_access_token(
        settings,
        now=clock.now(),
        subject=str(user.id),
        client_id=client_id,
        scope=scope,
        lifetime=timedelta(minutes=10),
    )
    with new_session(engine, write=True) as session, session.begin():
        session.add(
            AccessTokenRecord(
                jti=claims["jti"],
                client_id=client_id,
                user_id=user.id,
                scope=scope,
                issued_at=clock.now(),
                expires_at=clock.now() + timedelta(minutes=10),
            )
        )
    return token, claims


def sign(settings: Settings, claims: dict[str, Any], **header: Any) -> str:
    signing = keys.keyring(settings).signing
    key = header.pop("key", signing.key)
    fields = {"alg": "RS256", "typ": "at+jwt", "kid": signing.kid, **header}
    return jwt.encode(fields, claims, key)


def refused(client: TestClient, engine: Engine, token: str, status: int, cause: str) -> None:
    response = client.put(WRITE, json=PROFILE, headers=bearer(token))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert cause in response.json()["detail"], response.json()
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert renamed(engine) == 0


@pytest.fixture
def good(
    loaded: Engine, settings: Settings, clock: FrozenClock, participant: User
) -> tuple[str, dict[str, Any]]:
    return issue(loaded, settings, clock, participant, "read profile")


def test_a_good_token_writes(client: TestClient, loaded: Engine, good: tuple[str, Any]) -> None:
    response = client.put(WRITE, json=PROFILE, headers=bearer(good[0]))
    assert response.status_code == 200, response.text
    assert renamed(loaded) == 1


def test_expired(
    client: TestClient, loaded: Engine, clock: FrozenClock, good: tuple[str, Any]
) -> None:
    clock.advance(timedelta(minutes=10))
    refused(client, loaded, good[0], 401, "expired")


def test_other_issuer(
    client: TestClient, loaded: Engine, settings: Settings, good: tuple[str, Any]
) -> None:
    token = sign(settings, {**good[1], "iss": "https://elsewhere.example"})
    refused(client, loaded, token, 401, "another issuer")


def test_other_audience(
    client: TestClient, loaded: Engine, settings: Settings, good: tuple[str, Any]
) -> None:
    token = sign(settings, {**good[1], "aud": "https://elsewhere.example/api"})
    refused(client, loaded, token, 401, "another audience")


def test_unknown_key(
    client: TestClient, loaded: Engine, settings: Settings, good: tuple[str, Any]
) -> None:
    stranger = RSAKey.generate_key(2048)
    token = sign(settings, good[1], key=stranger, kid="stranger")
    refused(client, loaded, token, 401, "unknown key")


def test_known_kid_but_forged_signature(
    client: TestClient, loaded: Engine, settings: Settings, good: tuple[str, Any]
) -> None:
    token = sign(settings, good[1], key=RSAKey.generate_key(2048))
    refused(client, loaded, token, 401, "signature")


def test_not_an_access_token(
    client: TestClient, loaded: Engine, settings: Settings, good: tuple[str, Any]
) -> None:
    refused(client, loaded, sign(settings, good[1], typ="JWT"), 401, "at+jwt")


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"])
def test_malformed(client: TestClient, loaded: Engine, token: str) -> None:
    refused(client, loaded, token, 401, "malformed")


def test_lacking_the_scope(
    client: TestClient, loaded: Engine, settings: Settings, clock: FrozenClock, participant: User
) -> None:
    token, _ = issue(loaded, settings, clock, participant, "read")
    response = client.put(WRITE, json=PROFILE, headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["type"].endswith("insufficient-scope")
    assert "profile" in response.json()["detail"]
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert renamed(loaded) == 0


def test_revoked_jti(
    client: TestClient, loaded: Engine, clock: FrozenClock, good: tuple[str, Any]
) -> None:
    with new_session(loaded, write=True) as session, session.begin():
        record = session.get(AccessTokenRecord, 1)
        assert record is not None
        record.revoked_at = clock.now()
        session.add(record)
    refused(client, loaded, good[0], 401, "revoked")


def test_other_schemes_are_not_ours(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"})
    assert response.status_code == 401 and response.json()["type"].endswith("unauthorized")
    assert response.headers["www-authenticate"] == 'Bearer realm="govai"'


def test_no_credentials_are_challenged_without_an_error_code(client: TestClient) -> None:
    """RFC 6750 section 3.1: no error code when the request had no credentials at all; a
    bearer token that does not hold still says invalid_token."""
    anonymous = client.put(WRITE, json=PROFILE)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="govai"'
    malformed = client.put(WRITE, json=PROFILE, headers=bearer("not a token"))
    assert malformed.status_code == 401
    assert malformed.headers["www-authenticate"] == 'Bearer realm="govai", error="invalid_token"'


def test_errors_are_translated(
    client: TestClient, loaded: Engine, clock: FrozenClock, good: tuple[str, Any]
) -> None:
    clock.advance(timedelta(hours=1))
    response = client.get("/api/v1/me?lang=fr", headers=bearer(good[0]))
    assert response.status_code == 401
    assert response.headers["content-language"] == "fr"
    assert response.json()["detail"] != "The access token has expired."
