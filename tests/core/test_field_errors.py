"""Field problems, one kind rendered one way: 422 problem+json whose ``errors`` name each field,
or the message beside the field on a page, translated whole into the caller's language.

The walk below sends bad payloads to the routes people type into most (profile, registration,
team creation, invitations, draft saves) in French, and refuses any message that is not one of
the French catalogue's strings or that carries pydantic's English.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.vocabulary import Role
from app.core.i18n import LOCALES_DIR
from tests.submissions.factories import CHALLENGE
from tests.teams.factories import G7, TEAMS, form, person
from tests.web import post_form

FRENCH = {"Accept-Language": "fr"}
# Pydantic's own English, as it leaked into French messages before.
ENGLISH = (
    "Value error",
    "value is not",
    "should be",
    "Input should",
    "at least",
    "at most",
    "character",
    "must not",
    "ISO 3166-1 alpha-2 country code",
    "'student'",
    " or ",
    "Field required",
    "Extra inputs",
)
ERROR_BESIDE_FIELD = re.compile(r'<p class="error-message" id="([\w.-]+)-error">(.*?)</p>', re.S)


@cache
def _french_strings() -> tuple[re.Pattern[str], ...]:
    """Every French string of the catalogue, its placeholders standing for any text."""
    with (LOCALES_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    strings: list[str] = []
    for message in catalog:
        if message.id and message.string:
            found = message.string
            strings += [found] if isinstance(found, str) else list(found)
    return tuple(
        re.compile(re.sub(r"%\\\(\w+\\\)[sd]", ".+", re.escape(s)) + r"\Z", re.S) for s in strings
    )


def assert_french(where: str, field: str, message: str) -> None:
    assert any(p.match(message) for p in _french_strings()), (
        f"{where} {field}: not a French catalogue string: {message!r}"
    )
    leaked = [fragment for fragment in ENGLISH if fragment in message]
    assert not leaked, f"{where} {field}: English {leaked} in {message!r}"


def problems(response: Any, where: str) -> list[tuple[str, str]]:
    assert response.status_code == 422, f"{where}: {response.status_code} {response.text}"
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/validation") and body["errors"], f"{where}: {body}"
    assert_french(where, "title", body["title"])
    assert_french(where, "detail", body["detail"])
    return [(error["field"], error["message"]) for error in body["errors"]]


PROFILE = {"name": "Ada", "preferred_language": "fr"}
BAD_PROFILES: list[dict[str, Any]] = [
    {**PROFILE, "name": "   "},
    {**PROFILE, "name": ""},
    {**PROFILE, "name": "x" * 201},
    {**PROFILE, "name": "Ada\nLovelace"},
    {**PROFILE, "name": 5},
    {"preferred_language": "fr"},
    {**PROFILE, "country_of_residence": "XX"},
    {**PROFILE, "sector": "chef"},
    {**PROFILE, "age_bracket": "old"},
    {**PROFILE, "preferred_language": "de"},
    {**PROFILE, "shoe_size": 42},
]
BAD_TEAMS: list[dict[str, Any]] = [
    {"name": "  "},
    {"name": ""},
    {"name": "x" * 121},
    {"name": ["Les Castors"]},
    {},
]
BAD_DRAFTS: list[dict[str, Any]] = [
    {"challenge": "no-such-challenge"},
    {"challenge": CHALLENGE, "title": "x" * 20_001},
    {"challenge": CHALLENGE, "video_url": "http://example.org/video"},
    {"challenge": CHALLENGE, "licence": "Beerware"},
    {"challenge": CHALLENGE, "no_such_field": "x"},
    {"challenge": CHALLENGE, "single_organization": "perhaps"},
    {"challenge": CHALLENGE, "impact_assessment": {"no_such_question": "x"}},
    {"title": "A draft without its problem statement"},
]


def test_the_api_answers_every_bad_payload_in_french(client: TestClient, loaded: Engine) -> None:
    _, ada = person(loaded, "ada@example.org", scopes=("profile", "participate"))
    _, olga = person(loaded, "olga@example.org", role=Role.ORGANIZER)
    ada, olga = {**ada, **FRENCH}, {**olga, **FRENCH}
    team_id = form(client, ada)["id"]
    sent: list[tuple[str, str, Any, dict[str, str]]] = [
        *[("PUT", "/api/v1/me/profile", body, ada) for body in BAD_PROFILES],
        *[("POST", TEAMS, body, ada) for body in BAD_TEAMS],
        *[("PATCH", f"/api/v1/teams/{team_id}", body, ada) for body in BAD_TEAMS[:3]],
        ("POST", f"/api/v1/teams/{team_id}/invitations", {"email": "not an address"}, ada),
        ("POST", f"/api/v1/teams/{team_id}/invitations", {}, ada),
        ("POST", f"/api/v1/competitions/{G7}/invitations", {"email": "j@x.org", "role": "x"}, olga),
        *[("POST", f"/api/v1/teams/{team_id}/submissions", body, ada) for body in BAD_DRAFTS],
        (
            "POST",
            f"/api/v1/teams/{team_id}/eligibility/overrides",
            {"rule_id": "age", "result": "maybe", "reason": "   "},
            olga,
        ),
    ]
    seen = 0
    for method, url, body, headers in sent:
        where = f"{method} {url} {body!r:.60}"
        response = client.request(method, url, json=body, headers=headers)
        for field, message in problems(response, where):
            assert_french(where, field, message)
            seen += 1
    assert seen >= len(sent)


def test_the_messages_read_as_a_french_speaker_writes_them(
    client: TestClient, loaded: Engine
) -> None:
    _, ada = person(loaded, "ada@example.org", scopes=("profile",))
    url, headers = "/api/v1/me/profile", {**ada, **FRENCH}

    def message(body: dict[str, Any]) -> str:
        [(_, said)] = problems(client.put(url, json=body, headers=headers), str(body))
        return said

    assert message({**PROFILE, "name": ""}) == "Utilisez au moins 1 caractère."
    assert message({**PROFILE, "name": "  "}) == "Ce champ ne peut pas être vide."
    sectors = message({**PROFILE, "sector": "chef"})
    assert sectors.startswith("Choisissez parmi : student, researcher, ")
    assert sectors.endswith(" civil-society, academia ou industry.")
    english = client.put(url, json={**PROFILE, "sector": "chef"}, headers=ada)
    assert english.json()["errors"][0]["message"].endswith("academia, or industry.")


def test_the_registration_page_says_it_beside_the_field_in_french(
    client: TestClient, loaded: Engine
) -> None:
    page = "/fr/account/register"
    good = {
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "password": "a long enough passphrase",
        "password_confirm": "a long enough passphrase",
    }
    for field, bad in [
        ("name", {"name": "   "}),
        ("email", {"email": "not an address"}),
        ("password", {"password": "short", "password_confirm": "short"}),
        ("password_confirm", {"password_confirm": "another long passphrase"}),
    ]:
        refused = post_form(client, page, {**good, **bad})
        assert refused.status_code == 422, refused.text
        [(beside, message)] = ERROR_BESIDE_FIELD.findall(refused.text)
        assert beside == field
        assert_french(page, field, html.unescape(message))
