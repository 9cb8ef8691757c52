"""Every route of the app, called as anonymous, participant, judge, organizer and admin.

The table is the specification of who may call what. A route that exists but is not in the
table fails ``test_the_table_lists_every_route``; a route that answers otherwise than the
table says fails ``test_route_answers_as_the_table_says``. API callers authenticate with
personal access tokens carrying every scope, so the roles alone decide.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.vocabulary import Role, Scope
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import make_engine, new_session
from app.core.routes import app_routes
from app.main import create_app
from tests.conftest import CATALOGUE, DURING_SPRINT, TEST_CLIENT_HOST, load
from tests.identity.factories import make_user

ACTORS = ("anonymous", "participant", "judge", "organizer", "admin")
G7 = "g7-govai-2025"


@dataclass(frozen=True)
class Call:
    path: str
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


def signed_in(status: int, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, **dict.fromkeys(ACTORS[1:], status)}


def staff(status: int, others: int = 403, anonymous: int = 401) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "participant": others,
        "judge": others,
        "organizer": status,
        "admin": status,
    }


def admin_only(status: int, others: int = 403, anonymous: int = 401) -> dict[str, int]:
    return {**signed_in(others, anonymous), "admin": status}


PROFILE = {
    "name": "Somebody",
    "preferred_language": "fr",
    "country_of_residence": "FR",
    "sector": "researcher",
    "organization": None,
    "age_bracket": "30-plus",
}

# (method, route path) -> (how to call it, expected status per actor)
TABLE: dict[tuple[str, str], tuple[Call, dict[str, int]]] = {
    ("GET", "/healthz"): (Call("/healthz"), everyone(200)),
    ("GET", "/readyz"): (Call("/readyz"), everyone(200)),
    ("GET", "/openapi.json"): (Call("/openapi.json"), everyone(200)),
    ("GET", "/docs"): (Call("/docs"), everyone(200)),
    ("GET", "/api/v1/competitions"): (Call("/api/v1/competitions"), everyone(200)),
    ("GET", "/api/v1/competitions/{slug}"): (Call(f"/api/v1/competitions/{G7}"), everyone(200)),
    ("GET", "/api/v1/competitions/{slug}/impact-assessment"): (
        Call(f"/api/v1/competitions/{G7}/impact-assessment"),
        everyone(200),
    ),
    ("GET", "/api/v1/competitions/{slug}/form"): (
        Call(f"/api/v1/competitions/{G7}/form"),
        everyone(200),
    ),
    ("GET", "/api/v1/competitions/{slug}/rubric"): (
        Call(f"/api/v1/competitions/{G7}/rubric"),
        everyone(200),
    ),
    ("GET", "/api/v1/competitions/{slug}/eligibility"): (
        Call(f"/api/v1/competitions/{G7}/eligibility"),
        everyone(200),
    ),
    ("GET", "/api/v1/competitions/{slug}/challenges"): (
        Call(f"/api/v1/competitions/{G7}/challenges"),
        everyone(200),
    ),
    ("GET", "/api/v1/competitions/{slug}/challenges/{challenge}"): (
        Call(f"/api/v1/competitions/{G7}/challenges/information-volume"),
        everyone(200),
    ),
    ("GET", "/api/v1/competitions/{slug}/events"): (
        Call(f"/api/v1/competitions/{G7}/events"),
        everyone(200),
    ),
    ("GET", "/api/v1/competitions/{slug}/events.ics"): (
        Call(f"/api/v1/competitions/{G7}/events.ics"),
        everyone(200),
    ),
    ("GET", "/api/v1/audit"): (Call("/api/v1/audit"), everyone(200)),
    ("GET", "/api/v1/audit/verify"): (Call("/api/v1/audit/verify"), everyone(200)),
    ("GET", "/api/v1/me"): (Call("/api/v1/me"), signed_in(200)),
    ("PUT", "/api/v1/me/profile"): (Call("/api/v1/me/profile", json=PROFILE), signed_in(200)),
    ("POST", "/api/v1/competitions/{slug}/phase"): (
        Call(f"/api/v1/competitions/{G7}/phase", json={"phase": "closed", "reason": "matrix"}),
        staff(200),
    ),
    ("POST", "/api/v1/competitions/{slug}/invitations"): (
        Call(
            f"/api/v1/competitions/{G7}/invitations",
            json={"email": "new.judge@example.org", "role": "judge"},
        ),
        staff(201),
    ),
    ("POST", "/api/v1/invitations/{code}/accept"): (
        Call("/api/v1/invitations/not-a-real-code/accept"),
        signed_in(404),
    ),
    ("GET", "/api/v1/admin/users"): (Call("/api/v1/admin/users"), admin_only(200)),
    ("POST", "/api/v1/admin/users/{user_id}/roles"): (
        Call("/api/v1/admin/users/1/roles", json={"role": "judge", "competition": G7}),
        admin_only(200),
    ),
    ("DELETE", "/api/v1/admin/users/{user_id}/roles"): (
        Call("/api/v1/admin/users/2/roles", params={"role": "judge", "competition": G7}),
        admin_only(200),
    ),
    ("POST", "/api/v1/admin/users/{user_id}/sessions/end"): (
        Call("/api/v1/admin/users/1/sessions/end"),
        admin_only(204),
    ),
    # Pages: public pages for everyone.
    ("GET", "/"): (Call("/"), everyone(303)),
    ("GET", "/{lang}/"): (Call("/en/"), everyone(200)),
    ("GET", "/{lang}/competitions/{slug}"): (Call(f"/fr/competitions/{G7}"), everyone(200)),
    ("GET", "/{lang}/competitions/{slug}/challenges/{challenge}"): (
        Call(f"/en/competitions/{G7}/challenges/information-volume"),
        everyone(200),
    ),
    ("GET", "/{lang}/competitions/{slug}/events"): (
        Call(f"/en/competitions/{G7}/events"),
        everyone(200),
    ),
    ("GET", "/{lang}/{rest:path}"): (Call("/en/no-such-page"), everyone(404)),
    # Account pages. Forms that change something need the page's CSRF form token, which these
    # calls do not carry: refused (403), nothing changed. Pages for the signed-in send
    # anonymous visitors to sign in (303).
    ("GET", "/{lang}/account/sign-in"): (
        Call("/en/account/sign-in"),
        signed_in(303, anonymous=200),
    ),
    ("POST", "/{lang}/account/sign-in"): (Call("/en/account/sign-in", data={}), everyone(403)),
    ("GET", "/{lang}/account/sign-in/oidc"): (Call("/en/account/sign-in/oidc"), everyone(303)),
    ("GET", "/auth/oidc/callback"): (Call("/auth/oidc/callback"), everyone(303)),
    ("POST", "/{lang}/account/sign-out"): (Call("/en/account/sign-out", data={}), everyone(403)),
    ("POST", "/{lang}/account/sign-out-everywhere"): (
        Call("/en/account/sign-out-everywhere", data={}),
        signed_in(403, anonymous=303),
    ),
    ("GET", "/{lang}/account/register"): (Call("/fr/account/register"), everyone(200)),
    ("POST", "/{lang}/account/register"): (Call("/fr/account/register", data={}), everyone(403)),
    ("GET", "/{lang}/account/verify"): (Call("/en/account/verify"), everyone(200)),
    ("POST", "/{lang}/account/verify"): (Call("/en/account/verify", data={}), everyone(403)),
    ("GET", "/{lang}/account/forgot-password"): (
        Call("/en/account/forgot-password"),
        everyone(200),
    ),
    ("POST", "/{lang}/account/forgot-password"): (
        Call("/en/account/forgot-password", data={}),
        everyone(403),
    ),
    ("GET", "/{lang}/account/reset-password"): (Call("/en/account/reset-password"), everyone(400)),
    ("POST", "/{lang}/account/reset-password"): (
        Call("/en/account/reset-password", data={}),
        everyone(403),
    ),
    ("GET", "/{lang}/account/password"): (
        Call("/en/account/password"),
        signed_in(200, anonymous=303),
    ),
    ("POST", "/{lang}/account/password"): (
        Call("/en/account/password", data={}),
        signed_in(403, anonymous=303),
    ),
    ("GET", "/{lang}/account/profile"): (
        Call("/fr/account/profile"),
        signed_in(200, anonymous=303),
    ),
    ("POST", "/{lang}/account/profile"): (
        Call("/fr/account/profile", data={}),
        signed_in(403, anonymous=303),
    ),
    ("GET", "/{lang}/account/tokens"): (Call("/en/account/tokens"), signed_in(200, anonymous=303)),
    ("POST", "/{lang}/account/tokens"): (
        Call("/en/account/tokens", data={}),
        signed_in(403, anonymous=303),
    ),
    ("POST", "/{lang}/account/tokens/{token_id}/revoke"): (
        Call("/en/account/tokens/1/revoke", data={}),
        signed_in(403, anonymous=303),
    ),
    ("GET", "/{lang}/admin/users"): (Call("/en/admin/users"), admin_only(200, anonymous=303)),
    ("POST", "/{lang}/admin/users/{user_id}/roles"): (
        Call("/en/admin/users/1/roles", data={}),
        signed_in(403, anonymous=303),
    ),
    ("POST", "/{lang}/admin/users/{user_id}/roles/revoke"): (
        Call("/en/admin/users/1/roles/revoke", data={}),
        signed_in(403, anonymous=303),
    ),
    ("POST", "/{lang}/admin/users/{user_id}/sessions/end"): (
        Call("/en/admin/users/1/sessions/end", data={}),
        signed_in(403, anonymous=303),
    ),
    ("GET", "/{lang}/invitations/{code}"): (
        Call("/en/invitations/no-such-code"),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/invitations/{code}"): (
        Call("/en/invitations/no-such-code", data={}),
        signed_in(403, anonymous=303),
    ),
    ("GET", "/{lang}/teams/join/{code}"): (
        Call("/en/teams/join/no-such-code"),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/teams/join/{code}"): (
        Call("/en/teams/join/no-such-code", data={}),
        signed_in(403, anonymous=303),
    ),
    # Team pages: forming a team needs the form token; a team nobody can see is the 404 page.
    ("GET", "/{lang}/competitions/{slug}/team"): (
        Call(f"/en/competitions/{G7}/team"),
        signed_in(200, anonymous=303),
    ),
    ("POST", "/{lang}/competitions/{slug}/team"): (
        Call(f"/en/competitions/{G7}/team", data={"name": "Matrix"}),
        signed_in(403, anonymous=303),
    ),
    ("GET", "/{lang}/teams/{team_id:int}"): (Call("/en/teams/999"), signed_in(404, anonymous=303)),
    ("POST", "/{lang}/teams/{team_id:int}/invitations"): (
        Call("/en/teams/999/invitations", data={"email": "x@example.org"}),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/teams/{team_id:int}/leave"): (
        Call("/en/teams/999/leave", data={}),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/teams/{team_id:int}/members/{user_id:int}/remove"): (
        Call("/en/teams/999/members/1/remove", data={}),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/teams/{team_id:int}/captain"): (
        Call("/en/teams/999/captain", data={"user_id": "1"}),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/teams/{team_id:int}/declarations"): (
        Call("/en/teams/999/declarations", data={"funding_attestation": "yes"}),
        signed_in(404, anonymous=303),
    ),
    # Submission pages (frontend/submissions): the entry's team and organizers only, else 404.
    ("GET", "/{lang}/teams/{team_id:int}/submissions/new"): (
        Call("/en/teams/999/submissions/new"),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/teams/{team_id:int}/submissions/new"): (
        Call("/en/teams/999/submissions/new", data={}),
        signed_in(404, anonymous=303),
    ),
    ("GET", "/{lang}/submissions/{submission_id:int}"): (
        Call("/en/submissions/999"),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/submissions/{submission_id:int}"): (
        Call("/en/submissions/999", data={}),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/submissions/{submission_id:int}/attachments"): (
        Call("/en/submissions/999/attachments", data={}),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/submissions/{submission_id:int}/attachments/{attachment_id:int}/remove"): (
        Call("/en/submissions/999/attachments/1/remove", data={}),
        signed_in(404, anonymous=303),
    ),
    ("GET", "/{lang}/submissions/{submission_id:int}/review"): (
        Call("/en/submissions/999/review"),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/submissions/{submission_id:int}/finalize"): (
        Call("/en/submissions/999/finalize", data={}),
        signed_in(404, anonymous=303),
    ),
    ("POST", "/{lang}/submissions/{submission_id:int}/withdraw"): (
        Call("/en/submissions/999/withdraw", data={}),
        signed_in(404, anonymous=303),
    ),
    ("GET", "/{lang}/submissions/{submission_id:int}/receipt"): (
        Call("/en/submissions/999/receipt"),
        signed_in(404, anonymous=303),
    ),
    # The OAuth 2 authorization server: protocol endpoints answer RFC 6749 errors.
    ("GET", "/.well-known/oauth-authorization-server"): (
        Call("/.well-known/oauth-authorization-server"),
        everyone(200),
    ),
    ("GET", "/oauth/jwks"): (Call("/oauth/jwks"), everyone(200)),
    ("GET", "/oauth/authorize"): (Call("/oauth/authorize"), everyone(303)),
    ("POST", "/oauth/authorize"): (Call("/oauth/authorize", data={}), everyone(303)),
    ("POST", "/oauth/token"): (Call("/oauth/token", data={}), everyone(400)),
    ("POST", "/oauth/revoke"): (Call("/oauth/revoke", data={"token": "x"}), everyone(401)),
    ("GET", "/api/v1/me/tokens"): (Call("/api/v1/me/tokens"), signed_in(200)),
    ("POST", "/api/v1/me/tokens"): (
        Call("/api/v1/me/tokens", json={"name": "ci", "scopes": ["read"], "expires_in_days": 7}),
        signed_in(201),
    ),
    ("DELETE", "/api/v1/me/tokens/{token_id}"): (Call("/api/v1/me/tokens/999"), signed_in(404)),
    ("GET", "/api/v1/oauth/clients"): (Call("/api/v1/oauth/clients"), admin_only(200)),
    ("POST", "/api/v1/oauth/clients"): (
        Call(
            "/api/v1/oauth/clients",
            json={
                "name": "Reporting",
                "grant_type": "client_credentials",
                "scopes": ["read"],
                "roles": [{"role": "organizer", "competition": "g7-govai-2025"}],
            },
        ),
        admin_only(201),
    ),
    ("DELETE", "/api/v1/oauth/clients/{client_id}"): (
        Call("/api/v1/oauth/clients/no-such-client"),
        admin_only(404),
    ),
    # Teams: anyone signed in is a participant and may form a team, except the competition's
    # judges and organizers (staff do not compete: 409); no team 999 exists, and a team that
    # is not one's own does not exist either.
    ("POST", "/api/v1/competitions/{slug}/teams"): (
        Call(f"/api/v1/competitions/{G7}/teams", json={"name": "Matrix"}),
        {**signed_in(201), "judge": 409, "organizer": 409},
    ),
    ("GET", "/api/v1/teams/{team_id}"): (Call("/api/v1/teams/999"), signed_in(404)),
    ("PATCH", "/api/v1/teams/{team_id}"): (
        Call("/api/v1/teams/999", json={"funding_attestation": True}),
        signed_in(404),
    ),
    ("POST", "/api/v1/teams/{team_id}/invitations"): (
        Call("/api/v1/teams/999/invitations", json={"email": "x@example.org"}),
        signed_in(404),
    ),
    ("POST", "/api/v1/team-invitations/{code}/accept"): (
        Call("/api/v1/team-invitations/no-such-code/accept"),
        signed_in(404),
    ),
    ("POST", "/api/v1/teams/{team_id}/leave"): (Call("/api/v1/teams/999/leave"), signed_in(404)),
    ("DELETE", "/api/v1/teams/{team_id}/members/{user_id}"): (
        Call("/api/v1/teams/999/members/1"),
        signed_in(404),
    ),
    ("POST", "/api/v1/teams/{team_id}/captain"): (
        Call("/api/v1/teams/999/captain", json={"user_id": 1}),
        signed_in(404),
    ),
    ("GET", "/api/v1/teams/{team_id}/eligibility"): (
        Call("/api/v1/teams/999/eligibility"),
        signed_in(404),
    ),
    ("GET", "/api/v1/teams/{team_id}/submissions"): (
        Call("/api/v1/teams/999/submissions"),
        signed_in(404),
    ),
    ("POST", "/api/v1/teams/{team_id}/eligibility/overrides"): (
        Call(
            "/api/v1/teams/999/eligibility/overrides",
            json={"rule_id": "team-size", "result": "pass", "reason": "matrix"},
        ),
        staff(404),
    ),
    # Submissions: no submission or team 999 exists; one not one's own does not exist either.
    ("POST", "/api/v1/teams/{team_id}/submissions"): (
        Call("/api/v1/teams/999/submissions", json={"challenge": "information-volume"}),
        signed_in(404),
    ),
    ("GET", "/api/v1/submissions/{submission_id}"): (
        Call("/api/v1/submissions/999"),
        signed_in(404),
    ),
    ("PATCH", "/api/v1/submissions/{submission_id}"): (
        Call("/api/v1/submissions/999", json={"title": "Matrix"}),
        signed_in(404),
    ),
    ("GET", "/api/v1/submissions/{submission_id}/impact-assessment"): (
        Call("/api/v1/submissions/999/impact-assessment"),
        signed_in(404),
    ),
    ("GET", "/api/v1/submissions/{submission_id}/versions"): (
        Call("/api/v1/submissions/999/versions"),
        signed_in(404),
    ),
    ("POST", "/api/v1/submissions/{submission_id}/finalize"): (
        Call("/api/v1/submissions/999/finalize"),
        signed_in(404),
    ),
    ("GET", "/api/v1/submissions/{submission_id}/receipt"): (
        Call("/api/v1/submissions/999/receipt"),
        signed_in(404),
    ),
    ("POST", "/api/v1/submissions/{submission_id}/withdraw"): (
        Call("/api/v1/submissions/999/withdraw"),
        signed_in(404),
    ),
    ("GET", "/api/v1/submissions/{submission_id}/attachments"): (
        Call("/api/v1/submissions/999/attachments"),
        signed_in(404),
    ),
    ("POST", "/api/v1/submissions/{submission_id}/attachments"): (
        Call(
            "/api/v1/submissions/999/attachments",
            files={"file": ("matrix.pdf", b"%PDF-1.7 matrix", "application/pdf")},
        ),
        signed_in(404),
    ),
    ("DELETE", "/api/v1/submissions/{submission_id}/attachments/{attachment_id}"): (
        Call("/api/v1/submissions/999/attachments/1"),
        signed_in(404),
    ),
    ("POST", "/api/v1/teams/{team_id}/extensions"): (
        Call(
            "/api/v1/teams/999/extensions",
            json={"until": "2025-12-02T00:00:00Z", "reason": "matrix"},
        ),
        staff(404),
    ),
}
# Served files, not handlers: nothing to authorize.
NOT_ROUTES = {"/static"}


def all_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, including those of included routers."""
    found: set[tuple[str, str]] = set()
    for route in app_routes(app):
        if route.methods:
            found.update((m, route.path) for m in route.methods - {"HEAD"})
        else:
            assert route.path in NOT_ROUTES, f"unexpected mount {route.path}"
    return found


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A database with the catalogue and one person per role, built once for the module."""
    folder = tmp_path_factory.mktemp("matrix")
    shutil.copyfile(sqlite_template, folder / "db.sqlite3")
    engine = make_engine(_settings(folder))
    load(engine, CATALOGUE)
    make_user(engine, "participant@example.org")
    make_user(engine, "judge@example.org", role=Role.JUDGE)
    make_user(engine, "organizer@example.org", role=Role.ORGANIZER)
    make_user(engine, "admin@example.org", role=Role.ADMIN)
    engine.dispose()
    return folder / "db.sqlite3"


def _settings(folder: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=folder,
        database_url=f"sqlite:///{folder}/db.sqlite3",
        catalogue_dir=CATALOGUE,
        secret_key="matrix",
        allowed_hosts=TEST_CLIENT_HOST,
    )


@contextmanager
def _serving(
    folder: Path, template_db: Path
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """The app over a copy of the template database, with a token of every scope per person."""
    from app.identity import service
    from app.oauth.personal_tokens import issue_personal_token

    shutil.copyfile(template_db, folder / "db.sqlite3")
    settings = _settings(folder)
    engine = make_engine(settings)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with new_session(engine, write=True) as session, session.begin():
        for who in ACTORS[1:]:
            user = service.get_user_by_email(session, email=f"{who}@example.org")
            assert user is not None
            _, secret = issue_personal_token(
                session,
                actor="test",
                user=user,
                name="matrix",
                scopes=[s.value for s in Scope],
                expires_in_days=30,
                now=DURING_SPRINT,
            )
            headers[who] = {"Authorization": f"Bearer {secret}"}
    engine.dispose()
    app = create_app(settings, FrozenClock(DURING_SPRINT))
    with TestClient(app, follow_redirects=False) as client:
        yield client, headers


@pytest.fixture(scope="module")
def shared_app(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """For calls that change nothing: reads, and refusals."""
    with _serving(tmp_path_factory.mktemp("shared"), template_db) as served:
        yield served


@pytest.fixture
def fresh_app(
    tmp_path: Path, template_db: Path
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    """For calls that succeed in changing something: a database of their own."""
    with _serving(tmp_path, template_db) as served:
        yield served


def test_the_table_lists_every_route() -> None:
    routes = all_routes(create_app(_settings(Path("/nonexistent"))))
    assert routes - set(TABLE) == set(), "routes missing from the authorization table"
    assert set(TABLE) - routes == set(), "the table lists routes that do not exist"


def test_every_api_route_declares_who_may_call_it() -> None:
    schema = create_app(_settings(Path("/nonexistent"))).openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "x-access" in operation, f"{method.upper()} {path} declares no x-access"


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("route", sorted(TABLE), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_as_the_table_says(
    request: pytest.FixtureRequest, route: tuple[str, str], who: str
) -> None:
    call, expected = TABLE[route]
    changes_state = route[0] != "GET" and expected[who] < 400
    client, headers = request.getfixturevalue("fresh_app" if changes_state else "shared_app")
    response = client.request(
        route[0],
        call.path,
        json=call.json,
        params=call.params,
        data=call.data,
        files=call.files,
        headers=headers[who],
    )
    assert response.status_code == expected[who], response.text[:300]
