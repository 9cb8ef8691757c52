"""What a request's body is sent as: a JSON route refuses any other type with 415 (ASVS 13.1.5,
13.2.5), before anything else is read or changed; forms and uploads keep their own rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.teams.factories import person

NOT_JSON = (
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "application/xml"},
    {"Content-Type": "application/jsonp"},
    {},  # no type at all
)
PROFILE = {"name": "Ada", "preferred_language": "fr", "country_of_residence": "CA"}


def _json_body_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every operation of the OpenAPI whose body is JSON, its path parameters filled in."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), re.sub(r"\{slug\}", "g7-govai-2025", re.sub(r"\{\w+_id\}", "1", path)))
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


def _assert_415(response: Any, lang: str = "en") -> None:
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/unsupported-media-type")
    assert "application/json" in problem["detail"]
    title = {"en": "Unsupported media type", "fr": "Type de média non pris en charge"}[lang]
    assert problem["title"] == title


@pytest.mark.parametrize("headers", NOT_JSON, ids=lambda h: h.get("Content-Type", "none"))
def test_every_json_route_refuses_another_body_type_with_415(
    client: TestClient, headers: dict[str, str]
) -> None:
    routes = _json_body_routes(client)
    assert len(routes) >= 14  # profile, teams, submissions, tokens, …: the walk is not empty
    for method, path in routes:
        _assert_415(client.request(method, path, content=b'{"name": "x"}', headers=headers))


def test_json_routes_declare_their_415(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for operations in paths.values():
        for operation in operations.values():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                content = operation["responses"]["415"]["content"]
                assert list(content) == ["application/problem+json"]


def test_the_refusal_is_in_french_and_changes_nothing(client: TestClient, loaded: Engine) -> None:
    _, headers = person(loaded, "ada@example.org", scopes=("profile",))
    before = client.get("/api/v1/me", headers=headers).json()
    body = b'{"name": "Someone else", "preferred_language": "fr", "country_of_residence": "FR"}'
    refused = client.put(
        "/api/v1/me/profile",
        content=body,
        headers={**headers, "Content-Type": "text/plain", "Accept-Language": "fr"},
    )
    _assert_415(refused, "fr")
    assert "application/json" in refused.json()["detail"] and "Envoyez" in refused.json()["detail"]
    assert client.get("/api/v1/me", headers=headers).json() == before


JSON_TYPES = ("application/json", "application/json; charset=utf-8", "Application/JSON")


@pytest.mark.parametrize("content_type", [*JSON_TYPES, "application/merge-patch+json"])
def test_json_and_plus_json_types_are_read(
    client: TestClient, loaded: Engine, content_type: str
) -> None:
    _, headers = person(loaded, "ada@example.org", scopes=("profile",))
    saved = client.put(
        "/api/v1/me/profile",
        content=b'{"name": "Ada L", "preferred_language": "fr", "country_of_residence": "CA"}',
        headers={**headers, "Content-Type": content_type},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["name"] == "Ada L"


def test_bodiless_forms_and_uploads_keep_their_own_rules(client: TestClient) -> None:
    # A JSON route without a body still says which fields it needs.
    empty = client.put("/api/v1/me/profile", headers={"Content-Type": "text/plain"})
    assert empty.status_code in (401, 422), empty.text
    # OAuth's token endpoint reads a form: its own error, never a 415.
    token = client.post("/oauth/token", data={"grant_type": "nonsense"})
    assert token.status_code == 400 and token.json()["error"] == "unsupported_grant_type"
    # The multipart upload route answers by its own rules (sign-in first), not this one.
    upload = client.post(
        "/api/v1/submissions/1/attachments",
        content=b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert upload.status_code == 401, upload.text
    # Pages' forms: the sign-in form still answers with its page (CSRF refusal), not a 415.
    page = client.post("/en/account/sign-in", data={"email": "a@example.org"})
    assert page.status_code != 415 and page.headers["content-type"].startswith("text/html")


G7 = "/api/v1/competitions/g7-govai-2025"
ANSWERS = (
    ("GET", "/en/"),
    ("GET", "/fr/competitions/g7-govai-2025"),
    ("GET", "/en/account/sign-in"),
    ("GET", "/en/no-such-page"),  # the 404 page
    ("DELETE", "/en/"),  # a page's 405
    ("GET", "/docs"),
    ("GET", f"{G7}/events.ics"),
    ("GET", "/api/v1/no-such-thing"),  # a 404 in problem+json
    ("DELETE", G7),  # a 405
    ("PUT", "/api/v1/me/profile"),  # a 401
    ("POST", "/oauth/token"),  # OAuth's own JSON error
    ("GET", "/static/site.css"),
    ("GET", "/static/entry.js"),
    ("GET", "/static/gcds/gcds.css"),
    ("GET", "/static/gcds/gcds.esm.js"),
    ("GET", "/static/swagger-ui/favicon-32x32.png"),
)


def _assert_typed(response: Any) -> None:
    """A response with a body says its type; a text type (and XML) says it is UTF-8."""
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    if not response.content:
        return  # a redirect or a 304 carries nothing to type
    media, *parameters = response.headers.get("content-type", "").split(";")
    assert media.strip(), f"{where} has no Content-Type"
    charset = [p.strip().lower() for p in parameters if p.strip().lower().startswith("charset=")]
    if media.startswith("text/") or media.endswith("xml"):
        assert charset == ["charset=utf-8"], f"{where}: {response.headers['content-type']}"
    else:
        assert charset in ([], ["charset=utf-8"]), where


def test_every_answer_says_its_type_and_text_says_utf_8(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    plain_gets = [("GET", path) for path, ops in paths.items() if "get" in ops and "{" not in path]
    filled = [
        ("GET", path.replace("{slug}", "g7-govai-2025"))
        for path, ops in paths.items()
        if "get" in ops and re.fullmatch(r"[^{]*(\{slug\}[^{]*)?", path)
    ]
    assert len(filled) > len(plain_gets) > 10
    for method, path in (*ANSWERS, *filled):
        response = client.request(method, path)
        assert response.status_code < 500, f"{method} {path}: {response.text}"
        _assert_typed(response)
    _assert_typed(client.put("/api/v1/me/profile", content=b"x", headers={"Content-Type": "a/b"}))
