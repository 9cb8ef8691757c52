"""Ending sessions, the admin's users-and-roles page, and `govai admin create`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.accounts import service as accounts
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from tests.web import (
    PASSWORD,
    Mailbox,
    SessionCopy,
    assert_session_dead,
    audit_actions,
    post_form,
    sign_in,
    signed_up,
)


def _admin(engine: Engine, clock: FrozenClock, address: str = "root@example.org") -> None:
    with new_session(engine, write=True) as session, session.begin():
        user, _ = accounts.create_admin(
            session, email=address, name="Root", now=clock.now(), actor="test"
        )
        accounts.set_password(
            session, user=user, password=PASSWORD, now=clock.now(), action="user.password_changed"
        )


def _swap(client: TestClient, jar: dict[str, str]) -> dict[str, str]:
    mine = dict(client.cookies)
    client.cookies.clear()
    client.cookies.update(jar)
    return mine


def test_an_admin_ends_a_users_sessions_and_manages_roles(
    web: TestClient, mailbox: Mailbox, loaded: Engine, clock: FrozenClock
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    assert web.get("/en/admin/users").status_code == 403  # not an admin
    copy = SessionCopy(web)
    ada = _swap(web, {})
    assert web.get("/en/admin/users").headers["location"].startswith("/en/account/sign-in?next=")
    _admin(loaded, clock)
    assert sign_in(web, email_address="root@example.org").status_code == 303
    listing = web.get("/en/admin/users")
    assert listing.status_code == 200 and "ada@example.org" in listing.text
    user_id = re.search(r'id="user-(\d+)">\s*<h2 class="card__title">Ada', listing.text).group(1)  # type: ignore[union-attr]

    granted = post_form(
        web,
        "/en/admin/users",
        {"role": "judge", "competition": "g7-govai-2025"},
        action=f"/en/admin/users/{user_id}/roles",
    )
    assert granted.status_code == 303 and "notice=granted" in granted.headers["location"]
    wrong = post_form(
        web,
        "/fr/admin/users",
        {"role": "judge", "competition": ""},
        action=f"/fr/admin/users/{user_id}/roles",
    )
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text
    revoked = post_form(
        web,
        "/en/admin/users",
        {"role": "judge", "competition": "g7-govai-2025"},
        action=f"/en/admin/users/{user_id}/roles/revoke",
    )
    assert revoked.status_code == 303

    clock.advance(timedelta(seconds=1))
    ended = post_form(web, "/en/admin/users", {}, action=f"/en/admin/users/{user_id}/sessions/end")
    assert ended.status_code == 303
    assert_session_dead(web, copy, loaded)
    _swap(web, ada)
    assert web.get("/api/v1/me").status_code == 401  # Ada's next request is anonymous
    assert "Sign in" in web.get("/en/").text
    assert sign_in(web, email_address="ada@example.org").status_code == 303  # she may come back
    actions = audit_actions(loaded)
    assert {"role.granted", "role.revoked", "user.sessions_ended"} <= set(actions)


def test_admin_create_prints_a_one_time_password_that_forces_a_change(
    settings: Settings, web: TestClient, loaded: Engine
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVAI_")}
    env |= {
        "GOVAI_DATA_DIR": str(settings.data_dir),
        "GOVAI_DATABASE_URL": str(settings.database_url),
    }
    command = (  # mounted as the lead's app.cli mounts it: `govai admin ...`
        "import typer; from app.accounts.cli import admin_app; root = typer.Typer(); "
        "root.add_typer(admin_app, name='admin'); root(prog_name='govai')"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            command,
            "admin",
            "create",
            "--email",
            "Root@Example.org",
            "--name",
            "Root",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    password = re.search(r"one-time password .*: (\S+)$", result.stdout, re.M).group(1)  # type: ignore[union-attr]

    first = sign_in(web, email_address="root@example.org", password=password)
    assert first.status_code == 303 and first.headers["location"] == "/en/account/password"
    assert web.get("/api/v1/me").status_code == 401  # not signed in until the password changes
    page = web.get("/en/account/password")
    assert page.status_code == 200 and "one-time password" in page.text
    changed = post_form(
        web, "/en/account/password", {"password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert changed.status_code == 303
    me = web.get("/api/v1/me").json()
    assert {"role": "admin", "competition": None} in me["roles"]
    assert web.get("/en/admin/users").status_code == 200

    web.cookies.clear()
    assert sign_in(web, email_address="root@example.org", password=password).status_code == 400
    assert sign_in(web, email_address="root@example.org").status_code == 303
    again = subprocess.run(
        [sys.executable, "-c", command, "admin", "create", "--email", "not-an-address"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 1 and "valid e-mail" in again.stderr


def _one_time_password(engine: Engine, clock: FrozenClock) -> str:
    with new_session(engine, write=True) as session, session.begin():
        _, password = accounts.create_admin(
            session, email="root@example.org", name="Root", now=clock.now(), actor="test"
        )
    return password


def test_a_one_time_password_is_refused_once_its_hours_are_over(
    web: TestClient, loaded: Engine, clock: FrozenClock, settings: Settings
) -> None:
    password = _one_time_password(loaded, clock)
    clock.advance(timedelta(hours=24))  # GOVAI_ONE_TIME_PASSWORD_HOURS' default, to the second
    for lang, message in (
        ("en", "This one-time password has expired: it worked for 24 hours"),
        ("fr", "Ce mot de passe à usage unique a expiré : il fonctionnait pendant 24 heures"),
    ):
        refused = sign_in(web, email_address="root@example.org", password=password, lang=lang)
        assert refused.status_code == 400 and 'role="alert"' in refused.text
        assert message in refused.text
    assert web.get("/api/v1/me").status_code == 401  # no sign-in, not even a pending change
    assert web.get("/en/account/password").headers["location"].startswith("/en/account/sign-in")

    password = _one_time_password(loaded, clock)  # a new one, made now
    clock.advance(timedelta(hours=23, minutes=59, seconds=59))
    first = sign_in(web, email_address="root@example.org", password=password)
    assert first.status_code == 303 and first.headers["location"] == "/en/account/password"

    web.cookies.clear()
    settings.one_time_password_hours = 48
    password = _one_time_password(loaded, clock)
    clock.advance(timedelta(hours=47))
    late = sign_in(web, email_address="root@example.org", password=password)
    assert late.status_code == 303 and late.headers["location"] == "/en/account/password"
