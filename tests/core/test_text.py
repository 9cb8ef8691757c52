"""Text a person typed: one line where one line is meant, valid Unicode everywhere, and e-mail
headers that no stored name can add to."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.db import new_session
from app.core.text import CONTROL_MULTI, CONTROL_SINGLE, SURROGATE, problem
from tests.submissions.factories import CHALLENGE, complete_answers, draft, finalize, rows
from tests.teams.factories import TEAMS, form, invite_code, person
from tests.web import Mailbox

INJECTION = "x\r\nBcc: v@evil.example"


def _teams(engine: Engine) -> list[tuple[Any, ...]]:
    with new_session(engine) as session:
        return [tuple(row) for row in session.execute(text("SELECT * FROM team ORDER BY id"))]


def _raw(client: TestClient, method: str, url: str, body: bytes, **headers: str) -> Any:
    """Send ``body`` as it is: a JSON text with escapes no Python string may hold as UTF-8."""
    return client.request(
        method, url, content=body, headers={"Content-Type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    ("value", "multi_line", "kind"),
    [
        ("Les Castors", False, None),
        ("x\r\nBcc: v@evil.example", False, CONTROL_SINGLE),
        ("tab\there", False, CONTROL_SINGLE),
        ("next\x85line", False, CONTROL_SINGLE),
        ("line\u2028separator", False, CONTROL_SINGLE),
        ("a\ud800b", False, SURROGATE),
        ("two\nlines\r\nand\ta tab", True, None),
        ("nul\x00byte", True, CONTROL_MULTI),
        ("bare\rreturn", True, CONTROL_MULTI),
        ("a\udfffb", True, SURROGATE),
    ],
)
def test_what_a_single_and_a_multi_line_text_may_hold(
    value: str, multi_line: bool, kind: str | None
) -> None:
    assert problem(value, multi_line=multi_line) == kind


def test_a_team_name_with_a_line_break_is_refused_naming_the_field(
    client: TestClient, loaded: Engine
) -> None:
    _, headers = person(loaded, "ada@example.org")
    refused = client.post(TEAMS, json={"name": INJECTION}, headers=headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["name"]
    assert "one line" in refused.json()["errors"][0]["message"]
    assert _teams(loaded) == []

    team_id = form(client, headers)["id"]
    before = _teams(loaded)
    renamed = client.patch(
        f"/api/v1/teams/{team_id}",
        json={"name": "Les\x00Castors"},
        headers={**headers, "Accept-Language": "fr"},
    )
    assert renamed.status_code == 422
    assert renamed.json()["errors"][0]["field"] == "name"
    assert "une seule ligne" in renamed.json()["errors"][0]["message"]
    assert _teams(loaded) == before


def test_mail_naming_a_team_stored_before_the_check_adds_no_header(
    mailbox: Mailbox, client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    with loaded.begin() as connection:  # as a name accepted before this check was stored
        connection.execute(text("UPDATE team SET name = :name"), {"name": INJECTION})

    invite_code(client, team_id, cap, "bea@example.org")
    invitation = mailbox.last_to("bea@example.org")
    assert invitation["Bcc"] is None
    assert invitation["Subject"] == "Join the team x Bcc: v@evil.example"

    sid = draft(client, team_id, cap, **complete_answers())["id"]
    assert finalize(client, sid, cap).status_code == 200
    receipt = mailbox.last_to("cap@example.org")
    assert receipt["Bcc"] is None and receipt["Subject"].startswith("Receipt for the entry of x ")
    assert all(m["To"] != "v@evil.example" for m in mailbox.messages)


def test_a_lone_surrogate_in_answers_is_refused_naming_the_field(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    before = rows(loaded)
    url = f"/api/v1/teams/{team_id}/submissions"
    body = f'{{"challenge": "{CHALLENGE}", "title": "a\\ud800b"}}'.encode()
    created = _raw(client, "POST", url, body, **cap)
    assert created.status_code == 422, created.text
    assert [e["field"] for e in created.json()["errors"]] == ["title"]
    assert "Unicode" in created.json()["errors"][0]["message"]
    assert rows(loaded) == before

    sid = draft(client, team_id, cap, title="Mine")["id"]
    before = rows(loaded)
    for answers, field in [
        ('{"title": "a\\ud800b"}', "title"),
        ('{"impact_assessment": {"scale": "\\udfff"}}', "impact_assessment"),
        ('{"ti\\ud800tle": "key"}', "ti\ufffd\ufffd\ufffdtle.[key]"),  # its UTF-8 bytes, replaced
    ]:
        url = f"/api/v1/submissions/{sid}"
        patched = _raw(client, "PATCH", url, answers.encode(), **cap, **{"If-Match": "1"})
        assert patched.status_code == 422, patched.text
        assert [e["field"] for e in patched.json()["errors"]] == [field]
        json.dumps(patched.json()).encode("utf-8")  # the answer itself is valid UTF-8
    assert rows(loaded) == before


def test_a_text_field_is_one_line_and_a_long_text_keeps_its_line_breaks(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    sid = draft(client, team_id, cap, title="Mine", description="Two\nlines\tand a tab")["id"]
    before = rows(loaded)
    url = f"/api/v1/submissions/{sid}"
    for answers, field in [
        ({"title": INJECTION}, "title"),
        ({"description": "a\x00b"}, "description"),
        ({"video_url": "https://www.youtube.com/watch?v=a\nb"}, "video_url"),
    ]:
        refused = client.patch(url, json=answers, headers={**cap, "If-Match": "1"})
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field], refused.text
    assert rows(loaded) == before
