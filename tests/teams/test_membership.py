"""Forming a team, inviting, joining, leaving, removing and handing over the captaincy."""

from __future__ import annotations

import email
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.vocabulary import Role
from app.core.clock import FrozenClock
from app.core.config import Settings
from tests.teams.factories import TEAMS, audit_actions, form, invite_code, join, person, team_of
from tests.waiting import eventually


def _team(client: TestClient, team_id: int, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/teams/{team_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_creator_is_captain_of_a_team_of_one(client: TestClient, loaded: Engine) -> None:
    ada, headers = person(loaded, "ada@example.org")
    team = form(client, headers)
    assert team["captain_id"] == ada and team["size_limit"] == 4
    assert [(m["user_id"], m["is_captain"]) for m in team["members"]] == [(ada, True)]
    assert audit_actions(loaded, f"team:{team['id']}") == ["team.created"]

    again = client.post(TEAMS, json={"name": "Second"}, headers=headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "already in a team" in again.json()["detail"]


def test_an_invitation_is_mailed_used_once_and_expires(
    client: TestClient, loaded: Engine, settings: Settings, clock: FrozenClock
) -> None:
    _, captain = person(loaded, "cap@example.org")
    bea, bea_headers = person(loaded, "bea@example.org", language="fr")
    team_id = form(client, captain)["id"]
    code = invite_code(client, team_id, captain, "Bea@example.org")

    [sent] = eventually(lambda: list((settings.data_dir / "outbox").glob("*.eml")))
    message = email.message_from_bytes(sent.read_bytes())
    assert message["To"] == "bea@example.org" and message["Content-Language"] == "fr"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes) and f"/fr/teams/join/{code}".encode() in body

    joined = join(client, code, bea_headers)
    assert joined.status_code == 200 and bea in [m["user_id"] for m in joined.json()["members"]]
    _, cid = person(loaded, "cid@example.org")
    reused = join(client, code, cid)
    assert reused.status_code == 409 and "already used" in reused.json()["detail"]

    late = invite_code(client, team_id, captain, "dan@example.org")
    clock.advance(timedelta(days=7, seconds=1))
    expired = join(client, late, cid)
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    assert len(_team(client, team_id, captain)["members"]) == 2


def test_a_fifth_member_is_refused_naming_the_limit(client: TestClient, loaded: Engine) -> None:
    _, captain = person(loaded, "cap@example.org")
    others = [(f"m{i}@example.org", person(loaded, f"m{i}@example.org")[1]) for i in range(3)]
    team_id = team_of(client, loaded, captain, *others[:2])
    code = invite_code(client, team_id, captain, "fifth@example.org")  # sent while there was room
    assert join(
        client, invite_code(client, team_id, captain, others[2][0]), others[2][1]
    ).is_success
    _, fifth = person(loaded, "fifth@example.org")
    full = client.post(
        f"/api/v1/teams/{team_id}/invitations", json={"email": "sixth@example.org"}, headers=captain
    )
    assert full.status_code == 409 and "The team is full (4 members)" in full.json()["detail"]

    refused = join(client, code, fifth)
    assert refused.status_code == 409 and "at most 4 members" in refused.json()["detail"]
    french = client.post(f"/api/v1/team-invitations/{code}/accept?lang=fr", headers=fifth)
    assert french.status_code == 409 and "au plus 4" in french.json()["detail"]
    assert len(_team(client, team_id, captain)["members"]) == 4
    assert audit_actions(loaded, f"team:{team_id}").count("team.member_joined") == 3


def test_joining_a_second_team_is_refused(client: TestClient, loaded: Engine) -> None:
    _, one = person(loaded, "one@example.org")
    _, two = person(loaded, "two@example.org")
    team_one, team_two = form(client, one)["id"], form(client, two)["id"]
    code = invite_code(client, team_two, two, "one@example.org")
    refused = join(client, code, one)
    assert refused.status_code == 409
    assert len(_team(client, team_two, two)["members"]) == 1
    assert len(_team(client, team_one, one)["members"]) == 1


def test_leave_remove_and_hand_over(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    bo, bo_h = person(loaded, "bo@example.org")
    cy, cy_h = person(loaded, "cy@example.org")
    team_id = team_of(client, loaded, cap, ("bo@example.org", bo_h), ("cy@example.org", cy_h))
    base = f"/api/v1/teams/{team_id}"

    assert client.post(f"{base}/leave", headers=cap).status_code == 409  # captain, not alone
    assert client.delete(f"{base}/members/{cy}", headers=bo_h).status_code == 403  # not captain
    assert client.post(f"{base}/captain", json={"user_id": 999}, headers=cap).status_code == 409

    handed = client.post(f"{base}/captain", json={"user_id": bo}, headers=cap)
    assert handed.status_code == 200 and handed.json()["captain_id"] == bo
    assert client.post(f"{base}/leave", headers=cap).status_code == 204
    removed = client.delete(f"{base}/members/{cy}", headers=bo_h)
    assert removed.status_code == 200 and [m["user_id"] for m in removed.json()["members"]] == [bo]
    assert client.get(base, headers=cy_h).status_code == 404  # no longer sees it

    assert client.post(f"{base}/leave", headers=bo_h).status_code == 204  # the last one out
    assert client.get(base, headers=bo_h).status_code == 404
    assert audit_actions(loaded, f"team:{team_id}")[-4:] == [
        "team.captain_changed",
        "team.member_left",
        "team.member_removed",
        "team.dissolved",
    ]


def test_a_team_is_seen_by_its_members_and_organizers_only(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org")
    _, other = person(loaded, "other@example.org")
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    team_id = form(client, cap)["id"]
    form(client, other, "Other team")
    assert client.get(f"/api/v1/teams/{team_id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/teams/{team_id}/eligibility", headers=other).status_code == 404
    assert client.get(f"/api/v1/teams/{team_id}", headers=organizer).status_code == 200


def test_forming_a_team_when_closed_is_refused(client: TestClient, loaded: Engine) -> None:
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    _, ada = person(loaded, "ada@example.org")
    moved = client.post(
        "/api/v1/competitions/g7-govai-2025/phase",
        json={"phase": "closed", "reason": "test"},
        headers=organizer,
    )
    assert moved.status_code == 200
    refused = client.post(TEAMS, json={"name": "Late"}, headers=ada)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/phase-forbids")


def test_patch_is_for_the_captain(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    _, bo_h = person(loaded, "bo@example.org")
    team_id = team_of(client, loaded, cap, ("bo@example.org", bo_h))
    url = f"/api/v1/teams/{team_id}"
    assert client.patch(url, json={"funding_attestation": True}, headers=bo_h).status_code == 403
    changed = client.patch(url, json={"guardian_name": " Zoé ", "name": "Renamed"}, headers=cap)
    assert changed.status_code == 200
    assert changed.json()["guardian_name"] == "Zoé" and changed.json()["name"] == "Renamed"
    assert client.patch(url, json={"name": "  "}, headers=cap).status_code == 422


def test_two_accepts_racing_for_the_last_place_let_one_in(
    client: TestClient, loaded: Engine
) -> None:
    _, captain = person(loaded, "cap@example.org")
    others = [(f"m{i}@example.org", person(loaded, f"m{i}@example.org")[1]) for i in range(2)]
    team_id = team_of(client, loaded, captain, *others)
    racers = [person(loaded, f"r{i}@example.org")[1] for i in range(2)]
    codes = [invite_code(client, team_id, captain, f"r{i}@example.org") for i in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(
            pool.map(lambda pair: join(client, *pair).status_code, zip(codes, racers, strict=True))
        )
    assert statuses == [200, 409]
    assert len(_team(client, team_id, captain)["members"]) == 4
