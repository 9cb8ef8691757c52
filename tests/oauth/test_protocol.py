"""RFC conformance of the token, revocation and authorization endpoints, as outside clients
see them: plain HTTP requests, and Authlib's own ``OAuth2Client``."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.identity.models import User
from app.oauth import endpoints
from app.oauth.config import OAuthSettings
from app.oauth.models import AccessTokenRecord, AuthorizationCode, RefreshToken
from tests.oauth.conftest import (
    REDIRECT,
    approve,
    authorize_params,
    basic,
    bearer,
    client_token,
    code_for,
    count,
    exchange,
    pkce,
    register,
    sign_in,
)

CLIENT_CREDENTIALS = {"grant_type": "client_credentials"}
BASIC_CHALLENGE = 'Basic realm="govai"'
COULD_NOT_AUTHENTICATE = (
    "The client could not be authenticated: it is unknown or revoked, its secret is wrong, "
    "or it may not authenticate this way."
)


def outside(http: TestClient, client_id: str, secret: str | None, **options: Any) -> OAuth2Client:
    """Authlib's client, as another application would use it, sent through the test app."""
    return OAuth2Client(
        client_id, secret, base_url=str(http.base_url), transport=http._transport, **options
    )


def oauth_error(response: Any, status: int, error: str) -> str:
    """Check an RFC 6749 section 5.2 error response; returns its error_description."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error and set(body) <= {"error", "error_description"}, body
    description = str(body["error_description"])
    assert description.endswith(".") and "[" not in description, description
    return description


@pytest.fixture
def app_client(loaded: Engine, clock: FrozenClock) -> tuple[str, str | None]:
    return register(loaded, clock, grant="authorization_code", scopes=("read", "profile"))


@pytest.fixture
def delegated(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    app_client: tuple[str, str | None],
) -> dict[str, Any]:
    """Tokens issued to ``app_client`` for the participant."""
    code, verifier = code_for(loaded, settings, clock, participant, app_client[0])
    response = exchange(client, *app_client, code, verifier)
    assert response.status_code == 200, response.text
    return dict(response.json())


# Item 16: the token endpoint's rate limit speaks OAuth.


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "Too many attempts. Try again in {seconds} seconds."),
        ("fr", "Trop de tentatives. Reessayez dans {seconds} secondes."),  # RFC 6749: ASCII
    ],
)
def test_the_rate_limit_answers_in_the_oauth_error_format(
    client: TestClient,
    loaded: Engine,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    sentence: str,
) -> None:
    monkeypatch.setattr(
        endpoints, "oauth_settings", lambda: OAuthSettings(token_limit_per_client=1)
    )
    client_id, secret = register(loaded, clock)
    client_token(client, client_id, secret)
    issued = count(loaded, AccessTokenRecord)

    limited = client.post(
        "/oauth/token",
        data=CLIENT_CREDENTIALS,
        headers={**basic(client_id, secret), "Accept-Language": lang},
    )
    description = oauth_error(limited, 429, "temporarily_unavailable")
    seconds = int(limited.headers["retry-after"])
    assert 0 < seconds <= 60 and description == sentence.format(seconds=seconds)
    assert count(loaded, AccessTokenRecord) == issued

    with outside(client, client_id, secret) as app, pytest.raises(OAuthError) as caught:
        app.fetch_token("/oauth/token", grant_type="client_credentials")
    assert caught.value.error == "temporarily_unavailable"
    assert caught.value.description.startswith("Too many attempts.")


# Client authentication: one way per request, failures challenge with Basic and the realm.


def test_client_authentication_failures_are_401_with_a_basic_challenge(
    client: TestClient, loaded: Engine, clock: FrozenClock, app_client: tuple[str, str | None]
) -> None:
    client_id, _secret = register(loaded, clock)
    attempts = [
        ("/oauth/token", CLIENT_CREDENTIALS, basic(client_id, "wrong")),
        ("/oauth/token", CLIENT_CREDENTIALS, basic("govai_nobody", "wrong")),
        ("/oauth/token", CLIENT_CREDENTIALS, {"Authorization": "Basic !!not-base64"}),
        ("/oauth/token", {**CLIENT_CREDENTIALS, "client_id": client_id, "client_secret": "x"}, {}),
        ("/oauth/token", CLIENT_CREDENTIALS, {}),
        ("/oauth/revoke", {"token": "x"}, basic(app_client[0], "wrong")),
        ("/oauth/revoke", {"token": "x", "client_id": app_client[0], "client_secret": "x"}, {}),
    ]
    for path, form, headers in attempts:
        response = client.post(path, data=form, headers=headers)
        assert oauth_error(response, 401, "invalid_client") == COULD_NOT_AUTHENTICATE, path
        assert response.headers["www-authenticate"] == BASIC_CHALLENGE, (path, form, headers)
    assert count(loaded, AccessTokenRecord) == 0

    french = client.post(
        "/oauth/token?lang=fr", data=CLIENT_CREDENTIALS, headers=basic(client_id, "wrong")
    )
    assert oauth_error(french, 401, "invalid_client").startswith(
        "Le client n'a pas pu etre authentifie"
    )

    with outside(client, client_id, "wrong") as app, pytest.raises(OAuthError) as caught:
        app.fetch_token("/oauth/token", grant_type="client_credentials")
    assert caught.value.error == "invalid_client"
    assert caught.value.description == COULD_NOT_AUTHENTICATE


def test_two_ways_of_authenticating_at_once_are_refused(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    client_id, secret = register(loaded, clock)
    other_id, other_secret = register(loaded, clock)
    assert secret is not None and other_secret is not None
    in_body = {**CLIENT_CREDENTIALS, "client_id": client_id, "client_secret": secret}
    cases = [
        (in_body, basic(client_id, "wrong"), "one way only"),  # the body's secret is right
        (in_body, basic(client_id, secret), "one way only"),
        ({**CLIENT_CREDENTIALS, "client_id": other_id}, basic(client_id, secret), "client_id"),
    ]
    for form, headers, cause in cases:
        response = client.post("/oauth/token", data=form, headers=headers)
        assert cause in oauth_error(response, 400, "invalid_request"), form
    assert count(loaded, AccessTokenRecord) == 0

    with (
        outside(
            client, client_id, "wrong", token_endpoint_auth_method="client_secret_basic"
        ) as app,
        pytest.raises(OAuthError) as caught,
    ):
        app.fetch_token("/oauth/token", grant_type="client_credentials", client_secret=secret)
    assert caught.value.error == "invalid_request"
    assert count(loaded, AccessTokenRecord) == 0


def test_an_outside_client_authenticates_either_way(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    client_id, secret = register(loaded, clock)
    for method in ("client_secret_basic", "client_secret_post"):
        with outside(client, client_id, secret, token_endpoint_auth_method=method) as app:
            token = app.fetch_token("/oauth/token", grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and token["scope"] == "read", method
    assert count(loaded, AccessTokenRecord) == 2


# Parameters are sent once (RFC 6749 sections 3.1 and 3.2).


def test_a_repeated_token_parameter_is_refused_by_name(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    client_id, secret = register(loaded, clock, scopes=("read", "admin"), roles=("admin",))
    cases = [
        ({"grant_type": ["client_credentials", "authorization_code"]}, "grant_type"),
        ({"grant_type": "client_credentials", "scope": ["read", "admin"]}, "scope"),
    ]
    for form, name in cases:
        response = client.post("/oauth/token", data=form, headers=basic(client_id, secret))
        description = oauth_error(response, 400, "invalid_request")
        assert description == f"The parameter {name} is sent more than once.", description
    assert count(loaded, AccessTokenRecord) == 0
    unknown = {"grant_type": "client_credentials", "resource": ["a", "b"]}  # not ours: ignored
    assert client.post("/oauth/token", data=unknown, headers=basic(client_id, secret)).is_success
    french = client.post(
        "/oauth/token?lang=fr",
        data={"grant_type": "client_credentials", "scope": ["read", "read"]},
        headers=basic(client_id, secret),
    )
    assert oauth_error(french, 400, "invalid_request") == (
        "Le parametre scope est envoye plus d'une fois."
    )


def test_a_repeated_authorization_parameter_is_refused_by_name(
    client: TestClient, loaded: Engine, clock: FrozenClock, app_client: tuple[str, str | None]
) -> None:
    query = list(authorize_params(app_client[0], pkce()[1]).items())
    repeated = [*query, ("code_challenge", pkce()[1]), ("prompt", "a"), ("prompt", "b")]
    anonymous = client.get("/oauth/authorize", params=repeated, follow_redirects=False)
    assert anonymous.status_code == 400 and "location" not in anonymous.headers
    assert "The parameter code_challenge is sent more than once." in anonymous.text

    sign_in(client, loaded, clock, "una@example.org")
    signed_in = client.get("/oauth/authorize", params=repeated, follow_redirects=False)
    assert signed_in.status_code == 400 and "location" not in signed_in.headers
    assert "The parameter code_challenge is sent more than once." in signed_in.text
    french = client.get(
        "/oauth/authorize", params=[*repeated, ("lang", "fr")], follow_redirects=False
    )
    assert "Le paramètre code_challenge est envoyé plus d’une fois." in french.text  # a page
    assert '<p lang="fr"><code>Le paramètre' in french.text
    assert count(loaded, AuthorizationCode) == 0


def test_a_repeated_parameter_in_the_approval_gives_no_code(
    client: TestClient, loaded: Engine, clock: FrozenClock, app_client: tuple[str, str | None]
) -> None:
    sign_in(client, loaded, clock, "una@example.org")
    query = authorize_params(app_client[0], pkce()[1])
    page = client.get("/oauth/authorize", params=query)
    assert page.status_code == 200
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {**query, "scope": [query["scope"], "read"], "csrf_token": token, "decision": "approve"}
    decided = client.post("/oauth/authorize", data=form, follow_redirects=False)
    assert decided.status_code == 400 and "location" not in decided.headers
    assert "The parameter scope is sent more than once." in decided.text
    assert count(loaded, AuthorizationCode) == 0


# Revocation (RFC 7009): the hint is ignored, and no client learns whether a token is live.


@pytest.mark.parametrize("hint", ["id_token", "access_token", "refresh_token", ""])
def test_revocation_ignores_the_hint(
    client: TestClient,
    delegated: dict[str, Any],
    app_client: tuple[str, str | None],
    hint: str,
) -> None:
    access = delegated["access_token"]
    revoked = client.post(
        "/oauth/revoke",
        data={"token": access, "token_type_hint": hint},
        headers=basic(*app_client),
    )
    assert revoked.status_code == 200 and revoked.json() == {}, revoked.text
    assert client.get("/api/v1/me", headers=bearer(access)).status_code == 401


def test_revoking_another_clients_token_answers_200_and_revokes_nothing(
    client: TestClient,
    loaded: Engine,
    clock: FrozenClock,
    delegated: dict[str, Any],
    app_client: tuple[str, str | None],
) -> None:
    other = register(loaded, clock, grant="authorization_code", scopes=("read",))
    answers = [
        client.post("/oauth/revoke", data={"token": token}, headers=basic(*other))
        for token in (delegated["access_token"], delegated["refresh_token"], "garbage")
    ]
    assert [(a.status_code, a.json()) for a in answers] == [(200, {})] * 3

    with outside(client, *other) as app:
        response = app.revoke_token("/oauth/revoke", token=delegated["refresh_token"])
    assert response.status_code == 200 and response.json() == {}

    assert client.get("/api/v1/me", headers=bearer(delegated["access_token"])).status_code == 200
    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": delegated["refresh_token"]},
        headers=basic(*app_client),
    )
    assert refreshed.status_code == 200, refreshed.text


def test_revocation_needs_a_token(client: TestClient, app_client: tuple[str, str | None]) -> None:
    for form in ({}, {"token": ""}):
        response = client.post("/oauth/revoke", data=form, headers=basic(*app_client))
        description = oauth_error(response, 400, "invalid_request")
        assert description == "Send the token to revoke in the token parameter."


def test_an_outside_client_runs_the_whole_delegated_flow(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    clock: FrozenClock,
    participant: User,
    app_client: tuple[str, str | None],
) -> None:
    with outside(
        client,
        *app_client,
        redirect_uri=REDIRECT,
        scope="read profile",
        code_challenge_method="S256",
    ) as app:
        verifier = pkce()[0]
        url, state = app.create_authorization_url("/oauth/authorize", code_verifier=verifier)
        back = approve(loaded, settings, clock, participant, dict(parse_qsl(urlsplit(url).query)))
        assert back["state"] == [state]
        token = app.fetch_token(
            "/oauth/token", code=back["code"][0], code_verifier=verifier, state=state
        )
        assert app.get("/api/v1/me").status_code == 200
        app.refresh_token("/oauth/token")
        assert app.token["refresh_token"] != token["refresh_token"]
        assert app.revoke_token("/oauth/revoke", token_type_hint="refresh_token").status_code == 200
    assert count(loaded, RefreshToken) == 2
    assert client.get("/api/v1/me", headers=bearer(app.token["access_token"])).status_code == 401
