"""The eligibility panel over the API: residence, the 18-29 pool, funding, overrides."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.vocabulary import Role
from tests.teams.factories import audit_actions, form, person, team_of


def _eligibility(
    client: TestClient, team_id: int, headers: dict[str, str], lang: str = "en"
) -> Any:
    response = client.get(f"/api/v1/teams/{team_id}/eligibility?lang={lang}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _rule(result: Any, rule_id: str) -> Any:
    return next(rule for rule in result["rules"] if rule["id"] == rule_id)


def test_a_member_outside_the_g7_and_eu_blocks_taking_part(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org", country="FR")
    bruno, bruno_h = person(loaded, "bruno@example.org", country="BR")
    team_id = team_of(client, loaded, cap, ("bruno@example.org", bruno_h))

    result = _eligibility(client, team_id, cap)
    residence = _rule(result, "residence-g7-eu")
    assert residence["result"] == "fail" and residence["level"] == "participation"
    outcomes = {m["user_id"]: m["result"] for m in residence["members"]}
    assert outcomes[bruno] == "fail" and sorted(outcomes.values()) == ["fail", "pass"]
    assert result["summary"]["may_participate"] is False
    assert result["summary"]["recognition_only"] is False

    assert client.delete(f"/api/v1/teams/{team_id}/members/{bruno}", headers=cap).status_code == 200
    assert _eligibility(client, team_id, cap)["summary"]["may_participate"] is True


def test_recognition_only_until_the_funding_attestation(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org", country="JP", age="18-29")
    team_id = form(client, cap)["id"]

    before = _eligibility(client, team_id, cap, lang="fr")
    assert before["summary"] == {
        "may_participate": True,
        "may_receive_funding": False,
        "recognition_only": True,
        "flags": ["pool-18-29"],
    }
    assert _rule(before, "funding-agreement")["explanation"].startswith("Pour recevoir")

    attested = client.patch(
        f"/api/v1/teams/{team_id}", json={"funding_attestation": True}, headers=cap
    )
    assert attested.status_code == 200
    after = _eligibility(client, team_id, cap)["summary"]
    assert after["may_receive_funding"] is True and after["recognition_only"] is False
    assert "team.updated" in audit_actions(loaded, f"team:{team_id}")


def test_the_pool_flag_needs_the_18_29_bracket(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org", age="30-plus")
    team_id = form(client, cap)["id"]
    result = _eligibility(client, team_id, cap)
    assert result["summary"]["flags"] == [] and _rule(result, "pool-18-29")["result"] == "fail"


def test_a_minor_captain_needs_a_named_guardian(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org", age="under-18")
    team_id = form(client, cap)["id"]
    assert _rule(_eligibility(client, team_id, cap), "primary-contact-adult")["result"] == "fail"
    client.patch(f"/api/v1/teams/{team_id}", json={"guardian_name": "Parent"}, headers=cap)
    assert _rule(_eligibility(client, team_id, cap), "primary-contact-adult")["result"] == "pass"


def test_an_incomplete_profile_is_unknown_and_asks_for_it(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org", country=None, age=None)
    team_id = form(client, cap)["id"]
    result = _eligibility(client, team_id, cap, lang="fr")
    residence = _rule(result, "residence-g7-eu")
    assert residence["result"] == "unknown" and "profil" in residence["reason"]
    assert result["summary"]["may_participate"] is False


def test_an_organizer_overrides_a_rule_with_a_reason(client: TestClient, loaded: Engine) -> None:
    _, cap = person(loaded, "cap@example.org", country="BR")
    organizer_id, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    team_id = form(client, cap)["id"]
    url = f"/api/v1/teams/{team_id}/eligibility/overrides"
    body = {"rule_id": "residence-g7-eu", "result": "pass", "reason": "Dual citizen: CA"}

    assert client.post(url, json=body, headers=cap).status_code == 403
    assert client.post(url, json={**body, "reason": "  "}, headers=organizer).status_code == 422
    unknown = client.post(url, json={**body, "rule_id": "nope"}, headers=organizer)
    assert unknown.status_code == 400
    assert "eligibility.overridden" not in audit_actions(loaded, f"team:{team_id}")

    done = client.post(url, json=body, headers=organizer)
    assert done.status_code == 200, done.text
    residence = _rule(done.json(), "residence-g7-eu")
    assert residence["result"] == "pass" and residence["computed_result"] == "fail"
    assert residence["override"]["reason"] == "Dual citizen: CA"
    assert residence["override"]["by"] == f"user:{organizer_id}"
    assert _eligibility(client, team_id, cap)["summary"]["may_participate"] is True
    assert audit_actions(loaded, f"team:{team_id}")[-1] == "eligibility.overridden"


def test_the_team_size_rule_from_competition_yaml_stays_in_the_report(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org", country="CA", age="30-plus")
    team_id = form(client, cap)["id"]
    result = _eligibility(client, team_id, cap, lang="fr")
    assert [rule["id"] for rule in result["rules"]] == [
        "residence-g7-eu",
        "primary-contact-adult",
        "team-size",
        "funding-agreement",
        "pool-18-29",
    ]
    size = _rule(result, "team-size")
    assert (size["level"], size["result"]) == ("participation", "pass")
    assert size["explanation"].startswith("Une équipe compte de 1 à 4 personnes")
