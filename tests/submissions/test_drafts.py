"""Drafts through the API: versions, If-Match, Idempotency-Key, limits, and refusals that
change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.vocabulary import Role
from app.core.clock import FrozenClock
from app.core.db import new_session
from app.identity import service as identity
from app.submissions import context as entries
from app.submissions import service
from app.teams import service as teams
from tests.submissions.factories import CHALLENGE, create, draft, patch, rows
from tests.teams.factories import audit_actions, form, person

TWELVE = "un deux trois quatre cinq six sept huit neuf dix onze douze"


def test_create_patch_and_read_the_history(client: TestClient, loaded: Engine) -> None:
    captain_id, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    created = draft(client, team_id, cap, title="First title")
    assert created["version"] == 1 and created["status"] == "draft"
    assert created["answers"] == {"challenge": CHALLENGE, "title": "First title"}
    sid = created["id"]

    response = client.get(f"/api/v1/submissions/{sid}", headers=cap)
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    assert response.json()["deadline"].startswith("2025-12-01T20:00:00")
    assert response.json()["deadline_local"] == "2025-12-01 15:00:00 EST"

    saved = patch(client, sid, cap, {"description": "Une description", "title": None}, 1)
    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] == '"2"'
    assert saved.json()["answers"] == {"challenge": CHALLENGE, "description": "Une description"}
    again = patch(client, sid, cap, {"licence": "MIT", "consent_to_publish": True}, 'W/"v2"')
    assert again.status_code == 200 and again.json()["version"] == 3

    history = client.get(f"/api/v1/submissions/{sid}/versions", headers=cap).json()["versions"]
    assert [v["number"] for v in history] == [1, 2, 3]
    assert history[0]["answers"]["title"] == "First title"  # earlier versions never change
    assert {v["author_id"] for v in history} == {captain_id}
    assert audit_actions(loaded, f"team:{team_id}")[-3:] == [
        "submission.created",
        "submission.version_saved",
        "submission.version_saved",
    ]


def test_others_do_not_see_an_entry_but_organizers_do(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    _, other = person(loaded, "other@example.org")
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    sid = draft(client, form(client, cap)["id"], cap)["id"]
    assert client.get(f"/api/v1/submissions/{sid}", headers=other).status_code == 404
    assert patch(client, sid, other, {"title": "x"}, 1).status_code == 404
    assert client.get(f"/api/v1/submissions/{sid}", headers=organizer).status_code == 200
    before = rows(loaded)
    assert patch(client, sid, organizer, {"title": "x"}, 1).status_code == 404
    assert rows(loaded) == before


def test_if_match_is_required_and_must_be_current(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    sid = draft(client, form(client, cap)["id"], cap, title="Mine")["id"]
    assert patch(client, sid, cap, {"title": "Second"}, 1).status_code == 200
    before = rows(loaded)

    missing = patch(client, sid, cap, {"title": "Lost"}, None)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"
    stale = patch(client, sid, cap, {"title": "Lost"}, 1)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2 and stale.json()["answers"]["title"] == "Second"
    assert patch(client, sid, cap, {"title": "Lost"}, "garbage").status_code == 412
    assert rows(loaded) == before


def test_an_idempotency_key_replays_the_first_response(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    body = {"challenge": CHALLENGE, "title": "Once"}
    first = create(client, team_id, cap, body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    before = rows(loaded)
    retry = create(client, team_id, cap, body, **{"Idempotency-Key": "k-1"})
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert rows(loaded) == before

    other = create(client, team_id, cap, {**body, "title": "Twice"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    assert rows(loaded) == before
    without = create(client, team_id, cap, body)
    assert without.status_code == 409  # one entry per problem statement
    assert rows(loaded) == before


def test_one_entry_per_problem_statement_within_the_limit(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    draft(client, team_id, cap)
    before = rows(loaded)
    second = create(client, team_id, cap, {"challenge": "navigating-rules"})
    assert second.status_code == 409 and "at most 1" in second.json()["detail"]
    no_challenge = create(client, team_id, cap, {"title": "x"})
    assert no_challenge.status_code == 422
    assert no_challenge.json()["errors"][0]["field"] == "challenge"
    assert rows(loaded) == before


def test_word_limits_in_english_and_french(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    _, cap_fr = person(loaded, "fr@example.org", country="FR", language="fr")
    sid = draft(client, form(client, cap)["id"], cap)["id"]
    sid_fr = draft(client, form(client, cap_fr, "Équipe")["id"], cap_fr)["id"]
    before = rows(loaded)

    english = patch(client, sid, cap, {"title": TWELVE}, 1)
    assert english.status_code == 422
    assert english.json()["errors"] == [{"field": "title", "message": "12 words; at most 10."}]
    french = patch(client, sid_fr, {**cap_fr, "Accept-Language": "fr"}, {"title": TWELVE}, 1)
    assert french.status_code == 422
    assert french.json()["errors"] == [{"field": "title", "message": "12 mots; au plus 10."}]
    assert rows(loaded) == before

    elided = "l'intelligence artificielle d'aujourd'hui, c'est-à-dire l'État data-driven et ouvert"
    assert patch(client, sid_fr, cap_fr, {"title": elided}, 1).status_code == 200


def test_types_hosts_and_unknown_fields_are_refused(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    sid = draft(client, form(client, cap)["id"], cap)["id"]
    before = rows(loaded)
    response = patch(
        client,
        sid,
        cap,
        {
            "video_url": "https://example.org/video",
            "existing_systems": "yes",
            "favourite_colour": "blue",
            "repository_url": "http://github.com/a/b",
            "challenge": "navigating-rules",
        },
        1,
    )
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == ["existing_systems", "favourite_colour", "repository_url", "video_url"]
    assert rows(loaded) == before
    moved = patch(client, sid, cap, {"challenge": "navigating-rules"}, 1)
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "challenge"
    ok = patch(client, sid, cap, {"video_url": "https://youtu.be/abc"}, 1)
    assert ok.status_code == 200


def test_a_team_lists_its_entries_and_nobody_else_sees_them(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org")
    _, other = person(loaded, "other@example.org")
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    team_id = form(client, cap)["id"]
    url = f"/api/v1/teams/{team_id}/submissions"
    assert client.get(url, headers=cap).json() == {"team_id": team_id, "submissions": []}
    sid = draft(client, team_id, cap, title="Listed")["id"]
    listed = client.get(url, headers=cap).json()["submissions"]
    assert [(s["id"], s["answers"]["title"], s["version"]) for s in listed] == [(sid, "Listed", 1)]
    assert client.get(url, headers=organizer).json()["submissions"][0]["id"] == sid
    refused = client.get(url, headers=other)
    assert refused.status_code == 404 and refused.json()["status"] == 404


def test_if_match_star_matches_any_current_version(client: TestClient, loaded: Engine) -> None:
    """RFC 9110 13.1.1: ``*`` is true whatever version is current; a list matches when one of
    its tags names the current version."""
    _, cap = person(loaded, "cap@example.org")
    sid = draft(client, form(client, cap)["id"], cap, title="Mine")["id"]
    assert patch(client, sid, cap, {"title": "Second"}, 1).status_code == 200
    star = patch(client, sid, cap, {"title": "Third"}, "*")
    assert star.status_code == 200 and star.headers["ETag"] == '"3"'
    assert star.json()["answers"]["title"] == "Third"
    listed = patch(client, sid, cap, {"title": "Fourth"}, '"1", "3"')
    assert listed.status_code == 200 and listed.json()["version"] == 4
    before = rows(loaded)
    assert patch(client, sid, cap, {"title": "Lost"}, '"1", "3"').status_code == 412
    assert rows(loaded) == before


def _can_start(engine: Engine, email: str, team_id: int, now: datetime) -> bool:
    """``service.can_start`` as the team page asks it, for the person with ``email``."""
    with new_session(engine) as session:
        user = identity.get_user_by_email(session, email=email)
        assert user is not None
        actor = identity.actor_for_user(session, user=user, scopes=None, via="session")
        team = teams.get_team(session, team_id=team_id)
        context = entries.team_context(session, team=team, now=now)
        return service.can_start(session, context=context, actor=actor, now=now)


def test_can_start_says_what_create_would_accept(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    _, cap = person(loaded, "cap@example.org")
    person(loaded, "org@example.org", role=Role.ORGANIZER)
    team_id = form(client, cap, "cap@example.org")["id"]
    now, deadline = clock.now(), datetime(2025, 12, 1, 20, 0, tzinfo=UTC)
    assert _can_start(loaded, "cap@example.org", team_id, now)
    assert not _can_start(loaded, "org@example.org", team_id, now)  # organizers only read
    assert _can_start(loaded, "cap@example.org", team_id, deadline - timedelta(seconds=1))
    assert not _can_start(loaded, "cap@example.org", team_id, deadline)
    sid = draft(client, team_id, cap)["id"]
    assert not _can_start(loaded, "cap@example.org", team_id, now)  # one problem statement
    assert create(client, team_id, cap, {"challenge": CHALLENGE}).status_code == 409
    assert client.post(f"/api/v1/submissions/{sid}/withdraw", headers=cap).status_code == 200
    assert _can_start(loaded, "cap@example.org", team_id, now)
