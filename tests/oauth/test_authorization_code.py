"""Authorization code with PKCE (S256 only), over HTTP with a signed-in browser and at the
service level; code reuse; refresh-token rotation and family revocation; RFC 7009."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from app.audit.models import AuditRecord
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity.models import User
from app.oauth.models import AccessTokenRecord, RefreshToken
from tests.oauth.conftest import (
    REDIRECT,
    authorize_params,
    basic,
    bearer,
    code_for,
    count,
    csrf_of,
    exchange,
    pkce,
    register,
    sign_in,
)


@pytest.fixture
def app_client(loaded: Engine, clock: FrozenClock) -> tuple[str, str | None]:
    return register(loaded, clock, grant="authorization_code", scopes=("read", "profile"))


def test_browser_flow_end_to_end(
    client: TestClient, loaded: Engine, clock: FrozenClock, app_client: tuple[str, str | None]
) -> None:
    client_id, secret = app_client
    verifier, challenge = pkce()
    query = authorize_params(client_id, challenge)
    anonymous = client.get("/oauth/authorize", params=query, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/en/account/sign-in?next=%2Foauth%2Fauthorize")

    user = sign_in(client, loaded, clock, "una@example.org")
    page = client.get("/oauth/authorize", params=query)
    assert page.status_code == 200 and "test authorization_code" in page.text
    stale = client.post(
        "/oauth/authorize",
        data={**query, "csrf_token": "stale", "decision": "approve"},
        follow_redirects=False,
    )
    assert stale.status_code == 400 and "expired" in stale.text
    assert count(loaded, AccessTokenRecord) == 0
    approved = client.post(
        "/oauth/authorize",
        data={**query, "csrf_token": csrf_of(page.text), "decision": "approve"},
        follow_redirects=False,
    )
    assert approved.status_code == 302
    location = approved.headers["location"]
    assert location.startswith(REDIRECT)
    code = parse_qs(urlsplit(location).query)["code"][0]

    tokens = exchange(client, client_id, secret, code, verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "profile read"
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == user.id
    assert me.json()["authenticated_via"] == "access_token"


def test_denying_sends_access_denied(
    client: TestClient, loaded: Engine, clock: FrozenClock, app_client: tuple[str, str | None]
) -> None:
    sign_in(client, loaded, clock, "una@example.org")
    query = authorize_params(app_client[0], pkce()[1])
    page = client.get("/oauth/authorize", params=query)
    denied = client.post(
        "/oauth/authorize",
        data={**query, "csrf_token": csrf_of(page.text), "decision": "deny"},
        follow_redirects=False,
    )
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]


@pytest.mark.parametrize(
    ("extra", "description"),
    [
        ({"code_challenge_method": "plain"}, "S256"),
        ({"code_challenge": ""}, "PKCE is required"),
    ],
)
def test_plain_or_missing_pkce_is_refused(
    client: TestClient,
    loaded: Engine,
    clock: FrozenClock,
    app_client: tuple[str, str | None],
    extra: dict[str, str],
    description: str,
) -> None:
    sign_in(client, loaded, clock, "una@example.org")
    query = authorize_params(app_client[0], pkce()[1], **extra)
    refused = client.get("/oauth/authorize", params=query, follow_redirects=False)
    assert refused.status_code == 302
    back = parse_qs(urlsplit(refused.headers["location"]).query)
    assert back["error"] == ["invalid_request"] and description in back["error_description"][0]


def test_unknown_redirect_uri_is_never_followed(
    client: TestClient, loaded: Engine, clock: FrozenClock, app_client: tuple[str, str | None]
) -> None:
    sign_in(client, loaded, clock, "una@example.org")
    query = authorize_params(app_client[0], pkce()[1], redirect_uri="https://evil.example/cb")
    refused = client.get("/oauth/authorize", params=query, follow_redirects=False)
    assert refused.status_code == 400 and "evil.example" not in refused.headers.get("location", "")


def test_wrong_verifier_is_invalid_grant_and_stores_nothing(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    app_client: tuple[str, str | None],
) -> None:
    client_id, secret = app_client
    code, verifier = code_for(loaded, settings, clock, participant, client_id)
    wrong = exchange(client, client_id, secret, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert count(loaded, AccessTokenRecord) == count(loaded, RefreshToken) == 0
    assert exchange(client, client_id, secret, code, verifier).status_code == 200


def test_code_used_twice_is_refused_and_revokes_what_it_gave(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    app_client: tuple[str, str | None],
) -> None:
    client_id, secret = app_client
    code, verifier = code_for(loaded, settings, clock, participant, client_id)
    first = exchange(client, client_id, secret, code, verifier).json()
    second = exchange(client, client_id, secret, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    revoked = client.get("/api/v1/me", headers=bearer(first["access_token"]))
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]


def test_expired_code_is_refused(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    app_client: tuple[str, str | None],
) -> None:
    from datetime import timedelta

    client_id, secret = app_client
    code, verifier = code_for(loaded, settings, clock, participant, client_id)
    clock.advance(timedelta(minutes=2))
    assert exchange(client, client_id, secret, code, verifier).json()["error"] == "invalid_grant"


def _refresh(client: TestClient, client_id: str, secret: str | None, token: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        headers=basic(client_id, secret),
    )


def test_refresh_rotates_and_reuse_revokes_the_family(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    app_client: tuple[str, str | None],
) -> None:
    client_id, secret = app_client
    code, verifier = code_for(loaded, settings, clock, participant, client_id)
    first = exchange(client, client_id, secret, code, verifier).json()
    second = _refresh(client, client_id, secret, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    third = _refresh(client, client_id, secret, second["refresh_token"]).json()

    reused = _refresh(client, client_id, secret, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    newest = _refresh(client, client_id, secret, third["refresh_token"])
    assert newest.status_code == 400 and newest.json()["error"] == "invalid_grant"
    for token in (first, second, third):
        assert client.get("/api/v1/me", headers=bearer(token["access_token"])).status_code == 401
    with new_session(loaded) as session:
        families = session.exec(
            select(AuditRecord).where(AuditRecord.action == "oauth.token_family_revoked")
        ).all()
    assert [record.payload["reason"] for record in families] == ["refresh token reused"]


def test_refresh_cannot_widen_the_scope(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    app_client: tuple[str, str | None],
) -> None:
    client_id, secret = app_client
    code, verifier = code_for(loaded, settings, clock, participant, client_id)
    first = exchange(client, client_id, secret, code, verifier).json()
    wider = client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "scope": "read admin",
        },
        headers=basic(client_id, secret),
    )
    assert wider.json()["error"] == "invalid_scope"


def test_revocation_endpoint(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    app_client: tuple[str, str | None],
) -> None:
    client_id, secret = app_client
    code, verifier = code_for(loaded, settings, clock, participant, client_id)
    tokens = exchange(client, client_id, secret, code, verifier).json()
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200

    revoke = client.post(
        "/oauth/revoke", data={"token": tokens["access_token"]}, headers=basic(client_id, secret)
    )
    assert revoke.status_code == 200
    gone = client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert gone.status_code == 401 and "revoked" in gone.json()["detail"]
    assert gone.headers["www-authenticate"].startswith("Bearer")

    refreshed = _refresh(client, client_id, secret, tokens["refresh_token"]).json()
    client.post(
        "/oauth/revoke",
        data={"token": refreshed["refresh_token"], "token_type_hint": "refresh_token"},
        headers=basic(client_id, secret),
    )
    assert _refresh(client, client_id, secret, refreshed["refresh_token"]).status_code == 400
    assert client.get("/api/v1/me", headers=bearer(refreshed["access_token"])).status_code == 401
    unknown = client.post(
        "/oauth/revoke", data={"token": "nonsense"}, headers=basic(client_id, secret)
    )
    assert unknown.status_code == 200


def test_public_client_uses_pkce_without_a_secret(
    client: TestClient, loaded: Engine, settings: Settings, clock: FrozenClock, participant: User
) -> None:
    client_id, secret = register(
        loaded, clock, grant="authorization_code", scopes=("read", "profile"), public=True
    )
    assert secret is None
    code, verifier = code_for(loaded, settings, clock, participant, client_id)
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": client_id,
        },
    )
    assert response.status_code == 200, response.text


def test_consent_page_speaks_french(
    client: TestClient, loaded: Engine, clock: FrozenClock, app_client: tuple[str, str | None]
) -> None:
    sign_in(client, loaded, clock, "una@example.org")
    query = authorize_params(app_client[0], pkce()[1])
    page = client.get("/oauth/authorize", params={**query, "lang": "fr"})
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert "Autoriser" in page.text and "Refuser" in page.text
    assert 'action="/oauth/authorize?lang=fr"' in page.text
