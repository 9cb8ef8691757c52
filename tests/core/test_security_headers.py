"""Security headers on every response: a CSP with a fresh nonce per response and no inline
scripts otherwise, no framing, no sniffing, a strict referrer policy, HSTS when the site is
served over https; private responses are never stored, public reads keep their caching."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from tests.submissions.factories import complete_answers, draft, finalize
from tests.teams.factories import form, person

G7 = "/api/v1/competitions/g7-govai-2025"
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{16,})'")
PATHS = (
    "/en/",
    "/fr/account/sign-in",
    "/docs",
    "/openapi.json",
    G7,
    "/api/v1/no-such-thing",  # a 404
    "/oauth/authorize",  # the consent page's error
    "/static/site.css",
)


def _policy(response: object) -> dict[str, list[str]]:
    header = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # the base URL is http here
    policy = _policy(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["script-src"][0] == "'self'" and NONCE.fullmatch(policy["script-src"][1])
    assert len(policy["script-src"]) == 2  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_a_fresh_nonce_per_response_is_the_one_the_pages_use(client: TestClient) -> None:
    nonces = []
    for _ in range(2):
        docs = client.get("/docs")
        nonce = NONCE.search(docs.headers["content-security-policy"])
        assert nonce is not None
        nonces.append(nonce.group(1))
        inline = re.findall(r"<script( nonce=\"[^\"]*\")?>", docs.text)
        assert inline == [f' nonce="{nonce.group(1)}"']  # the one inline script has it
    assert nonces[0] != nonces[1]
    page = client.get("/en/")
    nonce = NONCE.search(page.headers["content-security-policy"])
    assert nonce is not None
    assert f'<meta name="csp-nonce" content="{nonce.group(1)}">' in page.text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []  # no inline script


def test_hsts_only_when_the_base_url_is_https(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    settings.base_url = "https://challenge.example.ca"
    base = settings.base_url
    with TestClient(create_app(settings, clock), base_url=base) as secure:
        for path in ("/en/", G7, "/api/v1/no-such-thing"):
            assert secure.get(path).headers["strict-transport-security"] == "max-age=31536000"


@pytest.fixture
def broken(settings: Settings, clock: FrozenClock, loaded: Engine) -> Iterator[TestClient]:
    app: FastAPI = create_app(settings, clock)

    def fail() -> None:
        raise RuntimeError("boom")

    for path in ("/en/boom", "/api/v1/boom"):  # ahead of the pages' catch-all route
        app.router.routes.insert(0, APIRoute(path, fail, include_in_schema=False))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_an_unexpected_error_carries_them_too(broken: TestClient) -> None:
    for path in ("/en/boom", "/api/v1/boom"):
        response = broken.get(path)
        assert response.status_code == 500
        assert _policy(response)["frame-ancestors"] == ["'none'"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"


def test_private_responses_are_never_stored(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org", scopes=("participate", "profile"))
    team_id = form(client, cap)["id"]
    sid = draft(client, team_id, cap, **complete_answers())["id"]
    finalized = finalize(client, sid, cap)
    assert finalized.status_code == 200, finalized.text
    created = client.post(
        "/api/v1/me/tokens",
        json={"name": "script", "scopes": ["profile"], "expires_in_days": 7},
        headers=cap,
    )
    assert created.status_code == 201 and created.json()["token"]  # the secret, shown once
    private = [
        created,
        finalized,  # the receipt
        client.get("/api/v1/me", headers=cap),
        client.get(f"/api/v1/submissions/{sid}/receipt", headers=cap),
        client.get(f"/api/v1/submissions/{sid}", headers=cap),
        client.get(f"/api/v1/teams/{team_id}", headers=cap),
        client.get("/api/v1/me", headers=cap | {"Authorization": "Bearer wrong"}),  # a 401
    ]
    for response in private:
        assert response.headers["cache-control"] == "no-store", response.request.url


def test_public_reads_keep_their_caching(client: TestClient, settings: Settings) -> None:
    public = f"public, max-age={settings.public_cache_seconds}"
    for path in (G7, f"{G7}/events", f"{G7}/events.ics"):
        assert client.get(path).headers["cache-control"] == public
    assert "cache-control" not in client.get("/static/site.css").headers  # ETag revalidation
