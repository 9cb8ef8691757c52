"""Finalizing: receipts anyone can recompute, the deadline to the second, extensions,
eligibility, withdrawal, and two members finalizing at once."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import select

from app.access.vocabulary import Role
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.submissions.models import Receipt
from tests.submissions.factories import complete_answers, draft, finalize, patch, rows
from tests.teams.factories import audit_actions, form, person, team_of
from tests.waiting import eventually

DEADLINE = datetime(2025, 12, 1, 20, 0, tzinfo=UTC)  # 15:00 in Toronto
SECOND = timedelta(seconds=1)


def _entry(client: TestClient, loaded: Engine, email: str = "cap@example.org") -> Any:
    _, cap = person(loaded, email)
    team_id = form(client, cap, email)["id"]
    return team_id, cap, draft(client, team_id, cap, **complete_answers())["id"]


def _recompute(snapshot: dict[str, Any]) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _receipts(engine: Engine) -> int:
    with new_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Receipt)).one())


def test_a_receipt_anyone_can_recompute_mailed_to_every_member(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    cap_id, cap = person(loaded, "cap@example.org")
    ana_id, ana = person(loaded, "ana@example.org", country="FR", language="fr")
    team_id = team_of(client, loaded, cap, ("ana@example.org", ana))
    answers = complete_answers(title="L'équipe « données » d'aujourd'hui")
    sid = draft(client, team_id, cap, **answers)["id"]

    response = finalize(client, sid, ana)
    assert response.status_code == 200, response.text
    receipt = response.json()
    snapshot = receipt["snapshot"]
    assert (
        receipt["digest"]
        == _recompute(snapshot)
        == hashlib.sha256(receipt["canonical"].encode("utf-8")).hexdigest()
    )
    assert snapshot["answers"] == answers and snapshot["attachments"] == []
    assert snapshot["members"] == sorted([cap_id, ana_id]) and snapshot["team"] == team_id
    assert snapshot["challenge"] == "information-volume" and snapshot["version"] == 1
    assert "sort_keys=True" in receipt["recipe"] and receipt["finalized_at"].startswith(
        "2025-11-20"
    )
    assert client.get(f"/api/v1/submissions/{sid}/receipt", headers=cap).json() == receipt
    assert client.get(f"/api/v1/submissions/{sid}", headers=cap).json()["status"] == "finalized"
    assert audit_actions(loaded, f"team:{team_id}")[-1] == "submission.finalized"

    outbox = Path(settings.data_dir, "outbox")

    def receipts_by_address() -> dict[str, Any]:
        # the outbox also holds ana's invitation, which may be written before either receipt
        mails = [
            message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")
        ]
        return {str(m["To"]): m for m in mails if receipt["digest"] in m.get_content()}

    by_address = eventually(lambda: len(found := receipts_by_address()) >= 2 and found) or {}
    assert set(by_address) == {"cap@example.org", "ana@example.org"}
    assert str(by_address["ana@example.org"]["Subject"]).startswith("Accusé de réception")
    assert receipt["digest"] in by_address["cap@example.org"].get_content()


def test_finalizing_again_supersedes_only_for_a_newer_version(
    client: TestClient, loaded: Engine
) -> None:
    _, cap, sid = _entry(client, loaded)
    first = finalize(client, sid, cap).json()
    assert finalize(client, sid, cap).json()["id"] == first["id"]  # same version, same receipt
    assert patch(client, sid, cap, {"title": "Better title"}, 1).status_code == 200
    second = finalize(client, sid, cap).json()
    assert second["id"] != first["id"] and second["version"] == 2
    with new_session(loaded) as session:
        old = session.get(Receipt, first["id"])
        assert old is not None and old.superseded_at is not None
    assert (
        client.get(f"/api/v1/submissions/{sid}/receipt", headers=cap).json()["id"] == second["id"]
    )


def test_finalize_with_an_idempotency_key_replays(client: TestClient, loaded: Engine) -> None:
    _, cap, sid = _entry(client, loaded)
    first = finalize(client, sid, cap, **{"Idempotency-Key": "fin-1"})
    before = rows(loaded)
    again = finalize(client, sid, cap, **{"Idempotency-Key": "fin-1"})
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["Idempotent-Replayed"] == "true" and rows(loaded) == before


def test_required_fields_are_needed_to_finalize(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    sid = draft(client, form(client, cap)["id"], cap, title="Only a title")["id"]
    before = rows(loaded)
    response = finalize(client, sid, cap)
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"description", "video_url", "easy_to_extend"} <= fields and "title" not in fields
    assert "licence" not in fields  # the reuse fields are optional
    assert rows(loaded) == before


def test_the_deadline_to_the_second(client: TestClient, loaded: Engine, clock: FrozenClock) -> None:
    _, cap, sid = _entry(client, loaded)
    clock.set(DEADLINE - SECOND)
    assert finalize(client, sid, cap).status_code == 200
    assert patch(client, sid, cap, {"title": "Last second"}, 1).status_code == 200
    before = rows(loaded)
    for at in (DEADLINE, DEADLINE + SECOND):
        clock.set(at)
        late = finalize(client, sid, cap)
        assert late.status_code == 409
        assert late.headers["content-type"] == "application/problem+json"
        assert late.json()["detail"] == (
            "The deadline was 2025-12-01 20:00:00 UTC (2025-12-01 15:00:00 EST, America/Toronto)."
        )
        assert patch(client, sid, cap, {"title": "Too late"}, 2).status_code == 409
        assert client.post(f"/api/v1/submissions/{sid}/withdraw", headers=cap).status_code == 409
    assert rows(loaded) == before


def test_an_extension_moves_one_teams_deadline_only(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    team_a, cap_a, sid_a = _entry(client, loaded, "a@example.org")
    _, cap_b, sid_b = _entry(client, loaded, "b@example.org")
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    url = f"/api/v1/teams/{team_a}/extensions"
    before = rows(loaded)
    early = client.post(
        url, json={"until": "2025-12-01T19:00:00Z", "reason": "x"}, headers=organizer
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "until"
    no_reason = client.post(url, json={"until": "2025-12-01T21:00:00Z"}, headers=organizer)
    assert no_reason.status_code == 422
    by_participant = client.post(
        url, json={"until": "2025-12-01T21:00:00Z", "reason": "power cut"}, headers=cap_a
    )
    assert by_participant.status_code == 403
    assert rows(loaded) == before

    granted = client.post(
        url, json={"until": "2025-12-01T21:00:00Z", "reason": "power cut"}, headers=organizer
    )
    assert granted.status_code == 201, granted.text
    assert "submission.extension_granted" in audit_actions(loaded, f"team:{team_a}")
    clock.set(DEADLINE + SECOND)
    assert finalize(client, sid_a, cap_a).status_code == 200
    assert finalize(client, sid_b, cap_b).status_code == 409
    read = client.get(f"/api/v1/submissions/{sid_a}", headers=cap_a).json()
    assert read["deadline"].startswith("2025-12-01T21:00:00")
    clock.set(datetime(2025, 12, 1, 21, 0, tzinfo=UTC))
    assert finalize(client, sid_a, cap_a).status_code == 409


def test_two_members_finalizing_at_once_get_one_receipt(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    _, ana = person(loaded, "ana@example.org")
    team_id = team_of(client, loaded, cap, ("ana@example.org", ana))
    sid = draft(client, team_id, cap, **complete_answers())["id"]
    for _attempt in range(3):
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda h: finalize(client, sid, h), [cap, ana]))
        assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
        assert results[0].json()["id"] == results[1].json()["id"]
        assert results[0].json()["digest"] == results[1].json()["digest"]
    assert _receipts(loaded) == 1


def test_a_team_that_may_not_take_part_cannot_finalize(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org")
    _, bruno = person(loaded, "bruno@example.org", country="BR")
    team_id = team_of(client, loaded, cap, ("bruno@example.org", bruno))
    sid = draft(client, team_id, cap, **complete_answers())["id"]
    before = rows(loaded)
    refused = finalize(client, sid, cap)
    assert refused.status_code == 409 and "eligibility" in refused.json()["detail"]
    assert rows(loaded) == before


def test_a_withdrawn_entry_cannot_be_changed(client: TestClient, loaded: Engine) -> None:
    team_id, cap, sid = _entry(client, loaded)
    assert finalize(client, sid, cap).status_code == 200
    withdrawn = client.post(f"/api/v1/submissions/{sid}/withdraw", headers=cap)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["receipt_id"] is None
    before = rows(loaded)
    assert patch(client, sid, cap, {"title": "Back"}, 1).status_code == 409
    assert finalize(client, sid, cap).status_code == 409
    assert client.post(f"/api/v1/submissions/{sid}/withdraw", headers=cap).status_code == 409
    assert client.get(f"/api/v1/submissions/{sid}/receipt", headers=cap).status_code == 404
    assert rows(loaded) == before
    assert audit_actions(loaded, f"team:{team_id}")[-1] == "submission.withdrawn"
    # The problem statement is free again for a new entry.
    assert draft(client, team_id, cap)["id"] != sid


def test_an_entry_changed_since_finalized_says_so_until_finalized_again(
    client: TestClient, loaded: Engine
) -> None:
    _, cap, sid = _entry(client, loaded)
    assert finalize(client, sid, cap).status_code == 200
    read = client.get(f"/api/v1/submissions/{sid}", headers=cap).json()
    assert (read["status"], read["finalized_version"], read["version"]) == ("finalized", 1, 1)
    assert read["changed_since_finalized"] is False
    assert patch(client, sid, cap, {"title": "Revised"}, 1).status_code == 200
    read = client.get(f"/api/v1/submissions/{sid}", headers=cap).json()
    assert (read["status"], read["finalized_version"], read["version"]) == ("finalized", 1, 2)
    assert read["changed_since_finalized"] is True
    assert client.get(f"/api/v1/submissions/{sid}/receipt", headers=cap).json()["version"] == 1
    assert finalize(client, sid, cap).status_code == 200
    read = client.get(f"/api/v1/submissions/{sid}", headers=cap).json()
    assert (read["finalized_version"], read["changed_since_finalized"]) == (2, False)
    schema = client.get("/openapi.json").json()["components"]["schemas"]["SubmissionOut"]
    assert "changed_since_finalized" in schema["required"]
