"""Browser sessions are rows on the server: a copy of the cookie dies with the session (sign-out,
sign-out everywhere, a password change or reset), a session ends when idle or too old by the
server's clock, the cookie is a random id and nothing else, and the last use is written at
most once a minute."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import select

from app.accounts.models import BrowserSession
from app.audit.models import AuditRecord
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity.models import User
from tests.web import (
    PASSWORD,
    Mailbox,
    SessionCopy,
    assert_session_dead,
    path_of,
    post_form,
    replay_session,
    sign_in,
    signed_up,
)

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


def _sessions(engine: Engine) -> list[BrowserSession]:
    with new_session(engine) as session:
        return list(session.exec(select(BrowserSession).order_by(BrowserSession.id)).all())


def _other_browser(web: TestClient, address: str = "ada@example.org") -> None:
    web.cookies.clear()
    assert sign_in(web, email_address=address).status_code == 303


def test_a_copy_taken_before_sign_out_is_dead_after_it(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    copy = SessionCopy(web)
    alive = replay_session(web, copy, name="Ada Copied")
    assert alive == (200, "", 200)  # the copy works while the session lives
    out = post_form(web, "/en/", {}, action="/en/account/sign-out")
    assert out.status_code == 303
    assert_session_dead(web, copy, loaded)
    assert "session=; path=/; max-age=0;" in out.headers["set-cookie"].lower()  # forgotten
    assert _sessions(loaded) == []


def test_sign_out_everywhere_from_another_browser_ends_every_session(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    first = SessionCopy(web)
    _other_browser(web)
    assert len(_sessions(loaded)) == 2
    page = web.get("/fr/account/profile")
    assert "Se déconnecter partout" in page.text
    ended = post_form(web, "/fr/account/profile", {}, action="/fr/account/sign-out-everywhere")
    assert ended.status_code == 303
    assert ended.headers["location"] == "/fr/account/sign-in?notice=signed-out-everywhere"
    notice = web.get(ended.headers["location"])
    assert "Toutes vos sessions sont fermées" in notice.text and 'role="status"' in notice.text
    assert web.get("/api/v1/me").status_code == 401  # this browser too
    assert_session_dead(web, first, loaded)
    assert _sessions(loaded) == []
    with new_session(loaded) as session:
        record = session.exec(
            select(AuditRecord).where(AuditRecord.action == "user.sessions_ended")
        ).one()
        ada = session.exec(select(User).where(User.email == "ada@example.org")).one()
        assert (record.actor, record.subject) == (f"user:{ada.id}", f"user:{ada.id}")
        assert record.payload == {"sessions": 2}


def test_sign_out_everywhere_needs_the_forms_token(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    refused = web.post("/en/account/sign-out-everywhere", data={"csrf_token": "forged"})
    assert refused.status_code == 403 and 'role="alert"' in refused.text
    assert web.get("/api/v1/me").status_code == 200 and len(_sessions(loaded)) == 1


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    first = SessionCopy(web)
    _other_browser(web)
    new = "another long passphrase"
    changed = post_form(
        web,
        "/en/account/password",
        {"current_password": PASSWORD, "password": new, "password_confirm": new},
    )
    assert changed.status_code == 303
    assert_session_dead(web, first, loaded)
    assert web.get("/api/v1/me").status_code == 200
    assert len(_sessions(loaded)) == 1


def test_a_password_reset_ends_every_session(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    first = SessionCopy(web)
    web.cookies.clear()  # a browser where Ada forgot her password
    post_form(web, "/en/account/forgot-password", {"email": "ada@example.org"})
    link = path_of(mailbox.link_to("ada@example.org"))
    new = "another long passphrase"
    done = post_form(
        web,
        link,
        {"token": link.split("token=")[1], "password": new, "password_confirm": new},
        action="/en/account/reset-password",
    )
    assert done.status_code == 303
    assert_session_dead(web, first, loaded)


def test_a_session_ends_after_the_idle_timeout(
    settings: Settings, web: TestClient, mailbox: Mailbox, clock: FrozenClock
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    idle = timedelta(seconds=settings.session_idle_seconds)
    for _ in range(3):  # each use within the timeout keeps it going
        clock.advance(idle - SECOND)
        assert web.get("/api/v1/me").status_code == 200
    clock.advance(idle + SECOND)
    assert web.get("/api/v1/me").status_code == 401
    assert web.get("/en/account/profile").status_code == 303


def test_a_session_in_constant_use_still_ends_at_its_maximum_age(
    settings: Settings, web: TestClient, mailbox: Mailbox, clock: FrozenClock
) -> None:
    settings.session_max_age_seconds = 24 * 3600  # the same rule as 14 days, in fewer steps
    signed_up(web, mailbox, "ada@example.org")
    signed_in_at, step = clock.now(), timedelta(seconds=settings.session_idle_seconds) / 2
    end = signed_in_at + timedelta(seconds=settings.session_max_age_seconds)
    while clock.now() + step < end:
        clock.advance(step)
        assert web.get("/api/v1/me").status_code == 200
    clock.set(end - SECOND)
    assert web.get("/api/v1/me").status_code == 200
    clock.advance(SECOND)
    assert web.get("/api/v1/me").status_code == 401


def test_the_cookie_is_a_random_id_and_the_database_keeps_only_its_digest(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    value = web.cookies["session"]
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert len(raw) == 32  # 256 random bits, nothing else
    with pytest.raises(ValueError):
        json.loads(raw)
    with new_session(loaded) as session:
        ada = session.exec(select(User).where(User.email == "ada@example.org")).one()
    # No readable user data: not the address, nor a signed payload (a random id of one byte
    # such as the user id "1" would be found in random bytes one time in eight: not checked).
    assert b"ada" not in raw.lower() and "ada" not in value.lower() and "." not in value
    (row,) = _sessions(loaded)
    assert row.user_id == ada.id
    assert row.token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert value not in json.dumps(row.data) and row.token_hash != value


def test_sign_in_gives_a_new_id_so_a_planted_one_is_worth_nothing(
    web: TestClient, mailbox: Mailbox
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    web.cookies.clear()
    web.get("/en/account/sign-in")  # the form's CSRF token gives an anonymous id
    planted = web.cookies["session"]
    assert sign_in(web, email_address="ada@example.org").status_code == 303
    assert web.cookies["session"] != planted
    mine = dict(web.cookies)
    web.cookies.clear()
    web.cookies.update({**mine, "session": planted})
    assert web.get("/api/v1/me").status_code == 401


def test_visitors_who_read_pages_or_forms_get_no_row(web: TestClient, loaded: Engine) -> None:
    for page in ("/en/", "/fr/", "/en/account/sign-in", "/en/account/register"):
        assert web.get(page).status_code == 200
    assert "session" in web.cookies  # the forms' CSRF token is tied to an id, not a row
    with new_session(loaded) as session:
        assert session.exec(select(func.count()).select_from(BrowserSession)).one() == 0


def test_the_last_use_is_written_at_most_once_a_minute(
    web: TestClient, mailbox: Mailbox, loaded: Engine, clock: FrozenClock
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    signed_in_at = clock.now()
    seen = []
    for step in (30 * SECOND, 29 * SECOND, 2 * SECOND, 58 * SECOND, MINUTE):
        clock.advance(step)
        assert web.get("/api/v1/me").status_code == 200
        assert web.get("/api/v1/me").status_code == 200
        (row,) = _sessions(loaded)
        seen.append(row.last_seen_at - signed_in_at)
    expected = [timedelta(0), timedelta(0), 61 * SECOND, 61 * SECOND, 179 * SECOND]
    assert seen == expected
