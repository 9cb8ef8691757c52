"""Changing and resetting a password: the current one is required, and the person is told by
mail, in their language (ASVS 2.1.6, 2.2.3, 2.5.5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from app.accounts.models import PasswordCredential
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity.models import User
from tests.web import (
    PASSWORD,
    Mailbox,
    audit_actions,
    path_of,
    post_form,
    sign_in,
    signed_up,
)

NEW = "a brand new passphrase"
NOTICE = {
    "en": ("Your password was changed", "was changed on", "If it was not you"),
    "fr": ("Votre mot de passe a été changé", "a été changé le", "Si ce n’était pas vous"),
}


def _credential(engine: Engine, address: str) -> tuple[str | None, object]:
    with new_session(engine) as session:
        user = session.exec(select(User).where(User.email == address)).one()
        credential = session.get(PasswordCredential, user.id)
        assert credential is not None
        return credential.password_hash, credential.changed_at


def _change(web: TestClient, lang: str, current: str, password: str = NEW) -> Any:
    return post_form(
        web,
        f"/{lang}/account/password",
        {"current_password": current, "password": password, "password_confirm": password},
    )


def test_a_wrong_current_password_changes_nothing_and_says_so_beside_the_field(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    before = _credential(loaded, "ada@example.org")
    mails_before = len(mailbox.to("ada@example.org"))
    for lang, current, message in (
        ("en", "not my password at all", "Your current password is not right."),
        ("fr", "", "Votre mot de passe actuel n’est pas le bon."),
    ):
        refused = _change(web, lang, current)
        assert refused.status_code == 422
        beside = f'<p class="error-message" id="current_password-error">{message}</p>'
        assert beside in refused.text

    assert _credential(loaded, "ada@example.org") == before  # the stored hash unchanged
    assert "user.password_changed" not in audit_actions(loaded)
    assert len(mailbox.to("ada@example.org")) == mails_before  # no notice
    assert web.get("/api/v1/me").status_code == 200  # still signed in
    web.cookies.clear()
    assert sign_in(web, email_address="ada@example.org", password=NEW).status_code == 400
    assert sign_in(web, email_address="ada@example.org").status_code == 303


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_password_change_is_told_by_mail_in_the_persons_language(
    web: TestClient, mailbox: Mailbox, settings: Settings, clock: FrozenClock, lang: str
) -> None:
    signed_up(web, mailbox, "ada@example.org", lang=lang)
    clock.advance(timedelta(minutes=5))
    assert _change(web, "en", PASSWORD).status_code == 303

    notice = mailbox.last_to("ada@example.org")
    subject, changed, not_you = NOTICE[lang]
    body = notice.get_content()
    assert subject in notice["Subject"] and notice["Content-Language"] == lang
    assert f"{changed} {clock.now():%Y-%m-%d %H:%M} UTC" in body and not_you in body
    assert f"{settings.base_url.rstrip('/')}/{lang}/account/forgot-password" in body
    assert PASSWORD not in body and NEW not in body


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_password_reset_is_told_by_mail_and_a_refused_one_sends_nothing(
    web: TestClient, mailbox: Mailbox, settings: Settings, clock: FrozenClock, lang: str
) -> None:
    signed_up(web, mailbox, "ada@example.org", lang=lang)
    post_form(web, f"/{lang}/account/forgot-password", {"email": "ada@example.org"})
    link = path_of(mailbox.link_to("ada@example.org"))
    token = link.split("token=")[1]
    sent = len(mailbox.to("ada@example.org"))

    def reset(confirmation: str) -> Any:
        return post_form(
            web,
            link,
            {"token": token, "password": NEW, "password_confirm": confirmation},
            action=f"/{lang}/account/reset-password",
        )

    assert reset("not the same passphrase").status_code == 422
    assert len(mailbox.to("ada@example.org")) == sent  # refused: no notice
    clock.advance(timedelta(minutes=3))
    assert reset(NEW).status_code == 303

    notice = mailbox.last_to("ada@example.org")
    subject, changed, not_you = NOTICE[lang]
    assert len(mailbox.to("ada@example.org")) == sent + 1 and subject in notice["Subject"]
    body = notice.get_content()
    assert f"{changed} {clock.now():%Y-%m-%d %H:%M} UTC" in body and not_you in body
    assert f"{settings.base_url.rstrip('/')}/{lang}/account/forgot-password" in body
