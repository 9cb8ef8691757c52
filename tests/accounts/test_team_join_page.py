"""Joining a team from the link in the invitation e-mail, as a signed-in person would."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.teams.factories import form, person
from tests.web import Mailbox, path_of, post_form, signed_up


def test_the_emailed_link_joins_the_team_once(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    _, captain = person(loaded, "cap@example.org")
    team = form(web, captain)
    signed_up(web, mailbox, "ivy@example.org")
    sent = web.post(
        f"/api/v1/teams/{team['id']}/invitations",
        json={"email": "ivy@example.org"},
        headers=captain,
    )
    assert sent.status_code == 201
    page = path_of(mailbox.link_to("ivy@example.org"))
    assert page.startswith("/en/teams/join/")

    shown = web.get(page)
    assert shown.status_code == 200 and "Les Castors" in shown.text
    joined = post_form(web, page, {})
    assert joined.status_code == 200 and "Les Castors" in joined.text
    members = web.get(f"/api/v1/teams/{team['id']}", headers=captain).json()["members"]
    assert len(members) == 2

    again = post_form(web, page, {})
    assert again.status_code == 409
    assert len(web.get(f"/api/v1/teams/{team['id']}", headers=captain).json()["members"]) == 2


def test_joining_without_the_form_token_changes_nothing(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    _, captain = person(loaded, "cap@example.org")
    team = form(web, captain)
    signed_up(web, mailbox, "ivy@example.org")
    web.post(
        f"/api/v1/teams/{team['id']}/invitations",
        json={"email": "ivy@example.org"},
        headers=captain,
    )
    page = path_of(mailbox.link_to("ivy@example.org"))
    refused = web.post(page, data={"csrf_token": "stale"})
    assert refused.status_code == 403
    assert len(web.get(f"/api/v1/teams/{team['id']}", headers=captain).json()["members"]) == 1
