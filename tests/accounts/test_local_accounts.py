"""Local accounts over HTTP, with mail delivered to a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from app.accounts.models import PasswordCredential
from app.core.clock import FrozenClock
from app.core.db import new_session
from app.identity.models import User
from tests.web import (
    PASSWORD,
    Mailbox,
    audit_actions,
    csrf_of,
    path_of,
    post_form,
    register,
    sign_in,
)


def _user(engine: Engine, address: str) -> User | None:
    with new_session(engine) as session:
        return session.exec(select(User).where(User.email == address)).first()


def test_register_verify_sign_in_edit_profile_sign_out(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    response = register(web, email_address="Ada@Example.org", lang="fr")
    assert response.status_code == 200 and "Vérifiez vos courriels" in response.text
    mail = mailbox.last_to("ada@example.org")
    assert "Confirmez" in mail["Subject"] and "Bonjour Ada Lovelace" in mail.get_content()
    with new_session(loaded) as session:
        user = session.exec(select(User).where(User.email == "ada@example.org")).one()
        stored = session.get(PasswordCredential, user.id)
        assert stored is not None and stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash and user.email_verified_at is None

    assert sign_in(web, email_address="ada@example.org").status_code == 403  # not confirmed yet
    link = path_of(mailbox.link_to("ada@example.org"))
    assert link.startswith("/fr/account/verify?token=")
    confirmed = web.get(link)
    assert confirmed.status_code == 200 and "ada@example.org" in confirmed.text
    assert web.get(link).status_code == 400  # once only

    signed_in = sign_in(web, email_address="ada@example.org", next_path="/en/account/profile")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/en/account/profile"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    profile = web.get("/en/account/profile")
    assert profile.status_code == 200 and "Ada Lovelace" in profile.text

    saved = post_form(
        web,
        "/en/account/profile",
        {
            "name": "Ada King",
            "country_of_residence": "FR",
            "sector": "researcher",
            "organization": "",
            "age_bracket": "30-plus",
            "preferred_language": "en",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("notice=saved")
    me = web.get("/api/v1/me").json()
    assert (me["name"], me["country_of_residence"], me["sector"], me["age_bracket"]) == (
        "Ada King",
        "FR",
        "researcher",
        "30-plus",
    )
    assert me["authenticated_via"] == "session" and me["email_verified"] is True

    signed_out = post_form(web, "/en/account/profile", {}, action="/en/account/sign-out")
    assert signed_out.status_code == 303
    assert web.get("/api/v1/me").status_code == 401
    assert web.get("/en/account/profile").headers["location"].startswith("/en/account/sign-in")
    actions = audit_actions(loaded)
    assert {"user.registered", "user.email_verified", "user.profile_updated"} <= set(actions)


def test_profile_errors_are_shown_beside_their_fields(web: TestClient, mailbox: Mailbox) -> None:
    from tests.web import signed_up

    signed_up(web, mailbox, "grace@example.org")
    refused = post_form(
        web,
        "/fr/account/profile",
        {
            "name": " ",
            "country_of_residence": "XX",
            "sector": "astronaut",
            "age_bracket": "18-29",
            "preferred_language": "fr",
        },
    )
    assert refused.status_code == 422  # one kind of field error, as every form
    assert 'id="name-error"' in refused.text and 'id="country_of_residence-error"' in refused.text
    assert "Choisissez un pays" in refused.text and 'id="sector-error"' in refused.text
    assert web.get("/api/v1/me").json()["name"] == "Ada Lovelace"  # nothing saved


def test_registering_a_taken_address_tells_its_owner_not_the_visitor(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    register(web, email_address="ada@example.org")
    again = register(web, email_address="ada@example.org", name="Someone else")
    assert again.status_code == 200 and "Check your e-mail" in again.text
    assert "already has one" in mailbox.last_to("ada@example.org").get_content()
    weak = register(web, email_address="bob@example.org", password="short")
    assert weak.status_code == 422 and "from 12 to 128 characters" in weak.text
    same = register(web, email_address="carol.long@example.org", password="carol.long@example.org")
    assert same.status_code == 422 and "must not be your e-mail address" in same.text
    assert (
        _user(loaded, "bob@example.org") is None and _user(loaded, "carol.long@example.org") is None
    )


def test_password_reset_link_works_once_and_expires(
    web: TestClient, mailbox: Mailbox, clock: FrozenClock, loaded: Engine
) -> None:
    from tests.web import signed_up

    signed_up(web, mailbox, "ada@example.org")
    asked = post_form(web, "/en/account/forgot-password", {"email": "ada@example.org"})
    assert asked.status_code == 200 and "we sent it a link" in asked.text
    unknown = post_form(web, "/en/account/forgot-password", {"email": "nobody@example.org"})
    assert unknown.status_code == 200 and "we sent it a link" in unknown.text  # tells nothing
    link = path_of(mailbox.link_to("ada@example.org"))
    token = link.split("token=")[1]
    assert web.get(link).status_code == 200

    new = "another long passphrase"
    done = post_form(
        web,
        link,
        {"token": token, "password": new, "password_confirm": new},
        action="/en/account/reset-password",
    )
    assert done.status_code == 303 and "notice=password-reset" in done.headers["location"]
    assert web.get("/api/v1/me").status_code == 401  # every session ended
    again = post_form(
        web,
        "/en/account/forgot-password",
        {
            "token": token,
            "password": "yet another passphrase",
            "password_confirm": "yet another passphrase",
        },
        action="/en/account/reset-password",
    )
    assert again.status_code == 400 and "already used" in again.text
    assert sign_in(web, email_address="ada@example.org").status_code == 400  # old password
    assert sign_in(web, email_address="ada@example.org", password=new).status_code == 303

    post_form(web, "/en/account/forgot-password", {"email": "ada@example.org"})
    late = path_of(mailbox.link_to("ada@example.org"))
    clock.advance(timedelta(minutes=61))
    expired = web.get(late)
    assert expired.status_code == 400 and "expired" in expired.text
    refused = post_form(
        web,
        "/en/account/forgot-password",
        {
            "token": late.split("token=")[1],
            "password": "a third long passphrase",
            "password_confirm": "a third long passphrase",
        },
        action="/en/account/reset-password",
    )
    assert refused.status_code == 400
    web.cookies.clear()
    assert sign_in(web, email_address="ada@example.org", password=new).status_code == 303
    assert "user.password_reset" in audit_actions(loaded)


def test_next_only_goes_to_this_site(web: TestClient, mailbox: Mailbox) -> None:
    from tests.web import signed_up

    signed_up(web, mailbox, "ada@example.org")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        response = web.get("/en/account/sign-in", params={"next": target})
        assert response.status_code == 303 and response.headers["location"] == "/en/"
    assert web.get("/en/account/sign-in?next=/fr/").headers["location"] == "/fr/"
    assert csrf_of(web, "/en/account/profile")
