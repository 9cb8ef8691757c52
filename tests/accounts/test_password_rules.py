"""The password rules of OWASP ASVS 4.0.3 V2.1, through the pages a person uses."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import select

from app.core.db import new_session
from app.identity.models import User
from tests.web import Mailbox, path_of, register, sign_in

ERROR = re.compile(r'<p class="error-message" id="password-error">([^<]*)</p>')


def _user(engine: Engine, address: str) -> User | None:
    with new_session(engine) as session:
        return session.exec(select(User).where(User.email == address)).first()


def _password_error(response: Response) -> str:
    match = ERROR.search(response.text)
    assert match, response.text
    return match.group(1)


def _confirmed(web: TestClient, mailbox: Mailbox, address: str, password: str) -> None:
    """Register with ``password`` and follow the confirmation link."""
    assert register(web, email_address=address, password=password).status_code == 200
    assert web.get(path_of(mailbox.link_to(address))).status_code == 200


def test_length_counts_a_run_of_spaces_as_one_and_allows_12_to_128(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    spaced = "ab" + " " * 30 + "cdefghij"  # 40 characters, but "ab cdefghij" is 11
    refused = register(web, email_address="spaces@example.org", password=spaced)
    assert refused.status_code == 422
    assert _password_error(refused) == (
        "Use from 12 to 128 characters (spaces in a row count as one)."
    )
    too_long = register(web, email_address="long@example.org", lang="fr", password="x" * 129)
    assert too_long.status_code == 422
    assert "de 12 à 128 caractères" in _password_error(too_long)
    assert _user(loaded, "spaces@example.org") is None and _user(loaded, "long@example.org") is None

    for address, password in (
        ("twelve@example.org", "ab  cdefghijk"),  # "ab cdefghijk": 12
        ("sixty-four@example.org", "p" * 64),
        ("max@example.org", "q" * 128),
    ):
        assert register(web, email_address=address, password=password).status_code == 200
        assert _user(loaded, address) is not None, address
    page = web.get("/en/account/register")
    assert "From 12 to 128 characters, and not your e-mail address." in page.text
    assert "De 12 à 128 caractères" in web.get("/fr/account/register").text


def test_a_long_password_is_never_cut(web: TestClient, mailbox: Mailbox) -> None:
    password = "long passphrase " * 6 + "abcd"  # 100 characters
    assert len(password) == 100
    _confirmed(web, mailbox, "ada@example.org", password)
    wrong = password[:-1] + "e"
    assert sign_in(web, email_address="ada@example.org", password=wrong).status_code == 400
    assert sign_in(web, email_address="ada@example.org", password=password).status_code == 303


def test_any_unicode_emoji_and_spaces_make_a_password(web: TestClient, mailbox: Mailbox) -> None:
    password = "  Ça va très bien 🦊🎉 日本語のパスワード\tأهلاً  "
    _confirmed(web, mailbox, "ada@example.org", password)
    stripped = sign_in(web, email_address="ada@example.org", password=password.strip())
    assert stripped.status_code == 400  # its spaces are part of it
    signed_in = sign_in(web, email_address="ada@example.org", password=password)
    assert signed_in.status_code == 303
    assert web.get("/api/v1/me").json()["email"] == "ada@example.org"
