"""Every page POST, sent by a signed-in person with real ids but without the page's CSRF token
(or with another session's), is refused with 403 and changes nothing.

The routes are read from the app, not listed here: a page form added tomorrow is covered
without anyone remembering it. Each is called by a person the page would otherwise serve (the
team's captain, the entry's author, an admin on the admin pages), so that it is the token,
and nothing before it, that refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import SQLModel, select

from app.access.vocabulary import Role
from app.audit import service as audit
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import SessionDep, new_session
from app.core.errors import BadRequest
from app.identity import service as identity
from app.identity.models import User
from app.main import create_app
from app.oauth.personal_tokens import issue_personal_token
from frontend.accounts.common import page_router, see_other
from frontend.pages import PageRoute
from tests.conftest import DURING_SPRINT
from tests.submissions.factories import draft
from tests.teams.factories import G7, Headers, form, invite_code, join, person
from tests.web import Mailbox, csrf_of, path_of, signed_up

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def page_posts(app: FastAPI) -> list[str]:
    """The path of every page route that accepts POST, included routers' too."""
    found: list[str] = []

    def visit(route: Any) -> None:
        if hasattr(route, "effective_route_contexts"):  # a router included by FastAPI
            for context in route.effective_route_contexts():
                visit(context.original_route)
        elif isinstance(route, PageRoute) and "POST" in route.methods:
            found.append(route.path)

    for route in app.router.routes:
        visit(route)
    return sorted(set(found))


def _bearer(engine: Engine, email: str) -> tuple[int, Headers]:
    with new_session(engine, write=True) as session, session.begin():
        user = session.exec(select(User).where(User.email == email)).one()
        _, secret = issue_personal_token(
            session,
            actor="test",
            user=user,
            name="t",
            scopes=["participate", "organize"],
            expires_in_days=30,
            now=DURING_SPRINT,
        )
        return user.id or 0, {"Authorization": f"Bearer {secret}"}


def _make_admin(engine: Engine, user_id: int) -> None:
    with new_session(engine, write=True) as session, session.begin():
        user = identity.get_user(session, user_id=user_id)
        identity.grant_role(
            session, user=user, role=Role.ADMIN, competition=None, now=DURING_SPRINT, actor="test"
        )


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    with new_session(engine) as session:
        return {
            name: sorted(
                (tuple(row) for row in session.execute(text(f"SELECT * FROM {name}"))), key=repr
            )
            for name in sorted(SQLModel.metadata.tables)
        }


def _world(
    web: TestClient, admin_web: TestClient, mailbox: Mailbox, engine: Engine
) -> dict[str, str]:
    """A captain signed in on ``web`` with a team, a teammate, a draft with a file, a token and
    a pending team invitation; an admin signed in on ``admin_web``; a pending staff invitation.
    Returns the value of each path parameter."""
    signed_up(web, mailbox, "ada@example.org")
    signed_up(admin_web, mailbox, "root@example.org")
    _, ada = _bearer(engine, "ada@example.org")
    root_id, _ = _bearer(engine, "root@example.org")
    _make_admin(engine, root_id)
    bob_id, bob = person(engine, "bob@example.org")
    team_id = int(form(web, ada)["id"])
    assert join(web, invite_code(web, team_id, ada, "bob@example.org"), bob).status_code == 200
    team_code = invite_code(web, team_id, ada, "carol@example.org")
    entry_id = int(draft(web, team_id, ada)["id"])
    uploaded = web.post(
        f"/api/v1/submissions/{entry_id}/attachments",
        files={"file": ("plan.pdf", PDF, "application/pdf")},
        headers=ada,
    )
    assert uploaded.status_code == 201, uploaded.text
    _, olga = person(engine, "olga@example.org", role=Role.ORGANIZER)
    staff = web.post(
        f"/api/v1/competitions/{G7}/invitations",
        json={"email": "judy@example.org", "role": "judge"},
        headers=olga,
    )
    assert staff.status_code == 201, staff.text
    created = web.post(
        "/en/account/tokens",
        data={"csrf_token": csrf_of(web, "/en/account/tokens"), "name": "mine",
              "expires_in_days": "30", "scopes": "read"},
    )  # fmt: skip
    assert created.status_code == 200, created.text
    token_id = re.search(r"/account/tokens/(\d+)/revoke", created.text)
    assert token_id is not None
    return {
        "lang": "en",
        "slug": G7,
        "team_id": str(team_id),
        "submission_id": str(entry_id),
        "attachment_id": str(uploaded.json()["id"]),
        "user_id": str(bob_id),
        "token_id": token_id.group(1),
        "/teams/join/{code}": team_code,
        "/invitations/{code}": path_of(mailbox.link_to("judy@example.org")).rsplit("/", 1)[1],
    }


def _filled(path: str, values: dict[str, str]) -> str:
    code = next((values[key] for key in values if key.startswith("/") and key in path), "")
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: code if m[1] == "code" else values[m[1]], path)


def _clients(web: TestClient, admin_web: TestClient) -> Iterator[TestClient]:
    yield web
    yield admin_web


def test_every_page_post_without_its_token_is_refused_and_changes_nothing(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    admin_web = TestClient(web.app, follow_redirects=False)
    values = _world(web, admin_web, mailbox, loaded)
    tokens = {id(c): csrf_of(c, "/en/account/profile") for c in _clients(web, admin_web)}
    posts = page_posts(web.app)  # type: ignore[arg-type]
    assert len(posts) >= 20, posts
    before, wrong = _snapshot(loaded), []
    for path in posts:
        client, other = (admin_web, web) if "/admin/" in path else (web, admin_web)
        url = _filled(path, values)
        body = {"name": "Changed", "email": "x@example.org", "user_id": values["user_id"]}
        for token in (None, tokens[id(other)]):
            sent = body if token is None else {**body, "csrf_token": token}
            answer = client.post(url, data=sent)
            if answer.status_code != 403 or _snapshot(loaded) != before:
                wrong.append(f"{url} ({'no' if token is None else 'another'} token): "
                             f"{answer.status_code}")  # fmt: skip
    assert wrong == []
    assert web.get("/en/account/profile").status_code == 200  # still signed in: sign-out refused


def test_a_page_form_added_without_a_thought_for_its_token_is_guarded(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    """A new page POST that neither checks the token nor catches refusals: the route itself
    checks the token, and a refusal raised after a write keeps nothing."""
    app = create_app(settings, clock)
    router = page_router()

    @router.post("/{lang}/only-in-this-test")
    def careless(
        request: Request, session: SessionDep, refuse_after_write: Annotated[str, Form()] = ""
    ) -> Response:
        audit.append(session, at=DURING_SPRINT, actor="test", action="test.written", subject="t")
        session.flush()
        if refuse_after_write:
            raise BadRequest("Refused after writing.")
        return see_other("/en/")

    app.include_router(router)
    before = _snapshot(loaded)
    with TestClient(app, follow_redirects=False) as visitor:
        assert "/{lang}/only-in-this-test" in page_posts(app)
        assert visitor.post("/en/only-in-this-test", data={}).status_code == 403
        token = csrf_of(visitor, "/en/account/sign-in")
        sent = {"csrf_token": token, "refuse_after_write": "yes"}
        refused = visitor.post("/fr/only-in-this-test", data=sent)
        assert refused.status_code == 400 and "Refused after writing." in refused.text
        assert 'role="alert"' in refused.text and 'lang="fr"' in refused.text
        assert _snapshot(loaded) == before
        accepted = visitor.post("/en/only-in-this-test", data={"csrf_token": token})
        assert accepted.status_code == 303
    assert _snapshot(loaded) != before
