"""Helpers for tests that act as a person in a browser would: a mailbox behind a real SMTP
server (the ``mailbox`` and ``web`` fixtures in tests/conftest.py), and forms sent with their
CSRF token."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from http.cookiejar import Cookie
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.db import new_session
from tests.waiting import eventually

PASSWORD = "a long enough passphrase"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"https?://\S+")
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Mailbox:
    """An aiosmtpd handler: every message delivered over SMTP, parsed."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.engine = engine

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages to ``address``, once every message the app has queued was tried (the
        server sends its mail from a thread, just after it has answered)."""
        assert eventually(self._drained), "the app's outbox was not tried within 10 s"
        failures = self._failures()
        assert not failures, f"the app could not deliver: {failures}"
        return [m for m in self.messages if m["To"] == address]

    def _drained(self) -> bool:
        if self.engine is None:
            return True
        with self.engine.connect() as connection:
            untried = "SELECT count(*) FROM outbound_mail WHERE sent_at IS NULL AND attempts = 0"
            return bool(connection.execute(text(untried)).scalar_one() == 0)

    def _failures(self) -> list[str]:
        """The errors of messages the app tried to send to this server and could not."""
        if self.engine is None:
            return []
        with self.engine.connect() as connection:
            failed = "SELECT last_error FROM outbound_mail WHERE sent_at IS NULL AND attempts > 0"
            return [str(error) for error in connection.execute(text(failed)).scalars()]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}"
        return found[-1]

    def link_to(self, address: str) -> str:
        body = self.last_to(address).get_content()
        match = LINK.search(body)
        assert match, body
        return match.group(0)


def path_of(url: str) -> str:
    """The path and query of a link from an e-mail, to follow it on the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def csrf_of(client: TestClient, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, response.text
    match = CSRF.search(response.text)
    assert match, "no CSRF token on " + page
    return match.group(1)


def post_form(
    client: TestClient, page: str, data: dict[str, Any], action: str | None = None, **kwargs: Any
) -> Any:
    """Load ``page``, then send its form with the page's CSRF token, as a browser would."""
    token = csrf_of(client, page)
    return client.post(action or page.split("?")[0], data={"csrf_token": token, **data}, **kwargs)


def register(
    client: TestClient,
    *,
    email_address: str,
    name: str = "Ada Lovelace",
    lang: str = "en",
    password: str = PASSWORD,
) -> Any:
    return post_form(
        client,
        f"/{lang}/account/register",
        {
            "name": name,
            "email": email_address,
            "password": password,
            "password_confirm": password,
        },
    )


def sign_in(
    client: TestClient,
    *,
    email_address: str,
    password: str = PASSWORD,
    lang: str = "en",
    next_path: str = "",
) -> Any:
    return post_form(
        client,
        f"/{lang}/account/sign-in",
        {"email": email_address, "password": password, "next": next_path},
    )


def signed_up(client: TestClient, mailbox: Mailbox, email_address: str, **kwargs: Any) -> None:
    """Register, follow the link in the mail, sign in."""
    assert register(client, email_address=email_address, **kwargs).status_code == 200
    assert client.get(path_of(mailbox.link_to(email_address))).status_code == 200
    assert sign_in(client, email_address=email_address).status_code == 303


class SessionCopy:
    """A copy of a signed-in browser's cookie and of the CSRF token its pages carry."""

    def __init__(self, web: TestClient) -> None:
        page = web.get("/en/account/profile")
        assert page.status_code == 200
        self.cookies = list(web.cookies.jar)
        match = META_CSRF.search(page.text)
        assert match, "no CSRF token in the page's head"
        self.token = match.group(1)


def replay_session(
    web: TestClient, copy: SessionCopy, *, name: str = "Mallory"
) -> tuple[int, str, int]:
    """What the copy gets: /api/v1/me, where the profile page sends it (nowhere: ""), and a
    profile PUT that renames the person ``name``; ``web`` keeps its own cookies."""
    mine = list(web.cookies.jar)
    _use_cookies(web, copy.cookies)
    try:
        me = web.get("/api/v1/me").status_code
        profile = web.get("/en/account/profile").headers.get("location", "")
        put = web.put(
            "/api/v1/me/profile",
            json={"name": name, "preferred_language": "en"},
            headers={"X-CSRF-Token": copy.token},
        ).status_code
    finally:
        _use_cookies(web, mine)
    return me, profile, put


def _use_cookies(web: TestClient, cookies: list[Cookie]) -> None:
    web.cookies.clear()
    for cookie in cookies:
        web.cookies.jar.set_cookie(cookie)


def assert_session_dead(web: TestClient, copy: SessionCopy, engine: Engine) -> None:
    """The copy is anonymous everywhere, and its profile change was not made."""
    from sqlmodel import select

    from app.identity.models import User

    me, profile, put = replay_session(web, copy)
    assert me == 401
    assert profile.startswith("/en/account/sign-in?next=")
    assert put == 401
    with new_session(engine) as session:
        assert session.exec(select(User).where(User.name == "Mallory")).first() is None


def audit_actions(engine: Engine) -> list[str]:
    from sqlmodel import col, select

    from app.audit.models import AuditRecord

    with new_session(engine) as session:
        rows = session.exec(select(AuditRecord).order_by(col(AuditRecord.seq))).all()
        return [row.action for row in rows]
