"""The algorithmic impact questionnaire through the API: the public questionnaire, answers
checked on every save, required at finalization, the level in the entry and frozen into the
receipt, and the report judges read, in both languages."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.vocabulary import Role
from tests.submissions.factories import (
    IMPACT_ANSWERS,
    complete_answers,
    draft,
    finalize,
    patch,
    rows,
)
from tests.teams.factories import form, person

URL = "/api/v1/competitions/g7-govai-2025/impact-assessment"


def _entry(client: TestClient, loaded: Engine, **answers: Any) -> tuple[dict[str, str], int]:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    return cap, draft(client, team_id, cap, **answers)["id"]


def test_the_questionnaire_is_public_in_both_languages(client: TestClient, loaded: Engine) -> None:
    english = client.get(URL).json()
    french = client.get(URL, headers={"Accept-Language": "fr"}).json()
    assert english["name"] == "Algorithmic impact assessment"
    assert french["name"] == "Évaluation de l'incidence algorithmique"
    assert [q["id"] for q in english["questions"]] == [q["id"] for q in french["questions"]]
    assert len(english["questions"]) == 16
    assert {q["kind"] for q in english["questions"]} == {"risk", "mitigation"}
    assert [(lv["name"], lv["up_to_percent"]) for lv in english["levels"]] == [
        ("I", 25), ("II", 50), ("III", 75), ("IV", None),
    ]  # fmt: skip
    assert "80%" in english["scoring"] and "80 %" in french["scoring"]
    assert french["levels"][0]["description"].startswith("Niveau I")


def test_answers_are_checked_on_every_save_and_a_refusal_changes_nothing(
    client: TestClient, loaded: Engine
) -> None:
    cap, sid = _entry(client, loaded)
    before = rows(loaded)
    bad = {"impact_assessment": {"decision_role": "sometimes", "mood": "yes"}}
    response = patch(client, sid, {**cap, "Accept-Language": "fr"}, bad, 1)
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["impact_assessment.mood"] == "Cette question ne fait pas partie du questionnaire."
    assert errors["impact_assessment.decision_role"].startswith("Choisissez parmi : assists,")
    not_an_object = patch(client, sid, cap, {"impact_assessment": ["recommends"]}, 1)
    assert not_an_object.status_code == 422
    assert not_an_object.json()["errors"][0]["field"] == "impact_assessment"
    assert rows(loaded) == before


def test_a_partial_questionnaire_has_no_level_and_blocks_finalizing(
    client: TestClient, loaded: Engine
) -> None:
    partial = {k: v for k, v in IMPACT_ANSWERS.items() if k != "recourse"}
    cap, sid = _entry(client, loaded, **complete_answers(impact_assessment=partial))
    entry = client.get(f"/api/v1/submissions/{sid}", headers=cap).json()
    assert entry["impact_assessment"]["level"] is None
    assert entry["impact_assessment"]["unanswered"] == ["recourse"]
    before = rows(loaded)
    refused = finalize(client, sid, cap)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["impact_assessment.recourse"]
    assert rows(loaded) == before


def test_the_level_travels_with_the_entry_into_the_receipt(
    client: TestClient, loaded: Engine
) -> None:
    cap, sid = _entry(client, loaded, **complete_answers())
    summary = client.get(f"/api/v1/submissions/{sid}", headers=cap).json()["impact_assessment"]
    assert summary == {
        "level": 2,
        "level_name": "II",
        "raw_score": 11,
        "max_raw_score": 26,
        "mitigation_score": 14,
        "max_mitigation_score": 14,
        "mitigation_applied": True,
        "current_score": "9.35",
        "unanswered": [],
    }
    receipt = finalize(client, sid, cap).json()
    assert receipt["snapshot"]["impact_assessment"] == summary
    canonical = json.dumps(
        receipt["snapshot"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == receipt["digest"]

    # Deciding alone (+2) without human review or recourse (10 of 14 mitigation points, under
    # 80 %): 13 of 26, exactly 50 %, still level II on its ceiling; a vulnerable public (+3)
    # makes 16 of 26, level III. Each save gives the level of its own answers.
    riskier = {**IMPACT_ANSWERS, "decision_role": "decides", "human_review": "no", "recourse": "no"}
    saved = patch(client, sid, cap, {"impact_assessment": riskier}, 1).json()["impact_assessment"]
    assert (saved["level_name"], saved["current_score"], saved["mitigation_applied"]) == (
        "II",
        "13",
        False,
    )
    riskier["vulnerable_people"] = "yes"
    saved = patch(client, sid, cap, {"impact_assessment": riskier}, 2).json()["impact_assessment"]
    assert (saved["level_name"], saved["current_score"]) == ("III", "16")


def test_the_report_judges_read_names_each_answer_in_the_readers_language(
    client: TestClient, loaded: Engine
) -> None:
    cap, sid = _entry(client, loaded, **complete_answers())
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    _, outsider = person(loaded, "out@example.org")
    url = f"/api/v1/submissions/{sid}/impact-assessment"
    report = client.get(url, headers={**organizer, "Accept-Language": "fr"}).json()
    assert report["level_name"] == "II" and report["level_text"].startswith("Niveau II")
    first = report["questions"][0]
    assert first["id"] == "decision_role" and first["answer"] == "recommends"
    assert first["answer_label"] == "Il recommande une décision qu'une personne examine"
    assert (first["points"], first["max_points"]) == (2, 4)
    assert client.get(url, headers=cap).json()["questions"][0]["area"] == "Decisions"
    assert client.get(url, headers=outsider).status_code == 404
