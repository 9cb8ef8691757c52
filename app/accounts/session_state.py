"""The session cookie, and what ``request.session`` is.

The cookie holds one random id (32 bytes, base64url) and nothing else: no user id, no data, no
signature to trust. The middleware reads it into a ``SessionState`` at ``scope["session"]`` and
touches no database: the row is loaded later through the request's own database session
(``app.accounts.sessions.load``), so a request never holds a second pooled connection for it.
On the way out the middleware sets the cookie when the id is new (first CSRF token, sign-in,
rotation) and deletes it when the session ended.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlmodel import Session
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.models import BrowserSession

COOKIE = "session"
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """How a session id is stored: its SHA-256 only."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


class SessionState(MutableMapping[str, Any]):
    """This request's browser session: the id (``secret``) and, once loaded, the live row.

    As a mapping it is the row's small data (what authlib keeps during a provider sign-in).
    Writing to it with no live row makes an anonymous row under a fresh id; so a visitor who
    only reads pages, or fills a form with a CSRF token, never gets a row.
    """

    def __init__(self, received: str | None) -> None:
        self.received = received
        self.secret = received
        self.row: BrowserSession | None = None
        self._db: Session | None = None
        self._now: datetime | None = None
        self._lifetime = timedelta(0)

    def ensure_secret(self) -> str:
        """The id, made now if the browser sent none (set in the response's cookie)."""
        if self.secret is None:
            self.secret = new_secret()
        return self.secret

    @property
    def loaded(self) -> bool:
        return self._db is not None

    def bind(
        self, db: Session, row: BrowserSession | None, *, now: datetime, lifetime: timedelta
    ) -> None:
        self._db, self.row, self._now, self._lifetime = db, row, now, lifetime

    def replace(self, row: BrowserSession | None, secret: str | None) -> None:
        """A new row under a new id (sign-in, rotation), or none (``secret`` None: ended)."""
        self.row, self.secret = row, secret

    def _data(self) -> dict[str, Any]:
        if not self.loaded:
            raise RuntimeError("the session is read before app.accounts.sessions.load")
        return self.row.data if self.row is not None else {}

    def _write(self, data: dict[str, Any]) -> None:
        assert self._db is not None and self._now is not None
        if self.row is None:
            secret = new_secret()
            self.row = BrowserSession(
                token_hash=digest(secret),
                created_at=self._now,
                last_seen_at=self._now,
                expires_at=self._now + self._lifetime,
            )
            self.secret = secret
        self.row.data = data  # a new dict, so the ORM sees the change
        self._db.add(self.row)

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._write({**self._data(), key: value})

    def __delitem__(self, key: str) -> None:
        data = dict(self._data())
        del data[key]
        self._write(data)

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._data()))

    def __len__(self) -> int:
        return len(self._data())


def state_of(request: Request) -> SessionState:
    state = request.scope.get("session")
    if not isinstance(state, SessionState):
        raise RuntimeError("SessionCookieMiddleware is not installed")
    return state


class SessionCookieMiddleware:
    """Reads the session id from the cookie; sets or deletes the cookie when it changed."""

    def __init__(self, app: ASGIApp, *, max_age: int, secure: bool) -> None:
        self.app, self.max_age, self.secure = app, max_age, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["session"] = SessionState(_received(scope))

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = self._cookie(state)
                if cookie is not None:
                    MutableHeaders(scope=message).append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, state: SessionState) -> str | None:
        if state.secret is not None and state.secret != state.received:
            value, max_age = state.secret, self.max_age
        elif state.secret is None and state.received is not None:
            value, max_age = "", 0  # ended: the browser forgets it
        else:
            return None
        secure = "; Secure" if self.secure else ""
        return f"{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"


def _received(scope: Scope) -> str | None:
    """The id the browser sent, if it has the shape of one (anything else is ignored)."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            secret = cookie_parser(value.decode("latin-1")).get(COOKIE, "")
            if _WELL_FORMED.fullmatch(secret):
                return secret
    return None
