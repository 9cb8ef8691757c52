"""A stale or missing CSRF token: the form comes back with a message and nothing is saved."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import select

from app.audit.models import AuditRecord
from app.core.db import new_session
from app.identity.models import User
from tests.web import PASSWORD, Mailbox, csrf_of, signed_up

PROFILE = {
    "name": "Changed Name",
    "country_of_residence": "IT",
    "sector": "industry",
    "organization": "",
    "age_bracket": "18-29",
    "preferred_language": "en",
}


def _snapshot(engine: Engine) -> tuple[int, int, str]:
    with new_session(engine) as session:
        users = session.exec(select(func.count()).select_from(User)).one()
        records = session.exec(select(func.count()).select_from(AuditRecord)).one()
        names = ",".join(u.name for u in session.exec(select(User).order_by(User.id)).all())
        return users, records, names


@pytest.mark.parametrize("token", [None, "", "stale-token-from-another-session"])
def test_a_profile_form_without_the_right_token_changes_nothing(
    web: TestClient, mailbox: Mailbox, loaded: Engine, token: str | None
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    before = _snapshot(loaded)
    data = dict(PROFILE) if token is None else {**PROFILE, "csrf_token": token}
    refused = web.post("/fr/account/profile", data=data)
    assert refused.status_code == 403
    assert "Ce formulaire a expiré" in refused.text and 'role="alert"' in refused.text
    assert 'value="Changed Name"' in refused.text  # the form comes back as it was sent
    assert _snapshot(loaded) == before


def test_forms_of_anonymous_visitors_need_the_token_too(web: TestClient, loaded: Engine) -> None:
    before = _snapshot(loaded)
    registering = web.post(
        "/en/account/register",
        data={
            "name": "Eve",
            "email": "eve@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "csrf_token": "forged",
        },
    )
    assert registering.status_code == 403 and "This form has expired" in registering.text
    signing_in = web.post("/en/account/sign-in", data={"email": "x@example.org", "password": "x"})
    assert signing_in.status_code == 403
    assert _snapshot(loaded) == before


def test_a_token_from_before_sign_in_no_longer_works(web: TestClient, mailbox: Mailbox) -> None:
    old = csrf_of(web, "/en/account/sign-in")
    signed_up(web, mailbox, "ada@example.org")
    assert web.post("/en/account/profile", data={**PROFILE, "csrf_token": old}).status_code == 403


def test_session_api_calls_that_change_something_need_the_header(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    body = {"name": "Via API", "preferred_language": "fr"}
    refused = web.put("/api/v1/me/profile", json=body, headers={"Accept-Language": "fr"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (
        refused.json()["type"].endswith("/csrf-failed")
        and "X-CSRF-Token" in refused.json()["detail"]
    )
    stale = web.put("/api/v1/me/profile", json=body, headers={"X-CSRF-Token": "nope"})
    assert stale.status_code == 403 and web.get("/api/v1/me").json()["name"] == "Ada Lovelace"
    page = web.get("/en/account/profile").text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    accepted = web.put("/api/v1/me/profile", json=body, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200 and accepted.json()["name"] == "Via API"
    assert web.get("/api/v1/me").status_code == 200  # reads need no token
