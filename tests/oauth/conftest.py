"""Factories for OAuth tests: clients, PKCE pairs, approvals, signed-in browsers."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import SQLModel, select

from app.access.vocabulary import Role
from app.accounts import service as accounts
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity.models import User
from app.oauth import clients
from app.oauth.adapters import HttpRequest
from app.oauth.config import issuer
from app.oauth.server import PlatformServer, decide_authorization
from tests.identity.factories import make_user

REDIRECT = "https://app.example.org/callback"
PASSWORD = "correct horse battery staple 42"


def register(
    engine: Engine,
    clock: FrozenClock,
    *,
    grant: str = "client_credentials",
    scopes: tuple[str, ...] = ("read",),
    roles: tuple[str, ...] = ("organizer:g7-govai-2025",),
    public: bool = False,
) -> tuple[str, str | None]:
    """A registered client's id and secret."""
    delegated = grant == "authorization_code"
    registration = clients.ClientRegistration(
        name=f"test {grant}",
        grant_type=grant,
        scopes=list(scopes),
        redirect_uris=[REDIRECT] if delegated else [],
        roles=[] if delegated else [clients.ClientRole.parse(r) for r in roles],
        public=public,
    )
    with new_session(engine, write=True) as session, session.begin():
        client, secret = clients.register_client(
            session, registration=registration, now=clock.now(), actor="test"
        )
        return client.client_id, secret


def basic(client_id: str, secret: str | None) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(client_id: str, challenge: str, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "read profile",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return params


def approve(
    engine: Engine,
    settings: Settings,
    clock: FrozenClock,
    user: User,
    params: dict[str, str],
) -> dict[str, list[str]]:
    """The user approves at the service level; returns the redirect's query parameters."""
    uri = issuer(settings) + "/oauth/authorize"
    request = HttpRequest("POST", uri, {}, list(params.items()), params)
    with new_session(engine, write=True) as session, session.begin():
        server = PlatformServer(session=session, now=clock.now(), settings=settings)
        response = decide_authorization(server, request, user=user, approved=True)
    location = response.headers["location"]
    assert location.startswith(REDIRECT), location
    return parse_qs(urlsplit(location).query)


def code_for(
    engine: Engine, settings: Settings, clock: FrozenClock, user: User, client_id: str
) -> tuple[str, str]:
    """An authorization code and its PKCE verifier."""
    verifier, challenge = pkce()
    query = approve(engine, settings, clock, user, authorize_params(client_id, challenge))
    assert query["state"] == ["xyz"]
    return query["code"][0], verifier


def exchange(http: TestClient, client_id: str, secret: str | None, code: str, verifier: str) -> Any:
    return http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        headers=basic(client_id, secret),
    )


def client_token(http: TestClient, client_id: str, secret: str | None, **form: str) -> str:
    response = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", **form},
        headers=basic(client_id, secret),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def count(engine: Engine, table: type[SQLModel]) -> int:
    with new_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def sign_in(http: TestClient, engine: Engine, clock: FrozenClock, email: str) -> User:
    """A verified user with a password, signed in through the sign-in page."""
    user = make_user(engine, email)
    with new_session(engine, write=True) as session, session.begin():
        accounts.set_password(
            session, user=user, password=PASSWORD, now=clock.now(), action="test.password"
        )
    page = http.get("/en/account/sign-in")
    response = http.post(
        "/en/account/sign-in",
        data={
            "csrf_token": csrf_of(page.text),
            "email": email,
            "password": PASSWORD,
            "next": "/en/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return user


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', html)
    assert match, html
    return match.group(1)


@pytest.fixture
def admin(loaded: Engine) -> User:
    return make_user(loaded, "ada@example.org", role=Role.ADMIN)


@pytest.fixture
def participant(loaded: Engine) -> User:
    return make_user(loaded, "pat@example.org")
