"""Idempotency-Key on every API POST that creates something: a retry with the same key and
request gets the first answer, status, body and headers, and creates nothing again; the same
key with another request is refused (409) and changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.vocabulary import Role
from app.core.clock import FrozenClock
from app.core.db import new_session
from tests.oauth.conftest import client_token, register
from tests.submissions.factories import CHALLENGE, complete_answers, create, draft
from tests.teams.factories import TEAMS, Headers, form, person

TABLES = ("team", "team_member", "team_invitation", "invitation", "attachment", "outbound_mail")
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
INVITE_STAFF = "/api/v1/competitions/g7-govai-2025/invitations"


def _rows(engine: Engine) -> dict[str, int]:
    with new_session(engine) as session:
        return {
            table: session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in (*TABLES, "idempotency_key")
        }


def _key(key: str, headers: Headers) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def _replays(first: Any, retry: Any) -> None:
    assert first.status_code in (200, 201), first.text
    assert (retry.status_code, retry.json()) == (first.status_code, first.json())
    assert retry.headers["Idempotent-Replayed"] == "true"


def _upload(client: TestClient, sid: int, headers: Headers, name: str, body: bytes) -> Any:
    return client.post(
        f"/api/v1/submissions/{sid}/attachments",
        files={"file": (name, body, "application/pdf")},
        headers=headers,
    )


def test_an_attachment_upload_retried_attaches_one_file(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    sid = draft(client, form(client, cap)["id"], cap, **complete_answers())["id"]
    first = _upload(client, sid, _key("up-1", cap), "plan.pdf", PDF)
    before = _rows(loaded)
    _replays(first, _upload(client, sid, _key("up-1", cap), "plan.pdf", PDF))
    assert _rows(loaded) == before and before["attachment"] == 1

    other_file = _upload(client, sid, _key("up-1", cap), "plan.pdf", PDF + b"\n%more")
    other_name = _upload(client, sid, _key("up-1", cap), "other.pdf", PDF)
    for refused in (other_file, other_name):
        assert refused.status_code == 409 and "different request" in refused.json()["detail"]
    assert _rows(loaded) == before
    listed = client.get(f"/api/v1/submissions/{sid}/attachments", headers=cap).json()
    assert [a["id"] for a in listed["attachments"]] == [first.json()["id"]]


def test_a_team_invitation_retried_invites_and_mails_once(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org")
    url = f"/api/v1/teams/{form(client, cap)['id']}/invitations"
    body = {"email": "ana@example.org"}
    first = client.post(url, json=body, headers=_key("inv-1", cap))
    before = _rows(loaded)
    _replays(first, client.post(url, json=body, headers=_key("inv-1", cap)))
    assert _rows(loaded) == before and before["team_invitation"] == 1

    other = client.post(url, json={"email": "bo@example.org"}, headers=_key("inv-1", cap))
    assert other.status_code == 409 and _rows(loaded) == before
    again = client.post(url, json=body, headers=_key("inv-2", cap))  # a new key: a new request
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]


def test_a_staff_invitation_retried_invites_and_mails_once(
    client: TestClient, loaded: Engine
) -> None:
    _, organizer = person(loaded, "olga@example.org", role=Role.ORGANIZER)
    body = {"email": "ivy@example.org", "role": "judge"}
    first = client.post(INVITE_STAFF, json=body, headers=_key("staff-1", organizer))
    before = _rows(loaded)
    _replays(first, client.post(INVITE_STAFF, json=body, headers=_key("staff-1", organizer)))
    assert _rows(loaded) == before and before["invitation"] == 1
    other = {**body, "role": "organizer"}
    refused = client.post(INVITE_STAFF, json=other, headers=_key("staff-1", organizer))
    assert refused.status_code == 409 and _rows(loaded) == before


def test_forming_a_team_retried_gives_the_team_formed(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    first = client.post(TEAMS, json={"name": "Les Castors"}, headers=_key("team-1", cap))
    before = _rows(loaded)
    _replays(first, client.post(TEAMS, json={"name": "Les Castors"}, headers=_key("team-1", cap)))
    assert _rows(loaded) == before and before["team"] == 1
    unkeyed = client.post(TEAMS, json={"name": "Les Castors"}, headers=cap)
    assert unkeyed.status_code == 409  # one team per person per competition


def test_a_replayed_draft_keeps_its_etag(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    body = {"challenge": CHALLENGE, "title": "Once"}
    first = create(client, team_id, cap, body, **{"Idempotency-Key": "d-1"})
    retry = create(client, team_id, cap, body, **{"Idempotency-Key": "d-1"})
    _replays(first, retry)
    assert first.headers["ETag"] == retry.headers["ETag"] == '"1"'


def test_a_service_client_has_no_account_to_keep_a_key_for(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    client_id, secret = register(loaded, clock, scopes=("organize",))
    bearer = {"Authorization": f"Bearer {client_token(client, client_id, secret)}"}
    body = {"email": "ivy@example.org", "role": "judge"}
    before = _rows(loaded)
    keyed = client.post(INVITE_STAFF, json=body, headers=_key("client-1", bearer))
    assert keyed.status_code == 403 and "no account" in keyed.json()["detail"]
    assert _rows(loaded) == before
    assert client.post(INVITE_STAFF, json=body, headers=bearer).status_code == 201
