"""The teams service checks who acts (``by=``) itself: a caller that is neither the API nor a
page (a script, a new route) cannot skip captaincy, membership, phase or a limit."""

from __future__ import annotations

import email
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.vocabulary import Role
from app.competitions import service as competitions
from app.core.config import Settings
from app.core.db import new_session
from app.core.errors import AppError, FieldError, Forbidden, PhaseForbids
from app.identity import service as identity
from app.teams import service as teams
from tests.conftest import DURING_SPRINT
from tests.identity.factories import actor
from tests.teams.factories import G7, audit_actions, form, invite_code, person, team_of
from tests.waiting import eventually


def _refused(engine: Engine, user_id: int, team_id: int, change: str) -> AppError:
    """``change`` made on the team by ``user_id`` through the service alone; the refusal."""
    with new_session(engine, write=True) as session, session.begin():
        by = actor(session, identity.get_user(session, user_id=user_id))
        team = teams.get_team(session, team_id=team_id)
        calls = {
            "update": lambda: teams.update_team(
                session, team=team, changes={"name": "Taken over"}, now=DURING_SPRINT, by=by
            ),
            "remove": lambda: teams.remove(
                session, team=team, user_id=team.captain_id, now=DURING_SPRINT, by=by
            ),
            "hand_over": lambda: teams.hand_over(
                session, team=team, user_id=user_id, now=DURING_SPRINT, by=by
            ),
            "invite": lambda: teams.invite(
                session,
                settings=Settings(),
                team=team,
                email="eve@example.org",
                lang="en",
                now=DURING_SPRINT,
                by=by,
            ),
        }
        with pytest.raises(AppError) as refused:
            calls[change]()
        return refused.value


@pytest.mark.parametrize("change", ["update", "remove", "hand_over", "invite"])
def test_only_the_captain_changes_the_team_whoever_calls_the_service(
    client: TestClient, loaded: Engine, change: str
) -> None:
    cap, cap_h = person(loaded, "cap@example.org")
    bo, bo_h = person(loaded, "bo@example.org")
    team_id = team_of(client, loaded, cap_h, ("bo@example.org", bo_h))
    before = audit_actions(loaded, f"team:{team_id}")

    refused = _refused(loaded, bo, team_id, change)
    assert (
        isinstance(refused, Forbidden) and refused.detail == "Only the team's captain may do this."
    )
    team = client.get(f"/api/v1/teams/{team_id}", headers=cap_h).json()
    assert team["name"] == "Les Castors" and team["captain_id"] == cap
    assert len(team["members"]) == 2
    assert audit_actions(loaded, f"team:{team_id}") == before


def test_the_service_keeps_to_the_phase_and_the_limits(client: TestClient, loaded: Engine) -> None:
    cap, cap_h = person(loaded, "cap@example.org")
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    team_id = int(form(client, cap_h)["id"])
    with new_session(loaded, write=True) as session, session.begin():
        by = actor(session, identity.get_user(session, user_id=cap))
        team = teams.get_team(session, team_id=team_id)
        with pytest.raises(FieldError) as long_name:
            teams.update_team(
                session, team=team, changes={"guardian_name": "G" * 201}, now=DURING_SPRINT, by=by
            )
        assert long_name.value.field == "guardian_name"
        assert long_name.value.params == {"max_length": 200}
        with pytest.raises(FieldError) as two_lines:
            teams.update_team(
                session, team=team, changes={"name": "Les\nCastors"}, now=DURING_SPRINT, by=by
            )
        assert two_lines.value.field == "name"
    moved = client.post(
        f"/api/v1/competitions/{G7}/phase",
        json={"phase": "closed", "reason": "t"},
        headers=organizer,
    )
    assert moved.status_code == 200
    with new_session(loaded, write=True) as session, session.begin():
        by = actor(session, identity.get_user(session, user_id=cap))
        team = teams.get_team(session, team_id=team_id)
        with pytest.raises(PhaseForbids):
            teams.leave(session, team=team, now=DURING_SPRINT, by=by)
        competition = competitions.get_competition(session, slug=G7)
        with pytest.raises(PhaseForbids):
            teams.create_team(
                session, competition=competition, name="Late", now=DURING_SPRINT, by=by
            )
    assert audit_actions(loaded, f"team:{team_id}") == ["team.created"]


def test_the_invitation_mails_say_how_long_an_invitation_lasts(
    client: TestClient,
    loaded: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The days in both invitation e-mails come from ``INVITATION_LIFETIME``, not a copy."""
    monkeypatch.setattr(identity, "INVITATION_LIFETIME", timedelta(days=3))
    _, cap_h = person(loaded, "cap@example.org")
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    invite_code(client, int(form(client, cap_h)["id"]), cap_h, "bea@example.org")
    staff = client.post(
        f"/api/v1/competitions/{G7}/invitations?lang=fr",
        json={"email": "jude@example.org", "role": "judge"},
        headers=organizer,
    )
    assert staff.status_code == 201, staff.text

    outbox = settings.data_dir / "outbox"
    sent = eventually(lambda: [] if len(found := list(outbox.glob("*.eml"))) < 2 else found)
    bodies = {}
    for path in sent:
        message = email.message_from_bytes(path.read_bytes())
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes)
        bodies[message["To"]] = body.decode("utf-8")
    assert "Accept within 3 days, once" in bodies["bea@example.org"]
    assert "Acceptez dans les 3 jours" in bodies["jude@example.org"]
