"""Inviting a judge by e-mail: a single-use link that expires, accepted on its page."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.vocabulary import Role
from app.core.clock import FrozenClock
from app.core.db import new_session
from app.identity import service
from app.oauth.personal_tokens import issue_personal_token
from tests.conftest import DURING_SPRINT
from tests.identity.factories import make_user
from tests.web import Mailbox, path_of, post_form, sign_in, signed_up

INVITE = "/api/v1/competitions/g7-govai-2025/invitations"


def _organizer_token(engine: Engine) -> str:
    organizer = make_user(engine, "olga@example.org", role=Role.ORGANIZER)
    with new_session(engine, write=True) as session, session.begin():
        _, secret = issue_personal_token(
            session,
            actor="test",
            user=organizer,
            name="t",
            scopes=["organize"],
            expires_in_days=7,
            now=DURING_SPRINT,
        )
    return secret


def _roles(engine: Engine, email: str) -> list[tuple[Role, str | None]]:
    with new_session(engine) as session:
        user = service.get_user_by_email(session, email=email)
        assert user is not None
        return service.roles_view(session, user=user)


def test_an_invited_judge_accepts_once_on_the_page(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    token = _organizer_token(loaded)
    signed_up(web, mailbox, "ivy@example.org")
    sent = web.post(
        INVITE,
        json={"email": "Ivy@example.org", "role": "judge"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert sent.status_code == 201 and sent.json()["email"] == "ivy@example.org"
    mail = mailbox.last_to("ivy@example.org")
    assert mail["Subject"] == "Invitation: G7 GovAI Grand Challenge 2025"
    page = path_of(mailbox.link_to("ivy@example.org"))
    assert page.startswith("/en/invitations/")

    shown = web.get(page)
    assert shown.status_code == 200 and "as judge" in shown.text
    accepted = post_form(web, page, {})
    assert accepted.status_code == 200 and "Invitation accepted" in accepted.text
    assert _roles(loaded, "ivy@example.org") == [(Role.JUDGE, "g7-govai-2025")]

    again = post_form(web, page, {})
    assert again.status_code == 409 and "already used" in again.text
    assert _roles(loaded, "ivy@example.org") == [(Role.JUDGE, "g7-govai-2025")]


def test_an_expired_invitation_is_refused_and_changes_nothing(
    web: TestClient, mailbox: Mailbox, loaded: Engine, clock: FrozenClock
) -> None:
    token = _organizer_token(loaded)
    signed_up(web, mailbox, "ivy@example.org")
    web.post(
        INVITE,
        json={"email": "ivy@example.org", "role": "organizer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    page = path_of(mailbox.link_to("ivy@example.org"))
    clock.advance(timedelta(days=7, seconds=1))
    assert sign_in(web, email_address="ivy@example.org").status_code == 303  # idle: ended
    refused = post_form(web, page, {})
    assert refused.status_code == 409 and "expired" in refused.text
    assert _roles(loaded, "ivy@example.org") == []


def test_the_page_asks_strangers_to_sign_in(web: TestClient) -> None:
    response = web.get("/fr/invitations/whatever")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/fr/account/sign-in?next=")


def test_a_participant_cannot_invite(web: TestClient, loaded: Engine) -> None:
    participant = make_user(loaded, "pat@example.org")
    with new_session(loaded, write=True) as session, session.begin():
        _, secret = issue_personal_token(
            session,
            actor="test",
            user=participant,
            name="t",
            scopes=["organize"],
            expires_in_days=7,
            now=DURING_SPRINT,
        )
    refused = web.post(
        INVITE,
        json={"email": "x@example.org", "role": "judge"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status_code == 403
