"""Browser sessions: a signed, HttpOnly, SameSite=Lax cookie holding the user id and when the
session was issued. A session issued before ``user.sessions_valid_after`` (an admin ended the
user's sessions, or the password was reset) or older than the maximum age no longer counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from sqlmodel import Session
from starlette.middleware.sessions import SessionMiddleware

from app.accounts import csrf
from app.core.config import Settings
from app.core.db import WRITE_METHODS
from app.identity import service as identity
from app.identity.actor import Actor
from app.identity.models import User

COOKIE = "session"
USER_KEY, ISSUED_KEY = "uid", "iat"
PENDING_KEY = "password_change"  # a one-time password was used: a new one must be set first
PENDING_LIFETIME = timedelta(minutes=30)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def install(app: FastAPI, settings: Settings) -> None:
    """The session cookie middleware, and the session authenticator after any already there."""
    host = urlsplit(settings.base_url).hostname or ""
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.ensure_secret_key(),
        session_cookie=COOKIE,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=host not in LOCAL_HOSTS,
    )
    app.state.authenticators.append(authenticate_session)


def start(request: Request, *, user: User, now: datetime) -> None:
    """Sign ``user`` in: a fresh session (and CSRF token), issued now."""
    request.session.clear()
    request.session.update({USER_KEY: user.id, ISSUED_KEY: now.timestamp()})
    csrf.new_token(request)


def end(request: Request) -> None:
    request.session.clear()


def start_pending_change(request: Request, *, user: User, now: datetime) -> None:
    """The person proved a one-time password: they may now only set a new one."""
    request.session.clear()
    request.session[PENDING_KEY] = {
        "uid": user.id,
        "exp": (now + PENDING_LIFETIME).timestamp(),
    }
    csrf.new_token(request)


def pending_user(request: Request, session: Session, now: datetime) -> User | None:
    pending = request.session.get(PENDING_KEY) if "session" in request.scope else None
    if not isinstance(pending, dict) or float(pending.get("exp", 0)) <= now.timestamp():
        return None
    user = session.get(User, pending.get("uid"))
    return user if user is not None and user.is_active else None


def signed_in_user(request: Request, session: Session, now: datetime) -> User | None:
    """The user of a valid session, or None (and an invalid session is forgotten)."""
    if "session" not in request.scope or USER_KEY not in request.session:
        return None
    try:
        issued = datetime.fromtimestamp(float(request.session[ISSUED_KEY]), UTC)
        user = session.get(User, int(request.session[USER_KEY]))
    except (KeyError, TypeError, ValueError):
        user = None
    max_age = timedelta(seconds=request.app.state.settings.session_max_age_seconds)
    if user is None or not _valid(user, issued, now, max_age):
        request.session.pop(USER_KEY, None)
        request.session.pop(ISSUED_KEY, None)
        return None
    return user


def _valid(user: User, issued: datetime, now: datetime, max_age: timedelta) -> bool:
    if not user.is_active or issued + max_age <= now:
        return False
    return user.sessions_valid_after is None or issued >= user.sessions_valid_after


def authenticate_session(request: Request, session: Session, now: datetime) -> Actor | None:
    """The app's session authenticator: None without a valid session.

    A JSON API call that changes something (POST/PUT/PATCH/DELETE under ``/api/``) with the
    session cookie must carry the session's CSRF token in ``X-CSRF-Token``, or it is refused
    (403). Pages check their forms' tokens themselves, to answer with the form and a message.
    """
    user = signed_in_user(request, session, now)
    if user is None:
        return None
    if request.method in WRITE_METHODS and request.url.path.startswith("/api/"):
        csrf.verify_header(request)
    return identity.actor_for_user(session, user=user, scopes=None, via="session")
