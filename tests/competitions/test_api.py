"""The public read API, through the real application."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from tests.conftest import DURING_SPRINT, SMALL_COMPETITION, load

G7 = "/api/v1/competitions/g7-govai-2025"


def test_the_g7_competition_as_published(client: TestClient) -> None:
    body = client.get(G7).json()
    assert body["envelope"] == {"amount": 10000000, "currency": "CAD"}
    assert body["award_cap"] == {"amount": 1000000, "currency": "CAD"}
    assert body["submission_deadline"] == "2025-12-01T20:00:00Z"
    assert body["submission_deadline_local"] == "2025-12-01T15:00:00-05:00"
    assert len(body["challenges"]) == 4
    assert body["phase"] == {"id": "open", "label": "Open for submissions"}
    assert body["name"] == "G7 GovAI Grand Challenge 2025"


def test_french_by_accept_language_or_query(client: TestClient) -> None:
    by_header = client.get(G7, headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    by_query = client.get(G7 + "?lang=fr")
    for response in (by_header, by_query):
        body = response.json()
        assert body["name"] == "Grand Défi IAgouv du G7 2025"
        assert body["lang"] == "fr" and response.headers["content-language"] == "fr"
        assert body["challenges"][0]["title"] == "Gérer de grands volumes d'information"
        assert body["phase"]["label"] != "Open for submissions"


def test_an_unknown_language_falls_back_to_english(client: TestClient) -> None:
    response = client.get(G7 + "?lang=de", headers={"Accept-Language": "de-DE"})
    assert response.status_code == 200 and response.json()["lang"] == "en"


def test_an_unknown_slug_is_a_404_problem_in_the_callers_language(client: TestClient) -> None:
    response = client.get("/api/v1/competitions/nope", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/not-found") and problem["status"] == 404
    assert problem["title"] == "Introuvable"
    assert "nope" in problem["detail"]


def test_an_unknown_challenge_is_a_404(client: TestClient) -> None:
    response = client.get(G7 + "/challenges/nope")
    assert response.status_code == 404 and response.json()["detail"].startswith(
        "There is no problem"
    )


def test_an_unknown_route_is_a_problem_too(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here?lang=fr")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_invalid_pagination_is_a_422_problem_naming_the_field(client: TestClient) -> None:
    response = client.get("/api/v1/competitions?per_page=1000")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["per_page"]


def test_challenges_in_order_with_their_bodies(client: TestClient) -> None:
    page = client.get(G7 + "/challenges").json()
    assert page["total"] == 4 and [c["position"] for c in page["items"]] == [1, 2, 3, 4]
    one = client.get(G7 + "/challenges/information-volume?lang=fr").json()
    assert one["body"].startswith("## Le problème")


def test_events_in_time_order_with_eastern_times(client: TestClient) -> None:
    events = client.get(G7 + "/events").json()["items"]
    assert [e["slug"] for e in events] == ["launch", "expert-panel", "ask-me-anything"]
    assert events[0]["starts_at"] == "2025-11-17T14:00:00Z"
    assert events[0]["starts_at_local"] == "2025-11-17T09:00:00-05:00"
    assert events[2]["ends_at_local"] == "2025-11-25T10:30:00-05:00"
    assert not any(e["registration_required"] for e in events)


def test_the_ical_calendar(client: TestClient) -> None:
    response = client.get(G7 + "/events.ics?lang=fr")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    body = response.text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 3
    assert "DTSTART:20251119T160000Z" in body
    assert "Table ronde de spécialistes" in body.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_public_reads_carry_etag_and_cache_control(client: TestClient) -> None:
    first = client.get(G7)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=60"
    assert "Accept-Language" in first.headers["vary"]
    again = client.get(G7, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    french = client.get(G7 + "?lang=fr", headers={"If-None-Match": etag})
    assert french.status_code == 200 and french.headers["etag"] != etag


def test_the_phase_follows_the_injected_clock(client: TestClient, clock: FrozenClock) -> None:
    clock.set(DURING_SPRINT.replace(month=12, day=1, hour=19, minute=59, second=59))
    assert client.get(G7).json()["phase"]["id"] == "open"
    clock.advance(timedelta(seconds=1))
    assert client.get(G7).json()["phase"]["id"] == "closed"


def test_a_competition_in_draft_is_not_public(client: TestClient, clock: FrozenClock) -> None:
    clock.set(DURING_SPRINT.replace(month=10, day=1))
    assert client.get(G7).status_code == 404
    assert client.get("/api/v1/competitions").json()["total"] == 0


def test_listing_competitions(client: TestClient) -> None:
    page = client.get("/api/v1/competitions?page=1&per_page=1").json()
    assert page["total"] == 1 and page["items"][0]["slug"] == "g7-govai-2025"
    assert client.get("/api/v1/competitions?page=2&per_page=1").json()["items"] == []


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["migrations"] == "at head"


def test_audit_chain_is_public_and_verifiable(client: TestClient) -> None:
    verified = client.get("/api/v1/audit/verify").json()
    assert verified["valid"] and verified["records"] == 1
    records = client.get("/api/v1/audit?competition=g7-govai-2025").json()
    assert records["total"] == 1 and records["items"][0]["action"] == "catalogue.created"


def test_field_problems_are_in_the_callers_language(client: TestClient) -> None:
    response = client.get("/api/v1/competitions?per_page=1000&page=zero&lang=fr")
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages == {
        "per_page": "Entrez un nombre d’au plus 100.",
        "page": "Entrez un nombre entier.",
    }


def test_the_form_is_published_as_the_submission_service_checks_it(client: TestClient) -> None:
    form = client.get(G7 + "/form").json()
    fields = {f["id"]: f for f in form["fields"]}
    assert (form["competition"], form["lang"]) == ("g7-govai-2025", "en")
    assert fields["title"] == {
        "id": "title",
        "type": "text",
        "required": True,
        "label": "Title",
        "help": None,
        "max_words": 10,
        "allowed_hosts": None,
    }
    assert fields["challenge"]["type"] == "challenge"
    assert "youtu.be" in fields["video_url"]["allowed_hosts"]
    assert fields["repository_url"]["required"] is False
    assert {"consent_to_publish", "licence"} <= set(fields)  # the reuse fields every entry has
    assert form["attachments"] == {
        "max_bytes": 10485760,
        "max_files": 20,
        "max_total_bytes": 104857600,
        "types": ["pdf", "png", "jpeg", "zip"],
    }
    assert form["impact_assessment"] == "impact_assessment"
    french = client.get(G7 + "/form", headers={"Accept-Language": "fr"}).json()
    assert {f["id"]: f["label"] for f in french["fields"]}["challenge"] == "Problème choisi"


def test_the_rubric_is_published_in_both_languages(client: TestClient) -> None:
    rubric = client.get(G7 + "/rubric").json()
    assert (rubric["scale_min"], rubric["scale_max"]) == (1, 5)
    assert rubric["scale"][0] == {"score": 1, "label": "Not addressed"}
    assert [(c["id"], c["weight"]) for c in rubric["criteria"]] == [
        ("impact", 30),
        ("responsible-ai", 20),
        ("interoperability", 15),
        ("explainability", 15),
        ("scalability", 20),
    ]
    assert all(c["required"] for c in rubric["criteria"])
    assert rubric["judging"] == {
        "reviews_per_entry": 3,
        "max_entries_per_judge": None,
        "blind": False,
        "scores_visible_after_submitting": False,
        "pitch": {"mode": "pairwise", "finalists": 10},
    }
    french = client.get(G7 + "/rubric?lang=fr").json()
    assert french["scale"][4]["label"] == "Exceptionnel"
    assert french["criteria"][1]["name"] == "IA responsable"


def test_the_eligibility_rules_are_published_as_evaluated(client: TestClient) -> None:
    body = client.get(G7 + "/eligibility?lang=fr").json()
    assert body["lang"] == "fr" and len(body["country_sets"]["eu"]) == 27
    assert body["age_brackets"] == ["under-18", "18-29", "30-plus"]
    assert "public-servant" in body["sectors"]
    rules = {r["id"]: r for r in body["rules"]}
    assert list(rules) == [
        "residence-g7-eu",
        "primary-contact-adult",
        "team-size",
        "funding-agreement",
        "pool-18-29",
    ]
    size = rules["team-size"]["condition"]
    assert (size["attribute"], size["at_least"], size["at_most"]) == ("team_size", 1, 4)
    adult = rules["primary-contact-adult"]["condition"]["any"]
    assert (adult[0]["attribute"], adult[0]["at_least"]) == ("age", 18)
    assert rules["funding-agreement"]["explanation"].startswith("Pour recevoir du financement")


def test_the_form_rubric_and_rules_are_cached_and_404_for_an_unknown_competition(
    client: TestClient,
) -> None:
    for part in ("form", "rubric", "eligibility"):
        first = client.get(f"{G7}/{part}")
        assert first.headers["cache-control"] == "public, max-age=60"
        again = client.get(f"{G7}/{part}", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        missing = client.get(f"/api/v1/competitions/nope/{part}")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


def test_a_competition_written_from_data_only_publishes_its_form(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    load(loaded, SMALL_COMPETITION)
    clock.set(datetime(2026, 6, 14, 12, 0, tzinfo=UTC))  # open: before its deadline
    small = "/api/v1/competitions/hackqc-coeur-ia"
    form = client.get(small + "/form").json()
    assert form["competition"] == "hackqc-coeur-ia" and form["impact_assessment"] is None
    rules = client.get(small + "/eligibility").json()["rules"]
    assert [r["id"] for r in rules] == ["residence-canada", "team-size"]
    assert rules[1]["condition"]["at_most"] == 6
    assert client.get(small + "/rubric").status_code == 200
