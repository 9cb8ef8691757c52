"""Answers for the G7 form, and small calls of the submissions API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.db import new_session
from tests.teams.factories import Headers

CHALLENGE = "information-volume"
TABLES = (
    "submission",
    "submission_version",
    "submission_receipt",
    "deadline_extension",
    "idempotency_key",
    "audit_record",
)

LONG_FIELDS = [
    "description",
    "solution",
    "data_used",
    "bias",
    "data_protection",
    "impact",
    "responsible_ai",
    "explainability",
    "scalability",
    "accessibility",
    "implementation_effort",
    "human_centred_design",
    "documentation",
]


# The G7 impact questionnaire answered: a recommending system on personal information, with
# every safeguard (raw 11 of 26, mitigation 14 of 14 -> 9.35, 36 %: level II).
IMPACT_ANSWERS = {
    "decision_role": "recommends",
    "reversibility": "likely_reversible",
    "rights": "moderate",
    "vulnerable_people": "no",
    "scale": "many",
    "personal_information": "personal",
    "data_sources": "government",
    "explainability": "after_the_fact",
    "keeps_learning": "no",
    "consulted": "yes",
    "bias_testing": "yes",
    "human_review": "yes",
    "recourse": "yes",
    "audit_trail": "yes",
    "monitoring": "yes",
    "privacy_assessment": "yes",
}


def complete_answers(**changes: Any) -> dict[str, Any]:
    """Every required field of the G7 form, answered within its limits."""
    answers: dict[str, Any] = {
        "impact_assessment": dict(IMPACT_ANSWERS),
        "title": "Triage of public correspondence",
        "challenge": CHALLENGE,
        "video_url": "https://www.youtube.com/watch?v=abc123",
        "single_organization": False,
        "existing_systems": True,
        "easy_to_extend": True,
        **{name: f"A short answer about {name}." for name in LONG_FIELDS},
    }
    return {**answers, **changes}


def create(
    client: TestClient, team_id: int, headers: Headers, answers: dict[str, Any], **extra: str
) -> Any:
    return client.post(
        f"/api/v1/teams/{team_id}/submissions", json=answers, headers={**headers, **extra}
    )


def draft(client: TestClient, team_id: int, headers: Headers, **answers: Any) -> dict[str, Any]:
    response = create(client, team_id, headers, {"challenge": CHALLENGE, **answers})
    assert response.status_code == 201, response.text
    return dict(response.json())


def patch(
    client: TestClient, submission_id: int, headers: Headers, answers: dict[str, Any], version: Any
) -> Any:
    extra = {} if version is None else {"If-Match": str(version)}
    return client.patch(
        f"/api/v1/submissions/{submission_id}", json=answers, headers={**headers, **extra}
    )


def finalize(client: TestClient, submission_id: int, headers: Headers, **extra: str) -> Any:
    return client.post(
        f"/api/v1/submissions/{submission_id}/finalize", headers={**headers, **extra}
    )


def rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables this feature writes, to compare before and after a refusal."""
    with new_session(engine) as session:
        return {
            table: [
                tuple(row) for row in session.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            ]
            for table in TABLES
        }
