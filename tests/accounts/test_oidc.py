"""OpenID Connect sign-in against oidc-provider-mock running as a separate process."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import select

from app.core.config import Settings
from app.core.db import new_session
from app.identity.models import ExternalIdentity, User
from tests.accounts.oidc_mock import approve, oidc_provider, set_claims
from tests.web import Mailbox, path_of, signed_up


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture
def oidc_settings(settings: Settings, issuer: str) -> Settings:
    settings.oidc_issuer, settings.oidc_client_id = issuer, "govai-tests"
    settings.oidc_client_secret, settings.oidc_display_name = "not-so-secret", "Test ID"
    settings.local_accounts = True  # both ways in
    return settings


def _start(web: TestClient, next_path: str = "/en/account/profile", lang: str = "en") -> str:
    response = web.get(f"/{lang}/account/sign-in/oidc", params={"next": next_path})
    assert response.status_code == 302
    return response.headers["location"]


def _identities(engine: Engine) -> list[tuple[str, str, str]]:
    with new_session(engine) as session:
        rows = session.exec(select(ExternalIdentity, User).join(User)).all()
        return [(identity.issuer, identity.subject, user.email) for identity, user in rows]


def test_the_sign_in_page_shows_both_ways_in(oidc_settings: Settings, web: TestClient) -> None:
    page = web.get("/fr/account/sign-in").text
    assert "Se connecter avec Test ID" in page and 'id="password"' in page


def test_first_sign_in_creates_and_links_an_account(
    oidc_settings: Settings, issuer: str, web: TestClient, loaded: Engine
) -> None:
    set_claims(issuer, "alice-sub", email="Alice@Example.org", email_verified=True, name="Alice")
    authorize = _start(web)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{issuer}/oauth2/authorize")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and query["client_id"] == ["govai-tests"]
    assert query["redirect_uri"] == [oidc_settings.base_url + "/auth/oidc/callback"]

    back = approve(authorize, "alice-sub")
    landed = web.get(path_of(back))
    assert landed.status_code == 303 and landed.headers["location"] == "/en/account/profile"
    me = web.get("/api/v1/me").json()
    assert (me["email"], me["name"], me["email_verified"]) == ("alice@example.org", "Alice", True)
    assert _identities(loaded) == [(issuer, "alice-sub", "alice@example.org")]

    web.cookies.clear()  # a second sign-in finds the same account by (issuer, subject)
    set_claims(issuer, "alice-sub", email="alice.new@example.org", email_verified=True)
    assert web.get(path_of(approve(_start(web), "alice-sub"))).status_code == 303
    assert web.get("/api/v1/me").json()["email"] == "alice@example.org"
    assert len(_identities(loaded)) == 1


def test_a_verified_address_links_to_the_existing_local_account(
    oidc_settings: Settings, issuer: str, web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    web.cookies.clear()
    set_claims(issuer, "ada-at-idp", email="ada@example.org", email_verified=True)
    assert web.get(path_of(approve(_start(web), "ada-at-idp"))).status_code == 303
    assert web.get("/api/v1/me").json()["name"] == "Ada Lovelace"
    assert _identities(loaded) == [(issuer, "ada-at-idp", "ada@example.org")]


def _users(engine: Engine) -> int:
    with new_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(User)).one())


def test_wrong_state_wrong_nonce_and_unverified_addresses_are_refused(
    oidc_settings: Settings, issuer: str, web: TestClient, loaded: Engine
) -> None:
    set_claims(issuer, "mallory", email="mallory@example.org", email_verified=True)
    back = urlsplit(approve(_start(web), "mallory"))
    params = parse_qs(back.query)
    forged = urlencode({"code": params["code"][0], "state": "not-the-state"})
    refused = web.get(f"{back.path}?{forged}")
    assert refused.status_code == 403 and "did not succeed" in refused.text

    authorize = urlsplit(_start(web))
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()} | {"nonce": "replayed"}
    tampered = urlunsplit(authorize._replace(query=urlencode(query)))
    refused = web.get(path_of(approve(tampered, "mallory")))
    assert refused.status_code == 403 and "did not succeed" in refused.text

    set_claims(issuer, "unverified", email="u@example.org")  # no email_verified claim
    refused = web.get(path_of(approve(_start(web, "/fr/", lang="fr"), "unverified")))
    assert refused.status_code == 403 and "confirmé d’adresse courriel" in refused.text
    assert web.get("/api/v1/me").status_code == 401
    assert _users(loaded) == 0 and _identities(loaded) == []
